"""Login notices: a login from a browser or device the account has not used before tells the person, by inbox and
e-mail, unless they switched it off."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from account import login_notices
from account.models import KnownDevice, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/en/auth/login/"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def person(db):
    return UserFactory(language="en", first_name="Rita", last_name="Muster")


def log_in(person, password, user_agent, ip="198.51.100.7"):
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(LOGIN, {"login": person.email, "password": password})
    assert response.status_code == 302 and "_auth_user_id" in browser.session
    return browser


def login_notices_of(person):
    return Notification.objects.filter(user=person, kind=login_notices.KIND)


def test_the_first_device_is_remembered_without_a_notice(person, password, mailoutbox):
    log_in(person, password, FIREFOX_WINDOWS)

    device = KnownDevice.objects.get(user=person)
    assert re.fullmatch(r"[0-9a-f]{64}", device.fingerprint)
    assert "Gecko/20100101" not in repr(list(KnownDevice.objects.values()))  # only a digest of the raw string
    assert device.label == "Firefox / Windows"
    assert device.last_ip == "198.51.100.7"
    assert not login_notices_of(person).exists()
    assert mailoutbox == []


def test_a_known_device_logs_in_quietly_also_after_a_browser_update(person, password, mailoutbox):
    log_in(person, password, FIREFOX_WINDOWS)
    log_in(person, password, FIREFOX_WINDOWS, ip="198.51.100.8")
    log_in(person, password, FIREFOX_WINDOWS.replace("133.0", "134.0"))

    assert KnownDevice.objects.get(user=person).last_ip == "198.51.100.7"
    assert not login_notices_of(person).exists()


def test_a_new_device_sends_a_notice_with_time_device_ip_and_the_sessions_link(
    person, password, mailoutbox, django_capture_on_commit_callbacks
):
    log_in(person, password, FIREFOX_WINDOWS)
    with django_capture_on_commit_callbacks(execute=True):
        log_in(person, password, SAFARI_IPHONE, ip="203.0.113.9")

    assert KnownDevice.objects.filter(user=person).count() == 2
    notice = login_notices_of(person).get()
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert notice.title == "New login to your account"
    assert f"on {today} at " in notice.body
    assert re.search(r"at \d\d:\d\d with Safari / iPhone \(IP address 203\.0\.113\.9\)", notice.body)
    assert notice.url == "/en/auth/sessions/"

    [mail] = mailoutbox
    assert mail.to == [person.email]
    assert mail.subject == "New login to your account"
    assert "Safari / iPhone" in mail.body and "203.0.113.9" in mail.body
    assert "http://testserver/en/auth/sessions/" in mail.body


def test_the_sessions_page_of_the_link_lists_the_new_session(person, password, django_capture_on_commit_callbacks):
    log_in(person, password, FIREFOX_WINDOWS)
    phone = log_in(person, password, SAFARI_IPHONE, ip="203.0.113.9")
    notice = login_notices_of(person).get()

    page = phone.get(notice.url)

    assert page.status_code == 200
    assert "203.0.113.9" in page.content.decode()


def test_no_notice_when_the_person_switched_it_off(person, password, mailoutbox, django_capture_on_commit_callbacks):
    person.login_notifications = False
    person.save()
    log_in(person, password, FIREFOX_WINDOWS)
    with django_capture_on_commit_callbacks(execute=True):
        log_in(person, password, SAFARI_IPHONE)

    assert KnownDevice.objects.filter(user=person).count() == 2  # still remembered
    assert not login_notices_of(person).exists()
    assert mailoutbox == []


def test_no_notice_when_the_installation_switched_it_off(person, password, settings):
    settings.PORTAL_LOGIN_NOTICES = False
    log_in(person, password, FIREFOX_WINDOWS)
    log_in(person, password, SAFARI_IPHONE)
    assert not login_notices_of(person).exists()


def test_the_notice_speaks_the_persons_language(password):
    person = UserFactory(language="de")
    log_in(person, password, FIREFOX_WINDOWS)
    log_in(person, password, SAFARI_IPHONE)
    notice = login_notices_of(person).get()
    assert notice.url == "/auth/sessions/"


def test_logins_without_an_http_client_remember_no_device(client, person):
    client.force_login(person)
    assert not KnownDevice.objects.exists()


def test_the_devices_of_one_person_are_not_anothers(password):
    first, second = UserFactory(), UserFactory()
    log_in(first, password, FIREFOX_WINDOWS)
    log_in(second, password, SAFARI_IPHONE)
    # Each account's first device: nobody is told about the other's browser.
    assert not Notification.objects.filter(kind=login_notices.KIND).exists()


# --- the preference on the notification settings page ----------------------------------------------------------


def test_the_settings_page_switches_the_notice_off_and_on(client, person):
    client.force_login(person)
    url = reverse("useraccount:notification_settings")
    html = client.get(url).content.decode()
    assert "Logins to my account from a new browser or device" in html
    assert re.search(rf'value="{re.escape(login_notices.KIND)}"[^>]*checked', html)

    client.post(url, {"email": ["account"]})
    person.refresh_from_db()
    assert person.login_notifications is False
    assert not re.search(rf'value="{re.escape(login_notices.KIND)}"[^>]*checked', client.get(url).content.decode())

    client.post(url, {"email": ["account", login_notices.KIND]})
    person.refresh_from_db()
    assert person.login_notifications is True


# --- device labels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent, label",
    [
        (FIREFOX_WINDOWS, "Firefox / Windows"),
        (SAFARI_IPHONE, "Safari / iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome / macOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge / Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome / Android",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox / Linux"),
        ("okhttp/4.12.0", "okhttp"),
        ("", ""),
    ],
)
def test_device_labels_are_short_and_recognisable(user_agent, label):
    assert login_notices.device_label(user_agent) == label

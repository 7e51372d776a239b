"""Session and back-office protections: 2FA for everyone with admin access, idle timeout and absolute session
lifetime (with a frozen clock), ending all sessions of a person, security headers."""

import datetime
import time
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from account.models import PersonalDataAccess
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/en/account/"
LOGIN = "/en/auth/login/"


def permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def admin_user(**fields):
    """Someone with back-office access whose admin speaks English."""
    person = UserFactory(language="en", **fields)
    UserProfile.objects.update_or_create(user=person, defaults={"preferred_language": "en"})
    return person


# --- MFA for everyone who can open a back office ---------------------------------------------------------------


@pytest.fixture
def mfa_required(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/admin/users/", "/django-admin/", "/django-admin/auth/"])
def test_staff_without_2fa_are_sent_to_set_it_up_from_every_admin_path(client, mfa_required, path):
    client.force_login(admin_user(is_staff=True, is_superuser=True))
    response = client.get(path)
    assert response.status_code == 302 and response.url == reverse("mfa_index")


def test_a_non_staff_user_with_the_admin_access_permission_must_enrol_too(client, mfa_required):
    editors = Group.objects.create(name="Web editors")
    editors.permissions.add(permission("wagtailadmin", "access_admin"))
    editor = admin_user()
    editor.groups.add(editors)
    assert not editor.is_staff
    client.force_login(editor)

    response = client.get("/admin/")

    assert response.status_code == 302 and response.url == reverse("mfa_index")


def test_people_without_admin_access_are_not_asked_for_2fa(client, mfa_required, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.url != reverse("mfa_index")  # Wagtail itself turns them away
    assert client.get(DASHBOARD).status_code == 200


def test_the_enrolment_pages_stay_reachable(client, mfa_required):
    client.force_login(admin_user(is_staff=True))
    assert client.get(reverse("mfa_index")).status_code == 200


def test_after_enrolling_totp_both_back_offices_open(client, mfa_required):
    administrator = admin_user(is_staff=True, is_superuser=True)
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 302

    TOTP.activate(administrator, generate_totp_secret())

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/pages/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_the_requirement_can_be_switched_off_for_development(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(admin_user(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_a_clerk_logs_in_is_sent_to_enrol_sets_up_totp_and_then_reaches_the_admin(client, mfa_required, password):
    clerk = admin_user(is_staff=True, is_superuser=True)
    response = client.post(LOGIN, {"login": clerk.email, "password": password, "next": "/admin/pages/"})
    assert response.status_code == 302 and response.url == "/admin/pages/"

    # The deep link after the login is caught as well as the admin's start page.
    response = client.get("/admin/pages/")
    assert response.status_code == 302 and response.url == reverse("mfa_index")

    # Enrol through allauth's own pages, the way the person does with an authenticator app (password confirmed first).
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": password})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=clerk, type=Authenticator.Type.TOTP).exists()

    assert client.get("/admin/pages/").status_code == 200


# --- session limits, with a frozen clock -------------------------------------------------------------------------


class FrozenClock:
    """`django.utils.timezone.now`, which the session middleware and Django's session store both read, held still."""

    def __init__(self):
        self.now = datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC)

    def advance(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    frozen = FrozenClock()
    with mock.patch("django.utils.timezone.now", side_effect=frozen):
        yield frozen


def logged_in(client):
    return client.get(DASHBOARD).status_code == 200


def sent_to_login(response):
    return response.status_code == 302 and response.url.startswith(LOGIN)


def test_idle_timeout_logs_out_after_the_inactivity_and_not_before(client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(UserFactory(language="en"))
    assert logged_in(client)

    clock.advance(30 * 60 - 1)
    assert logged_in(client)  # one second short of the limit: still there, and the idle time starts again

    clock.advance(30 * 60 + 1)
    response = client.get(DASHBOARD, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "You were logged out after a period of inactivity." in response.content.decode()
    assert not logged_in(client)


def test_the_absolute_lifetime_ends_an_active_session_and_activity_never_moves_its_expiry(client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 12 * 60 * 60
    login_time = clock.now
    client.force_login(UserFactory(language="en"))
    assert logged_in(client)
    expiry = client.session.get_expiry_date()
    assert expiry == login_time + datetime.timedelta(hours=12)

    # Busy all day: a request every 20 minutes, never idle.
    for _ in range(12 * 3 - 1):
        clock.advance(20 * 60)
        assert logged_in(client)
        assert client.session.get_expiry_date() == expiry
    assert clock.now == expiry - datetime.timedelta(minutes=20)

    clock.advance(20 * 60)
    assert sent_to_login(client.get(DASHBOARD))


def test_a_login_without_remember_me_ends_after_the_absolute_lifetime_too(client, clock, settings, password):
    # Such a session's cookie lasts until the browser closes, and Django moves its stored expiry on every save:
    # the middleware's own count from the login is what ends it.
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 2 * 60 * 60
    person = UserFactory(language="en")
    client.post(LOGIN, {"login": person.email, "password": password})
    assert client.session.get_expire_at_browser_close()

    for _ in range(5):
        clock.advance(20 * 60)
        assert logged_in(client)

    clock.advance(20 * 60)
    response = client.get(DASHBOARD, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "Your session has ended after its maximum duration." in response.content.decode()


def test_remember_me_keeps_the_expiry_fixed_at_the_login(client, clock, settings, password):
    settings.SESSION_COOKIE_AGE = 12 * 60 * 60
    login_time = clock.now
    person = UserFactory(language="en")
    client.post(LOGIN, {"login": person.email, "password": password, "remember": "on"})
    clock.advance(10 * 60)
    assert logged_in(client)
    clock.advance(10 * 60)
    assert logged_in(client)
    assert client.session.get_expiry_date() == login_time + datetime.timedelta(hours=12)
    assert client.cookies["sessionid"]["max-age"] == 12 * 60 * 60 - 20 * 60


def test_a_new_login_restarts_the_lifetime(client, clock, settings, password):
    settings.SESSION_COOKIE_AGE = 60 * 60
    person = UserFactory(language="en")
    client.force_login(person)
    assert logged_in(client)
    clock.advance(50 * 60)
    client.post(LOGIN, {"login": person.email, "password": password, "remember": "on"})
    clock.advance(20 * 60)
    assert logged_in(client)


# --- ending all sessions of a person in the back office ----------------------------------------------------------


@pytest.fixture
def user_manager(db):
    managers = Group.objects.create(name="User managers")
    managers.permissions.add(
        permission("wagtailadmin", "access_admin"),
        permission("useraccount", "change_user"),
        permission("useraccount", "view_user"),
    )
    manager = admin_user(is_staff=True)
    manager.groups.add(managers)
    return manager


def end_sessions_url(person):
    return reverse("useraccount_staff:end_sessions", args=[person.pk])


def refused(response):
    # Wagtail answers a refused admin view with a redirect to the admin's start page and a message.
    return response.status_code == 302 and response.url == "/admin/"


def test_the_user_list_offers_the_action_to_staff_who_may_change_users(client, user_manager, user):
    client.force_login(user_manager)
    html = client.get("/admin/users/").content.decode()
    assert "End all sessions" in html
    assert end_sessions_url(user) in html


def test_staff_without_the_change_permission_get_neither_button_nor_page(client, user):
    viewers = Group.objects.create(name="Viewers")
    viewers.permissions.add(permission("wagtailadmin", "access_admin"), permission("useraccount", "view_user"))
    viewer = admin_user(is_staff=True)
    viewer.groups.add(viewers)
    browser = Client()
    browser.force_login(user)
    client.force_login(viewer)

    assert end_sessions_url(user) not in client.get("/admin/users/").content.decode()
    for response in (client.get(end_sessions_url(user)), client.post(end_sessions_url(user))):
        assert refused(response)
    assert logged_in(browser)


def test_end_all_sessions_asks_first_then_logs_the_person_out_everywhere(client, user_manager, password):
    person = UserFactory(language="en", first_name="Rita", last_name="Muster")
    laptop, phone = Client(), Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    laptop.force_login(person)
    phone.post(LOGIN, {"login": person.email, "password": password})
    assert logged_in(laptop) and logged_in(phone)
    assert UserSession.objects.filter(user=person).count() == 2
    client.force_login(user_manager)

    page = client.get(end_sessions_url(person))
    assert page.status_code == 200
    assert "End all sessions of Rita Muster?" in page.content.decode()
    assert logged_in(laptop)  # asking changes nothing

    response = client.post(end_sessions_url(person), follow=True)

    assert "All sessions of Rita Muster have been ended (2)." in response.content.decode()
    assert not logged_in(laptop) and not logged_in(phone)
    assert not UserSession.objects.filter(user=person).exists()
    assert client.get("/admin/").status_code == 200  # the staff member's own session is untouched
    entry = PersonalDataAccess.objects.get(action=PersonalDataAccess.Action.CHANGE)
    assert (entry.actor, entry.subject, entry.record_id) == (user_manager, person, str(person.pk))


def test_sessions_allauth_never_tracked_are_ended_too(client, user_manager, user):
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    client.force_login(user_manager)

    client.post(end_sessions_url(user))

    assert not SessionStore().exists(store.session_key)


def test_only_a_superuser_ends_the_sessions_of_a_superuser(client, user_manager):
    administrator = admin_user(is_staff=True, is_superuser=True)
    client.force_login(user_manager)
    assert refused(client.post(end_sessions_url(administrator)))
    assert end_sessions_url(administrator) not in client.get("/admin/users/").content.decode()

    client.force_login(admin_user(is_staff=True, is_superuser=True))
    assert client.post(end_sessions_url(administrator)).status_code == 302


# --- headers -----------------------------------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("account_login"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"

"""The notification inbox in the account: listing, opening, marking read, e-mail preferences, unread count."""

import copy
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone, translation

from account import notifications
from account.models import Notification, NotificationPreference
from account.notification_views import unread_notifications
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INBOX = "/account/notifications/"


def note(user, title, url="", read=False, **fields):
    return Notification.objects.create(
        user=user, kind="case", title=title, url=url, read_at=timezone.now() if read else None, **fields
    )


@pytest.fixture
def with_unread_count(settings):
    """The context processor the lead adds to TEMPLATES, switched on for these tests."""
    templates = copy.deepcopy(django_settings.TEMPLATES)
    processor = "account.notification_views.unread_notifications"
    if processor not in templates[0]["OPTIONS"]["context_processors"]:
        templates[0]["OPTIONS"]["context_processors"].append(processor)
    settings.TEMPLATES = templates


def test_inbox_lists_my_notifications_newest_first_with_unread_marked(client, user, other_user):
    older = note(user, "Erste Meldung", read=True)
    newer = note(user, "Zweite Meldung")
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timezone.timedelta(days=1))
    note(other_user, "Fremde Meldung")
    client.force_login(user)

    html = client.get(INBOX).content.decode()

    assert html.index("Zweite Meldung") < html.index("Erste Meldung")
    assert "Fremde Meldung" not in html
    assert len(re.findall(r"data-unread(?=[\s>])", html)) == 1
    assert reverse("useraccount:notification_open", kwargs={"pk": newer.pk}) in html


def test_inbox_needs_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/")


def test_opening_marks_read_and_follows_a_local_link(client, user):
    notification = note(user, "Neue Nachricht", url="/account/cases/MW-2026-00001/")
    client.force_login(user)

    response = client.get(reverse("useraccount:notification_open", kwargs={"pk": notification.pk}))

    assert response.status_code == 302
    assert response["Location"] == "/account/cases/MW-2026-00001/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)", ""]
)
def test_opening_never_leaves_the_site(client, user, url):
    notification = note(user, "Link", url=url)
    client.force_login(user)

    response = client.get(reverse("useraccount:notification_open", kwargs={"pk": notification.pk}))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_404_and_stays_unread(client, user, other_user):
    theirs = note(other_user, "Fremd", url="/account/")
    client.force_login(user)

    response = client.get(reverse("useraccount:notification_open", kwargs={"pk": theirs.pk}))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_is_a_post_and_touches_only_mine(client, user, other_user):
    mine = [note(user, f"Meldung {n}") for n in range(3)]
    theirs = note(other_user, "Fremd")
    client.force_login(user)

    assert client.get(reverse("useraccount:notifications_read")).status_code == 405
    response = client.post(reverse("useraccount:notifications_read"))

    assert response.status_code == 302
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_settings_offer_one_checkbox_per_kind_and_store_the_choice(client, user):
    client.force_login(user)
    url = reverse("useraccount:notification_settings")

    html = client.get(url).content.decode()
    for kind in notifications.KINDS:
        assert f'value="{kind}"' in html
    # Without a stored choice every kind arrives by e-mail.
    assert html.count("checked") == len(notifications.KINDS)

    response = client.post(url, {"email": ["account"]})

    assert response.status_code == 302
    assert notifications.wants_email(user, "account")
    assert not notifications.wants_email(user, "case")
    html = client.get(url).content.decode()
    assert html.count("checked") == 1


def test_unticking_everything_turns_all_e_mail_off(client, user):
    client.force_login(user)
    client.post(reverse("useraccount:notification_settings"), {})
    assert NotificationPreference.objects.filter(user=user, email=False).count() == len(notifications.KINDS)


def test_an_unknown_kind_is_refused(client, user):
    client.force_login(user)
    with translation.override("en"):
        response = client.post(reverse("useraccount:notification_settings"), {"email": ["nonsense"]})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_unread_count_in_header_and_navigation(client, user, with_unread_count):
    note(user, "Eins")
    note(user, "Zwei")
    note(user, "Gelesen", read=True)
    note(UserFactory(), "Fremd")
    client.force_login(user)

    html = client.get(reverse("useraccount:profile")).content.decode()

    assert "data-unread-notifications>2<" in html
    assert reverse("useraccount:notifications") in html
    assert reverse("services:case_list") in html


def test_no_badge_without_unread(client, user, with_unread_count):
    note(user, "Gelesen", read=True)
    client.force_login(user)
    html = client.get(reverse("useraccount:profile")).content.decode()
    assert "data-unread-notifications" not in html


def test_context_processor_counts_once_and_only_when_used(rf, user, django_assert_num_queries):
    request = rf.get("/")
    request.user = user
    note(user, "Eins")
    with django_assert_num_queries(0):
        context = unread_notifications(request)
    with django_assert_num_queries(1):
        assert context["unread_notifications"]() == 1
        assert context["unread_notifications"]() == 1


def test_context_processor_is_empty_for_anonymous(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert unread_notifications(request) == {}

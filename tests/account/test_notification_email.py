"""Notification e-mails: sent once, in the recipient's language, never to someone who opted out of the kind."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from account import notifications, tasks
from account.models import Notification, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_e_mail_is_sent_once_even_when_the_task_runs_again(mailoutbox, django_capture_on_commit_callbacks):
    person = UserFactory(first_name="Rita", last_name="Muster")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifications.notify(
            person, "account", "Ihr Gesuch MW-2026-00001 ist eingegangen", "Parkkarte", url="/account/cases/"
        )

    assert len(mailoutbox) == 1
    assert tasks.send_notification_email(notification.pk) is False  # a retried or duplicated task
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [person.email]
    assert mail.subject == "Ihr Gesuch MW-2026-00001 ist eingegangen"
    assert "Parkkarte" in mail.body
    assert "http://testserver/account/cases/" in mail.body
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None


@pytest.mark.parametrize("language, active", [("de", "en"), ("en", "de")])
def test_the_e_mail_speaks_the_recipients_language(language, active, mailoutbox, monkeypatch):
    person = UserFactory(first_name="Rita", last_name="Muster", language=language)
    notification = Notification.objects.create(user=person, kind="account", title="Titel", url="/account/")
    rendered_in = []
    original = tasks.render_to_string

    def spy(*args, **kwargs):
        rendered_in.append(translation.get_language())
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks, "render_to_string", spy)
    with translation.override(active):  # the worker's language must not matter
        assert tasks.send_notification_email(notification.pk) is True

    assert rendered_in == [language]
    with translation.override(language):
        greeting = gettext("Hello %(name)s") % {"name": "Rita Muster"}
        details = gettext("Details in your account:")
    body = mailoutbox[0].body
    assert greeting in body
    assert details in body


def test_no_e_mail_for_a_kind_the_person_opted_out_of(mailoutbox, django_capture_on_commit_callbacks):
    person = UserFactory()
    NotificationPreference.objects.create(user=person, kind="account", email=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notifications.notify(person, "account", "Neues Mitglied im Verein")

    assert notification.pk and Notification.objects.filter(user=person).count() == 1  # still in the inbox
    assert callbacks == []
    assert mailoutbox == []

    # Other kinds still arrive by e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(person, "case", "Rückfrage zu Ihrem Gesuch")
    assert [mail.subject for mail in mailoutbox] == ["Rückfrage zu Ihrem Gesuch"]


def test_a_failed_send_is_released_for_the_retry(mailoutbox, monkeypatch):
    person = UserFactory()
    notification = Notification.objects.create(user=person, kind="account", title="Titel")

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(tasks, "send_mail", broken)
    with pytest.raises(ConnectionError):
        tasks.send_notification_email(notification.pk)
    assert Notification.objects.get(pk=notification.pk).emailed_at is None

    monkeypatch.undo()
    assert tasks.send_notification_email(notification.pk) is True
    assert len(mailoutbox) == 1

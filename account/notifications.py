"""Notify a person: an inbox entry now, an e-mail through django-q2 after the transaction commits.

Other apps register the kinds they send (with a label people see in their preferences) and call
`notify()`; the account knows nothing else about them.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

# kind → label shown on the preferences page
KINDS = {"account": _("My account and organisations")}


def register_kind(kind, label):
    KINDS[kind] = label


def wants_email(user, kind):
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return preference.email if preference else True


def notify(user, kind, title, body="", url=""):
    """Record a notification for `user` and queue its e-mail unless they opted out of this kind."""
    notification = Notification.objects.create(user=user, kind=kind, title=str(title), body=str(body), url=url)
    if user.email and wants_email(user, kind):
        transaction.on_commit(lambda: queue_email(notification.pk))
    return notification


def queue_email(notification_id):
    from django_q.tasks import async_task

    async_task("account.tasks.send_notification_email", notification_id, task_name=f"notification-{notification_id}")


def set_preferences(user, email_kinds):
    """Store which kinds reach `user` by e-mail (all registered kinds not in `email_kinds` are inbox-only)."""
    for kind in KINDS:
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": kind in email_kinds})


def mark_read(user, notification_ids=None):
    from django.utils import timezone

    queryset = Notification.objects.visible_to(user).unread()
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())

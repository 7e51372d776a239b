"""Background jobs of the account (django-q2). Idempotent: safe to run twice for the same id."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)


def send_notification_email(notification_id):
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    # Claim the notification first so a retried task never sends the e-mail twice.
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    user = notification.user
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = render_to_string(
            "account/email/notification.txt",
            {"notification": notification, "user": user, "link": base + notification.url if notification.url else ""},
        )
        try:
            send_mail(notification.title, body, None, [user.email])
        except Exception:
            Notification.objects.filter(pk=notification_id).update(emailed_at=None)
            logger.exception("notification e-mail %s to user %s failed", notification_id, user.pk)
            raise
    return True

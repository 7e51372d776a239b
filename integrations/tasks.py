"""Background jobs of integrations (django-q2). Idempotent: a repeated or late run sends nothing twice.

`deliver` and `deliver_event` are queued on commit by integrations.events; `deliver_due` runs every minute
and picks up whatever those missed (retries that became due, a worker that was killed, a lost task).
"""

import logging
import time

from django.conf import settings
from django.utils import timezone

from . import delivery
from .models import IdempotencyRecord, WebhookDelivery

logger = logging.getLogger(__name__)


def _summary(record):
    return str(record) if record is not None else None


def deliver(delivery_id, manual=False):
    """Attempt one delivery if it is still pending and due; return a line about the attempt, or None."""
    return _summary(delivery.attempt(delivery_id, manual=manual))


def deliver_event(event_id):
    """Attempt every pending delivery of one event; return how many requests were made."""
    ids = WebhookDelivery.objects.filter(event_id=event_id, status=WebhookDelivery.Status.PENDING).values_list(
        "pk", flat=True
    )
    return sum(delivery.attempt(pk) is not None for pk in list(ids))


def deliver_due():
    """Every minute: attempt the due deliveries, stopping in time to finish within the task timeout."""
    deadline = None
    task_timeout = settings.Q_CLUSTER.get("timeout")
    if task_timeout and not settings.Q_CLUSTER.get("sync"):
        # django-q2 kills a task that overruns; leave room for the slowest possible last attempt.
        deadline = time.monotonic() + max(task_timeout - delivery.lease_seconds(), 0)
    attempted = delivery.deliver_due(deadline=deadline)
    if attempted:
        logger.info("webhook sweep: %d delivery attempt(s)", attempted)
    return attempted


def cleanup_idempotency_records():
    """Daily: forget stored API responses older than INTEGRATIONS_IDEMPOTENCY_KEEP."""
    cutoff = timezone.now() - settings.INTEGRATIONS_IDEMPOTENCY_KEEP
    deleted, _details = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    logger.info("removed %d idempotency record(s) older than %s", deleted, cutoff)
    return deleted

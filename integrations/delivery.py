"""Pushing events to webhook endpoints: one attempt at a time per delivery, retried until delivered or given up.

A worker takes a delivery with a conditional UPDATE that sets a lease (`locked_until`); a second worker finds
no row to take and leaves it alone. Each attempt is logged (DeliveryAttempt) before the request goes out and
completed afterwards, so a worker killed mid-request leaves a visible interrupted attempt and a lease that runs
out; the delivery is then taken again by django-q2's retry of the task or by the minute sweeper.

Receivers get the same webhook-id on every retry (Standard Webhooks) and drop duplicates with it.
"""

import json
import logging
import random
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import signing
from .events import sees
from .models import DeliveryAttempt, WebhookDelivery
from .urlsafety import check_webhook_url

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# Time to write down the result after a request ended, on top of the longest an attempt can take.
LEASE_MARGIN = 2
JITTER = 0.2
RETRY_AFTER_CAP = 24 * 3600
EXCERPT_LENGTH = 500
ERROR_LENGTH = 300
# What an attempt row says until its result is written; it stays only when the worker died during the request.
INTERRUPTED = "No result: the attempt was interrupted (worker stopped or killed)."


def lease_seconds():
    """How long an attempt may hold its delivery.

    A request that gets no answer ends after its connect plus its read timeout. Inside the cluster, django-q2
    kills any task that runs longer than Q_CLUSTER["timeout"] (which also stops a receiver that trickles bytes
    to dodge the read timeout). The shorter bound decides; with Q_CLUSTER["retry"] longer than the timeout
    plus LEASE_MARGIN, a killed worker's delivery is free again when django-q2 hands its task out again.
    """
    bound = 2 * settings.INTEGRATIONS_WEBHOOK_TIMEOUT
    task_timeout = settings.Q_CLUSTER.get("timeout")
    if task_timeout and not settings.Q_CLUSTER.get("sync"):
        bound = min(bound, task_timeout)
    return bound + LEASE_MARGIN


def _due(now):
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _free(now):
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def due_deliveries(now=None):
    """Pending deliveries whose time has come and that no worker holds (or whose holder's lease ran out)."""
    now = now or timezone.now()
    return (
        WebhookDelivery.objects.filter(status=Status.PENDING)
        .filter(_due(now))
        .filter(_free(now))
        .order_by("next_attempt_at", "id")
    )


def deliver_due(now=None, limit=200, deadline=None):
    """Attempt the due deliveries, oldest first; return how many requests were attempted.

    `deadline` (a time.monotonic() value) stops the sweep from starting new attempts once it has passed;
    the first one always runs, so a sweep always makes progress.
    """
    attempted = 0
    for pk in list(due_deliveries(now).values_list("pk", flat=True)[:limit]):
        if attempted and deadline is not None and time.monotonic() >= deadline:
            break
        if attempt(pk, now=now) is not None:
            attempted += 1
    return attempted


def attempt(delivery_id, *, manual=False, now=None):
    """Send the delivery once if it is pending, due (or `manual`) and not held by another worker.

    Returns the logged DeliveryAttempt, or None when nothing was attempted (not due, taken, finished or
    cancelled because the endpoint or application no longer takes it).
    """
    now = now or timezone.now()
    if not _take(delivery_id, now, manual):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint__application", "event").get(pk=delivery_id)
    reason = _reason_to_cancel(delivery)
    if reason:
        _update(delivery, status=Status.CANCELLED, last_error=reason, next_attempt_at=None, locked_until=None)
        logger.info("webhook delivery %s cancelled: %s", delivery.pk, reason)
        return None
    record = _start(delivery, now, manual=manual or delivery.replay_requested)
    try:
        check_webhook_url(delivery.endpoint.url)
    except ValidationError as error:
        outcome = {"error": "Refused: " + " ".join(error.messages)}
    else:
        outcome = _send(delivery)
    return _finish(delivery, record, now, **outcome)


def replay(delivery, *, by=None):
    """Send a delivery again now, whatever its status; the attempt log is kept and the new attempt is manual."""
    from django_q.tasks import async_task

    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.PENDING, next_attempt_at=now, replay_requested=True, delivered_at=None
        )
        pk = delivery.pk
        transaction.on_commit(lambda: async_task("integrations.tasks.deliver", pk, task_name=f"replay-{pk}"))
    logger.info("webhook delivery %s replayed by %s", delivery.pk, by or "the system")
    delivery.refresh_from_db()
    return delivery


# --- one attempt -------------------------------------------------------------------------------------------


def _take(delivery_id, now, manual):
    candidates = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING).filter(_free(now))
    if not manual:
        candidates = candidates.filter(_due(now))
    return candidates.update(locked_until=now + timedelta(seconds=lease_seconds())) == 1


def _reason_to_cancel(delivery):
    endpoint, application = delivery.endpoint, delivery.endpoint.application
    if not endpoint.is_active:
        return "The endpoint is disabled."
    if not application.is_active:
        return "The application is inactive."
    if not endpoint.wants(delivery.event.type):
        return "The endpoint no longer subscribes to this event type."
    if not sees(application, delivery.event):
        return "The application's scopes no longer include this event."
    return ""


def _start(delivery, now, *, manual):
    # The row was read after the lease was taken and only the lease holder changes it: no need to re-read.
    delivery.attempts += 1
    delivery.replay_requested = False
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts, replay_requested=False)
        return DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=now, manual=manual, error=INTERRUPTED
        )


def _send(delivery):
    """POST the thin payload; return the outcome (status_code, error, excerpt, retry_after, duration_ms)."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.event.payload(), separators=(",", ":")).encode()
    headers = signing.headers(endpoint.secret, delivery.message_id, body)
    timeout = settings.INTEGRATIONS_WEBHOOK_TIMEOUT
    started = time.monotonic()
    try:
        # stream=True: read only the start of the answer; a receiver cannot make us download a large body.
        with requests.post(
            endpoint.url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        ) as response:
            excerpt = _excerpt(response)
    except requests.Timeout:
        return {"error": f"No answer within {timeout:g} s.", "duration_ms": _elapsed_ms(started)}
    except (requests.RequestException, OSError, ValueError) as error:
        return {"error": f"Request failed: {error}", "duration_ms": _elapsed_ms(started)}
    outcome = {
        "status_code": response.status_code,
        "excerpt": excerpt,
        "retry_after": response.headers.get("Retry-After"),
        "duration_ms": _elapsed_ms(started),
    }
    if response.is_redirect:
        outcome["error"] = "Redirects are not followed; configure the final URL."
    return outcome


def _excerpt(response):
    try:
        start = next(response.iter_content(chunk_size=4 * EXCERPT_LENGTH), b"")
    except requests.RequestException:
        return ""  # the status line arrived; a body that stalls does not change the outcome
    return start.decode("utf-8", errors="replace")[:EXCERPT_LENGTH]


def _elapsed_ms(started):
    return round((time.monotonic() - started) * 1000)


def _finish(delivery, record, now, *, status_code=None, error="", excerpt="", retry_after=None, duration_ms=0):
    """Write the attempt's result and decide what happens to the delivery next."""
    record.status_code = status_code
    record.error = error[:ERROR_LENGTH]
    record.response_excerpt = excerpt
    record.duration_ms = duration_ms
    last_error = (error or (f"HTTP {status_code}" if status_code else ""))[:ERROR_LENGTH]
    with transaction.atomic():
        record.save(update_fields=["status_code", "error", "response_excerpt", "duration_ms"])
        if record.succeeded:
            _update(
                delivery,
                status=Status.DELIVERED,
                delivered_at=timezone.now(),
                next_attempt_at=None,
                locked_until=None,
                last_status_code=status_code,
                last_error="",
            )
        elif status_code == 410:
            _gone(delivery)
        else:
            _retry_or_fail(delivery, now, last_error=last_error, status_code=status_code, retry_after=retry_after)
    return record


def _update(delivery, *, only_pending=False, **fields):
    # A failure result must not resurrect a delivery that was cancelled while its request ran (410 of a
    # sibling delivery); a success is always written, because the receiver did get it.
    rows = WebhookDelivery.objects.filter(pk=delivery.pk)
    if only_pending:
        rows = rows.filter(status=Status.PENDING)
    if rows.update(**fields):
        for name, value in fields.items():
            setattr(delivery, name, value)
    else:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=None)
        delivery.refresh_from_db()


def _gone(delivery):
    """410 Gone: the receiver says the endpoint no longer exists; stop sending to it."""
    endpoint = delivery.endpoint
    reason = f"The receiver answered 410 Gone on {timezone.now():%Y-%m-%d %H:%M} (delivery {delivery.message_id})."
    endpoint.disable(reason)
    _update(
        delivery,
        status=Status.CANCELLED,
        last_status_code=410,
        last_error=reason[:ERROR_LENGTH],
        next_attempt_at=None,
        locked_until=None,
    )
    cancelled = endpoint.deliveries.filter(status=Status.PENDING).update(
        status=Status.CANCELLED, last_error="The endpoint was disabled.", next_attempt_at=None
    )
    logger.warning(
        "webhook endpoint %s (%s) disabled after 410 Gone; %d pending deliveries cancelled",
        endpoint.pk,
        endpoint.url,
        cancelled + 1,
    )


def _retry_or_fail(delivery, now, *, last_error, status_code, retry_after):
    delay = retry_delay(delivery.attempts, retry_after)
    common = {"last_error": last_error, "last_status_code": status_code, "locked_until": None}
    if delay is not None:
        _update(delivery, only_pending=True, next_attempt_at=now + delay, **common)
        return
    _update(delivery, only_pending=True, status=Status.FAILED, next_attempt_at=None, **common)
    event, endpoint = delivery.event, delivery.endpoint
    logger.error(
        "webhook delivery %s failed for good after %d attempts: event #%s %s %s to %s (application %s): %s",
        delivery.pk,
        delivery.attempts,
        event.pk,
        event.type,
        event.subject_ref or event.subject_id,
        endpoint.url,
        endpoint.application,
        last_error,
    )


def retry_delay(attempts, retry_after=None):
    """The wait before the next attempt after `attempts` tries, or None when the schedule is used up.

    Each configured delay gets ±20 % jitter, so endpoints that failed together are not retried together.
    A Retry-After header (seconds or an HTTP date) wins when it asks for longer, up to 24 hours.
    """
    delays = settings.INTEGRATIONS_WEBHOOK_RETRY_DELAYS
    if attempts < 1 or attempts > len(delays):
        return None
    seconds = delays[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 — jitter, not a secret
    asked = parse_retry_after(retry_after)
    if asked is not None and asked > seconds:
        seconds = min(asked, RETRY_AFTER_CAP)
    return timedelta(seconds=seconds)


def parse_retry_after(value):
    """Seconds a Retry-After value asks to wait, or None when it is missing or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - timezone.now()).total_seconds(), 0)

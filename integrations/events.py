"""The event outbox. Domain apps call `emit()` inside the transaction that makes the change.

An event and its webhook deliveries are rows written in that same transaction, so they exist exactly
when the change exists: a rolled-back submission leaves no event, and a worker or receiver that is down
only delays a delivery. Sending happens after commit (django-q2) and again from the minute sweeper.

This module depends only on the integrations models; it never imports a domain app.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Event, EventSequence, SpecialistApplication, WebhookDelivery, WebhookEndpoint
from .scopes import is_service_scoped

logger = logging.getLogger(__name__)

# type → (schema version, description). The schema version changes when the payload of a type changes.
EVENT_TYPES = {
    "case.submitted": (1, _("A resident, association or business submitted a form; the case has a reference.")),
    "case.withdrawn": (1, _("The applicant withdrew the case.")),
    "case.status_changed": (
        1,
        _("The status of the case changed (by a clerk, a specialist application or the applicant's answer)."),
    ),
    "case.message.created": (1, _("The applicant wrote a message on the case.")),
    "case.document.added": (1, _("The applicant added a document to the case after submitting it.")),
    "case.question.answered": (1, _("The applicant answered a question of the administration.")),
    "absence.reported": (1, _("A guardian reported a student's absence, or a teacher recorded one.")),
    "leave_request.submitted": (1, _("A guardian asked for a student's leave from school.")),
    "meter_reading.reported": (1, _("A customer reported the reading of a manual meter.")),
}


def emit(event_type, *, record_type, subject_id, subject_ref="", destination="", service_id=None, data=None):
    """Record an event (and the webhook deliveries it causes) in the current transaction; return it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; register it in integrations.events.EVENT_TYPES")
    schema_version = EVENT_TYPES[event_type][0]
    with transaction.atomic():
        EventSequence.objects.get_or_create(name="events")
        EventSequence.objects.select_for_update().get(name="events")
        event = Event.objects.create(
            type=event_type,
            schema_version=schema_version,
            record_type=record_type,
            subject_id=str(subject_id),
            subject_ref=subject_ref or "",
            destination=destination or "",
            service_id=service_id,
            data=data or {},
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=event.occurred_at)
            for endpoint in subscribed_endpoints(event)
        )
        if deliveries:
            ids = [delivery.pk for delivery in deliveries if delivery.pk]
            transaction.on_commit(lambda: _queue_deliveries(ids or [event.pk], by_event=not ids))
    logger.info("event %s %s %s (%d deliveries)", event.pk, event_type, subject_ref or subject_id, len(deliveries))
    return event


def applications_for(event):
    """Active applications whose scopes include the event (record type readable; service or destination)."""
    candidates = SpecialistApplication.objects.active().prefetch_related("services")
    return [app for app in candidates if sees(app, event)]


def sees(application, event):
    if not application.may_read(event.record_type):
        return False
    if not is_service_scoped(event.record_type):
        return True  # school records, absences …: the read permission is the whole scope
    if event.destination and event.destination in application.destination_list:
        return True
    return event.service_id is not None and any(page.pk == event.service_id for page in application.services.all())


def subscribed_endpoints(event):
    applications = {app.pk for app in applications_for(event)}
    if not applications:
        return []
    endpoints = WebhookEndpoint.objects.filter(is_active=True, application_id__in=applications)
    return [endpoint for endpoint in endpoints if endpoint.wants(event.type)]


def _queue_deliveries(ids, by_event=False):
    from django_q.tasks import async_task

    if by_event:
        # Databases that do not return ids from bulk inserts: deliver whatever the event caused.
        async_task("integrations.tasks.deliver_event", ids[0], task_name=f"deliver-event-{ids[0]}")
        return
    for delivery_id in ids:
        async_task("integrations.tasks.deliver", delivery_id, task_name=f"deliver-{delivery_id}")

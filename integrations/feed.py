"""The pull feed: events an application may see, in id order, after a cursor; acknowledging moves its cursor."""

from django.db import transaction
from django.db.models import Q

from .models import Event, SpecialistApplication
from .scopes import is_service_scoped

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def visible_events(application):
    """Events of the application's scopes: a readable record type, and for cases one of its services or destinations.

    Record types that do not belong to services (school records, absences …) need the read permission only.
    """
    if not application.is_active or not application.read_types:
        return Event.objects.none()
    service_scoped = [name for name in application.read_types if is_service_scoped(name)]
    by_type = [name for name in application.read_types if not is_service_scoped(name)]
    scope = Q(record_type__in=by_type) if by_type else Q(pk__in=[])
    if service_scoped:
        services = Q(service_id__in=list(application.services.values_list("pk", flat=True)))
        if application.destination_list:
            services |= Q(destination__in=application.destination_list)
        scope |= Q(services, record_type__in=service_scoped)
    return Event.objects.filter(scope)


def page(application, after=None, limit=DEFAULT_LIMIT):
    """(events, next_cursor, has_more). Without `after`, continue after what the application acknowledged."""
    after = application.acknowledged_event_id if after is None else after
    limit = max(1, min(limit, MAX_LIMIT))
    events = list(visible_events(application).filter(id__gt=after).order_by("id")[: limit + 1])
    has_more = len(events) > limit
    events = events[:limit]
    next_cursor = events[-1].id if events else after
    return events, next_cursor, has_more


def acknowledge(application, cursor):
    """Record that the application handled everything up to `cursor`; never moves backwards."""
    with transaction.atomic():
        app = SpecialistApplication.objects.select_for_update().get(pk=application.pk)
        newest = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        cursor = min(cursor, newest)
        if cursor > app.acknowledged_event_id:
            app.acknowledged_event_id = cursor
            app.save(update_fields=["acknowledged_event_id"])
    return app.acknowledged_event_id

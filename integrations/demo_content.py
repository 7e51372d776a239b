"""The demo specialist application of Musterwil, so a newcomer can watch a case travel without the admin.

Idempotent. The token and the webhook secret are fixed and published (README, docs/integration.md): they
exist only in demo databases, which seed_demo refuses to build with DEBUG off.
"""

from django.db import transaction
from django.db.models import Max

from services.demo_utility_move import DESTINATION as UTILITY_DESTINATION
from services.models import ServicePage

from .models import ApiToken, Event, SpecialistApplication, WebhookEndpoint
from .models.clients import token_digest

DEMO_SLUG = "fachanwendung-demo"
DEMO_TOKEN = "gpk_demo_musterwil_0000000000000000"  # noqa: S105 — a published demo value, see above
# "whsec_" + base64 of the 32 bytes b"musterwil-demo-webhook-secret-32".
DEMO_WEBHOOK_SECRET = "whsec_bXVzdGVyd2lsLWRlbW8td2ViaG9vay1zZWNyZXQtMzI="  # noqa: S105
DEMO_WEBHOOK_URL = "http://127.0.0.1:8765/webhooks"


def ensure_demo_application():
    """Create or refresh the demo application; return (application, DEMO_TOKEN)."""
    with transaction.atomic():
        application, created = SpecialistApplication.objects.update_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "Fachanwendung Musterwil (Demo)",
                "vendor": "Musterwil Demo",
                "contact_name": "Demo",
                "is_test": True,
                "read_types": ["cases"],
                "write_types": ["cases"],
            },
        )
        if created:
            # Start after the demo history: the demo cases already show every status and must stay as they are.
            application.acknowledged_event_id = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
            application.save(update_fields=["acknowledged_event_id"])
        application.services.set(ServicePage.objects.live())
        if not ApiToken.objects.filter(digest=token_digest(DEMO_TOKEN)).exists():
            application.issue_token(token=DEMO_TOKEN, name="Demo")
        # Inactive at first: with nobody listening, a plain `make run` would only pile up failing deliveries.
        WebhookEndpoint.objects.get_or_create(
            application=application,
            url=DEMO_WEBHOOK_URL,
            defaults={
                "description": "Reference client: python -m integrations.client listen",
                "secret": DEMO_WEBHOOK_SECRET,
                "is_active": False,
            },
        )
    return application, DEMO_TOKEN


def demo_endpoint(application):
    return application.endpoints.filter(url=DEMO_WEBHOOK_URL).first()


SCHOOL_DEMO_SLUG = "schulverwaltung-musterwil"
SCHOOL_DEMO_TOKEN = "gpk_demo_schulverwaltung_000000000000"  # noqa: S105 — a published demo value, see above


def ensure_demo_school_application():
    """Create or refresh the demo school administration application; return (application, SCHOOL_DEMO_TOKEN).

    It writes school records (POST /api/v1/school-records) and reads them and the absence events
    (absence.reported, leave_request.submitted); it serves no case service.
    """
    with transaction.atomic():
        application, created = SpecialistApplication.objects.update_or_create(
            slug=SCHOOL_DEMO_SLUG,
            defaults={
                "name": "Schulverwaltung Musterwil",
                "vendor": "Musterwil Demo",
                "contact_name": "Demo",
                "is_test": True,
                "read_types": ["school_records", "absences"],
                "write_types": ["school_records"],
            },
        )
        if created:
            application.acknowledged_event_id = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
            application.save(update_fields=["acknowledged_event_id"])
        if not ApiToken.objects.filter(digest=token_digest(SCHOOL_DEMO_TOKEN)).exists():
            application.issue_token(token=SCHOOL_DEMO_TOKEN, name="Demo")
    return application, SCHOOL_DEMO_TOKEN


UTILITY_DEMO_SLUG = "werke-musterwil"
UTILITY_DEMO_TOKEN = "gpk_demo_werke_musterwil_00000000000"  # noqa: S105 — a published demo value, see above


def ensure_demo_utility_application():
    """Create or refresh the utility's demo application; return (application, UTILITY_DEMO_TOKEN).

    The billing and metering application of the Werke: it writes customers, contracts, meters, invoices and bulk
    readings, reads the readings customers report (meter_reading.reported) and works the move in/out cases of its
    destination.
    """
    with transaction.atomic():
        application, created = SpecialistApplication.objects.update_or_create(
            slug=UTILITY_DEMO_SLUG,
            defaults={
                "name": "Werke Musterwil",
                "vendor": "Musterwil Demo",
                "contact_name": "Demo",
                "is_test": True,
                "destinations": UTILITY_DESTINATION,
                "read_types": ["cases", "meter_readings", "utility_records"],
                "write_types": ["cases", "meter_readings", "utility_records"],
            },
        )
        if created:
            application.acknowledged_event_id = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
            application.save(update_fields=["acknowledged_event_id"])
        if not ApiToken.objects.filter(digest=token_digest(UTILITY_DEMO_TOKEN)).exists():
            application.issue_token(token=UTILITY_DEMO_TOKEN, name="Demo")
    return application, UTILITY_DEMO_TOKEN

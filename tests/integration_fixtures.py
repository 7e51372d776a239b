"""Fixtures of the integrations and API tests: a specialist application with a token, submitted cases.

Imported by tests/api/conftest.py and tests/integrations/conftest.py together with the services fixtures.
"""

import uuid

import pytest
from rest_framework.test import APIClient

from account.acting_context import ActingContext
from integrations.models import SpecialistApplication
from services import cases

SNAPSHOT = [
    {"name": "kennzeichen", "label": "Kennzeichen", "type": "text"},
    {"name": "bemerkung", "label": "Bemerkung", "type": "long_text"},
]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submit_case(service_page, owner, data=None, snapshot=SNAPSHOT, files=(), membership=None):
    """A case submitted through the one rule that submits (so its events exist as in real use)."""
    return cases.submit(
        acting_context=ActingContext(user=owner, membership=membership),
        service_page=service_page,
        form=None,
        form_revision=None,
        block_id="b1",
        fields_snapshot=snapshot,
        data=data if data is not None else {"kennzeichen": "SG 12345", "bemerkung": "Bitte rasch"},
        files=files,
        submission_token=uuid.uuid4(),
    )


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def make_application(db):
    """make_application(services=[…], destinations="…", read=["cases"], write=["cases"]) → (application, token)."""

    def make(services=(), destinations="", read=("cases",), write=("cases",), **fields):
        application = SpecialistApplication.objects.create(
            name=fields.pop("name", f"Fachanwendung {uuid.uuid4().hex[:6]}"),
            slug=fields.pop("slug", f"app-{uuid.uuid4().hex[:8]}"),
            vendor=fields.pop("vendor", "Muster Software AG"),
            destinations=destinations,
            read_types=list(read),
            write_types=list(write),
            **fields,
        )
        application.services.set(services)
        _api_token, token = application.issue_token(name="test")
        return application, token

    return make


@pytest.fixture
def application_and_token(make_application, service_page):
    return make_application(services=[service_page])


@pytest.fixture
def application(application_and_token):
    return application_and_token[0]


@pytest.fixture
def api(application_and_token):
    """An API client authenticated as the application that serves `service_page`."""
    return bearer(application_and_token[1])


@pytest.fixture
def submitted_case(service_page, resident):
    return submit_case(service_page, resident)

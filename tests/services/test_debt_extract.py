"""Betreibungsregisterauszug: payment forwards the order to the Betreibungsamt; its application reads it."""

import pytest

from integrations.models import Event, SpecialistApplication
from services import cases
from services.debt_extract import POST, delivery_of
from services.models import CaseEvent, CaseStatus, Payment, ServiceKind
from tests.api.helpers import pdf
from tests.integration_fixtures import bearer, submit_case

S = CaseStatus
PDF_ANSWER = "Als PDF im Benutzerkonto"
POST_ANSWER = "Per Post an die Wohnadresse"
SNAPSHOT = [
    {"name": "name", "label": "Name und Vorname", "type": "text"},
    {"name": "zustellung", "label": "Zustellung", "type": "choice"},
]


@pytest.fixture
def extract_page(make_service_page):
    return make_service_page(
        title="Betreibungsregisterauszug bestellen",
        fee_rappen=1700,
        service_kind=ServiceKind.DEBT_EXTRACT,
        destination="betreibungsamt",
    )


def order(page, resident, delivery=PDF_ANSWER):
    resident.language = "en"
    resident.save(update_fields=["language"])
    return submit_case(page, resident, data={"name": "Anna Muster", "zustellung": delivery}, snapshot=SNAPSHOT)


def office_token(destinations):
    """The API token of a specialist application scoped to these destinations."""
    application = SpecialistApplication.objects.create(
        name=f"Fachanwendung {destinations}",
        slug=f"app-{destinations}",
        destinations=destinations,
        read_types=["cases"],
        write_types=["cases"],
    )
    return application.issue_token(name="test")[1]


def pay(case):
    return cases.mark_paid(case.payments.get(), method=Payment.Method.ONLINE, confirmed_by="Testanbieter")


@pytest.mark.django_db
def test_payment_forwards_the_order_and_says_where_the_extract_will_be(extract_page, resident):
    case = order(extract_page, resident)
    assert case.status == S.SUBMITTED

    pay(case)

    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS
    note = case.events.filter(kind=CaseEvent.Kind.STATUS, status_to=S.IN_PROGRESS).get()
    assert "forwarded to the debt enforcement office" in note.text and "My documents" in note.text
    assert note.visible_to_owner
    # The office's application hears of both steps, with the destination it is scoped to.
    changes = Event.objects.filter(type="case.status_changed", subject_ref=case.reference).order_by("pk")
    assert [(e.data["statusFrom"], e.data["statusTo"]) for e in changes] == [
        (S.SUBMITTED, S.RECEIVED),
        (S.RECEIVED, S.IN_PROGRESS),
    ]
    assert {e.destination for e in changes} == {"betreibungsamt"}


@pytest.mark.django_db
def test_delivery_by_post_is_told_so(extract_page, resident):
    case = order(extract_page, resident, delivery=POST_ANSWER)
    assert delivery_of(case) == POST
    pay(case)
    note = case.events.get(kind=CaseEvent.Kind.STATUS, status_to=S.IN_PROGRESS)
    assert "by post" in note.text


@pytest.mark.django_db
def test_forwarding_happens_once_and_leaves_a_case_the_office_already_works_alone(extract_page, resident):
    case = order(extract_page, resident)
    pay(case)
    pay(case)
    assert case.events.filter(kind=CaseEvent.Kind.STATUS).count() == 2

    received = order(extract_page, resident)
    cases.change_status(received, S.RECEIVED, actor_label="Betreibungsamt")
    pay(received)
    received.refresh_from_db()
    assert received.status == S.IN_PROGRESS

    withdrawn = order(extract_page, resident)
    cases.withdraw(withdrawn, resident)
    pay(withdrawn)
    withdrawn.refresh_from_db()
    assert withdrawn.status == S.WITHDRAWN


@pytest.mark.django_db
def test_the_office_application_reads_delivery_and_paid_fee_and_issues_the_extract(extract_page, resident):
    api = bearer(office_token("betreibungsamt"))
    other_token = office_token("bauamt")
    case = order(extract_page, resident)

    before = api.get(f"/api/v1/cases/{case.reference}").json()["case"]
    assert before["fee"] == {"amountRappen": 1700, "currency": "CHF", "paid": False}
    pay(case)
    after = api.get(f"/api/v1/cases/{case.reference}").json()["case"]

    assert after["status"] == S.IN_PROGRESS and after["fee"]["paid"] is True
    delivery = next(item for item in after["fields"] if item["name"] == "zustellung")
    assert delivery["value"] == PDF_ANSWER
    assert bearer(other_token).get(f"/api/v1/cases/{case.reference}").status_code == 404

    response = api.post(
        f"/api/v1/cases/{case.reference}/documents",
        {"file": pdf("Betreibungsregisterauszug.pdf"), "title": "Betreibungsregisterauszug"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    document = case.documents.get(title="Betreibungsregisterauszug")
    assert document.origin == "application" and document.read_at is None
    try:
        assert resident.notifications.filter(body__contains="Betreibungsregisterauszug").exists()
    finally:
        document.file.delete(save=False)

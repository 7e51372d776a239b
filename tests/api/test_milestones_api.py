"""Procedure steps through the API: PUT …/milestones/{key} sets a step, GET …/milestones reads the progress."""

import pytest
from django.core.files.base import ContentFile

from integrations.models import ApiAuditEntry
from services import cases
from services.models import CaseEvent, CaseMilestone
from tests.api.helpers import assert_problem, download, pdf
from tests.integration_fixtures import PDF, bearer, submit_case

PROCEDURE = [
    {"type": "step", "value": {"key": key, "title": title, "description": description, "is_period": period}}
    for key, title, description, period in [
        ("vorpruefung", "Vorprüfung", "Die Bauverwaltung prüft das Gesuch.", False),
        ("publikation", "Publikation", "", False),
        ("einsprachefrist", "Einsprachefrist", "Die Pläne liegen öffentlich auf.", True),
        ("entscheid", "Entscheid", "", False),
    ]
]


@pytest.fixture
def building_page(make_service_page):
    return make_service_page(title="Baugesuch", fee_rappen=0, procedure=PROCEDURE)


@pytest.fixture
def building_app(make_application, building_page):
    return make_application(services=[building_page], name="Bausoftware Musterwil")


@pytest.fixture
def bau(building_app):
    """The API as the building authority's application."""
    return bearer(building_app[1])


@pytest.fixture
def case(building_page, resident):
    resident.language = "en"
    resident.save(update_fields=["language"])
    return submit_case(building_page, resident, files=[("plan", ContentFile(PDF, name="plan.pdf"))])


def url(case, key=None):
    return f"/api/v1/cases/{case.reference}/milestones" + (f"/{key}" if key else "")


def milestone_entries(case):
    return case.events.filter(kind=CaseEvent.Kind.MILESTONE).count()


def test_put_sets_a_step_and_answers_it_as_the_progress_shows_it(bau, case):
    response = bau.put(
        url(case, "einsprachefrist"),
        {"status": "active", "from": "2027-03-03", "until": "2027-03-23", "text": "Auflage im Gemeindehaus"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in ("key", "title", "status", "from", "until", "text", "current")} == {
        "key": "einsprachefrist",
        "title": "Einsprachefrist",
        "status": "active",
        "from": "2027-03-03",
        "until": "2027-03-23",
        "text": "Auflage im Gemeindehaus",
        "current": True,
    }
    assert body["isPeriod"] is True and body["planned"] is True and body["document"] is None
    assert body["reportedBy"] == "Bausoftware Musterwil" and body["updatedAt"]
    stored = CaseMilestone.objects.get(case=case, key="einsprachefrist")
    assert (str(stored.starts_on), str(stored.ends_on), stored.reported_by) == (
        "2027-03-03",
        "2027-03-23",
        "Bausoftware Musterwil",
    )
    event = case.events.get(kind=CaseEvent.Kind.MILESTONE)
    assert event.actor_label == "Bausoftware Musterwil" and event.actor is None


def test_get_lists_the_plan_merged_with_the_reports(bau, case):
    bau.put(url(case, "vorpruefung"), {"status": "done", "text": "Vollständig"}, format="json")
    bau.put(url(case, "augenschein"), {"status": "done", "title": "Augenschein vor Ort"}, format="json")

    response = bau.get(url(case))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(step["key"], step["status"], step["current"], step["planned"]) for step in results] == [
        ("vorpruefung", "done", False, True),
        ("publikation", "pending", True, True),
        ("einsprachefrist", "pending", False, True),
        ("entscheid", "pending", False, True),
        ("augenschein", "done", False, False),
    ]
    assert results[0]["text"] == "Vollständig"
    assert results[2]["description"] == "Die Pläne liegen öffentlich auf."
    assert results[1]["updatedAt"] is None and results[1]["reportedBy"] == ""
    assert results[4]["title"] == "Augenschein vor Ort"


def test_the_decision_document_is_uploaded_then_linked(bau, case, resident, client):
    uploaded = bau.post(
        f"/api/v1/cases/{case.reference}/documents", {"file": pdf("Bauentscheid.pdf"), "title": "Bauentscheid"}
    )
    document_id = uploaded.json()["id"]

    response = bau.put(url(case, "entscheid"), {"status": "done", "documentId": document_id}, format="json")

    assert response.status_code == 200
    document = response.json()["document"]
    assert (document["id"], document["title"], document["filename"]) == (
        document_id,
        "Bauentscheid",
        "Bauentscheid.pdf",
    )
    _response, content = download(bau, document["href"])
    assert content == PDF
    # The resident sees the step with the link to the decision.
    client.force_login(resident)
    page = client.get(f"/en/account/cases/{case.reference}/").content.decode()
    assert f"/account/cases/{case.reference}/documents/{document_id}/" in page


def test_the_same_put_twice_is_one_entry_for_the_applicant(bau, case):
    body = {"status": "done", "from": "2027-03-03", "until": "2027-03-03", "text": "Amtsblatt Nr. 9"}
    first = bau.put(url(case, "publikation"), body, format="json")
    second = bau.put(url(case, "publikation"), body, format="json")

    assert first.status_code == second.status_code == 200
    assert first.json()["updatedAt"] == second.json()["updatedAt"]
    assert milestone_entries(case) == 1
    assert resident_notifications(case) == 2  # the submission and the one step


def resident_notifications(case):
    return case.owner_user.notifications.count()


def test_a_replayed_idempotency_key_answers_the_stored_response(bau, case):
    body = {"status": "active"}
    first = bau.put(url(case, "vorpruefung"), body, format="json", HTTP_IDEMPOTENCY_KEY="step-1")
    again = bau.put(url(case, "vorpruefung"), body, format="json", HTTP_IDEMPOTENCY_KEY="step-1")
    other = bau.put(url(case, "vorpruefung"), {"status": "done"}, format="json", HTTP_IDEMPOTENCY_KEY="step-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert_problem(other, 422, "idempotency-key-reused")
    assert CaseMilestone.objects.get(case=case).status == "active"
    assert milestone_entries(case) == 1


@pytest.mark.parametrize(
    ("key", "body", "field"),
    [
        ("einsprachefrist", {"status": "active", "from": "2027-03-23", "until": "2027-03-03"}, "until"),
        ("baukontrolle", {"status": "done"}, "title"),
        ("Bau-Kontrolle", {"status": "done", "title": "Baukontrolle"}, "key"),
        ("entscheid", {"status": "done", "documentId": 999999}, "documentId"),
    ],
    ids=["until before from", "unplanned without title", "bad key", "unknown document"],
)
def test_a_step_against_the_rules_is_a_422_problem_with_the_field(bau, case, key, body, field):
    response = bau.put(url(case, key), body, format="json")

    problem = assert_problem(response, 422, "invalid-procedure-step")
    assert [error["field"] for error in problem["errors"]] == [field]
    assert problem["errors"][0]["detail"] == problem["detail"]
    assert not CaseMilestone.objects.exists() and milestone_entries(case) == 0


def test_a_document_of_another_case_is_refused(bau, case, building_page, resident):
    other = submit_case(building_page, resident, files=[("plan", ContentFile(PDF, name="fremd.pdf"))])

    response = bau.put(
        url(case, "entscheid"), {"status": "done", "documentId": other.documents.get().pk}, format="json"
    )

    problem = assert_problem(response, 422, "invalid-procedure-step")
    assert problem["errors"][0]["field"] == "documentId"
    assert "no document" in problem["detail"]


def test_malformed_fields_are_a_400_validation_problem(bau, case):
    unknown = bau.put(url(case, "publikation"), {"status": "finished"}, format="json")
    bad_date = bau.put(url(case, "publikation"), {"status": "done", "from": "3.3.2027"}, format="json")

    assert assert_problem(unknown, 400, "validation-error")["errors"][0]["field"] == "status"
    assert assert_problem(bad_date, 400, "validation-error")["errors"][0]["field"] == "from"
    assert not CaseMilestone.objects.exists()


def test_another_applications_case_is_not_found(make_application, service_page, bau, case):
    other_app, other_token = make_application(services=[service_page])
    stranger = bearer(other_token)

    assert_problem(stranger.put(url(case, "publikation"), {"status": "done"}, format="json"), 404)
    assert_problem(stranger.get(url(case)), 404)
    # And the other way round: the building authority does not see the other service's cases.
    foreign = submit_case(service_page, case.owner_user)
    assert_problem(bau.get(url(foreign)), 404)
    assert not CaseMilestone.objects.exists()


def test_an_application_without_write_scope_is_refused(make_application, building_page, case):
    _app, token = make_application(services=[building_page], write=())
    reader = bearer(token)

    assert_problem(reader.put(url(case, "publikation"), {"status": "done"}, format="json"), 403, "insufficient-scope")
    assert reader.get(url(case)).status_code == 200
    assert not CaseMilestone.objects.exists()


def test_reads_and_writes_are_audited(bau, building_app, case):
    bau.put(url(case, "publikation"), {"status": "done"}, format="json")
    bau.get(url(case))

    entries = ApiAuditEntry.objects.order_by("id")
    assert [(entry.method, entry.action, entry.subject_ref, entry.status_code) for entry in entries] == [
        ("PUT", "case.procedure_step", case.reference, 200),
        ("GET", "case.procedure.read", case.reference, 200),
    ]
    assert {entry.application for entry in entries} == {building_app[0]}


def test_the_free_text_milestone_post_still_works_beside_the_steps(bau, case):
    response = bau.post(url(case), {"title": "Baugespann kontrolliert"}, format="json")

    assert response.status_code == 201
    assert response.json()["title"] == "Baugespann kontrolliert"
    assert ApiAuditEntry.objects.get().action == "case.milestone"
    assert bau.get(url(case)).json()["results"][0]["status"] == "pending"


def test_a_closed_case_has_no_current_step(bau, case):
    cases.change_status(case, "rejected", text="Nicht zonenkonform")
    bau.put(url(case, "vorpruefung"), {"status": "done"}, format="json")

    assert [step["current"] for step in bau.get(url(case)).json()["results"]] == [False] * 4

"""Reporting back: acknowledgement, status, milestones, messages, questions, documents — and what the resident sees."""

import datetime

import pytest
from django.utils import timezone

from account.models import Notification
from services import cases
from services.forms import MAX_UPLOAD_BYTES
from services.models import CaseDocument, CaseEvent, CaseMessage, CaseStatus
from tests.api.helpers import EXE, assert_problem, download, pdf, upload
from tests.integration_fixtures import PDF, bearer, submit_case


@pytest.fixture
def resident_page(client, resident):
    """The resident's own case page, as they see it logged in."""
    client.force_login(resident)

    def page(case):
        response = client.get(f"/account/cases/{case.reference}/")
        assert response.status_code == 200
        return response.content.decode()

    return page


def url(case, action):
    return f"/api/v1/cases/{case.reference}/{action}"


# --- acknowledgement and status -----------------------------------------------------------------------


def test_acknowledging_receipt_shows_in_the_residents_timeline(api, application, submitted_case, resident_page):
    response = api.post(url(submitted_case, "acknowledgement"), {"result": "received"}, format="json")

    assert response.status_code == 200
    assert response.json()["reference"] == submitted_case.reference
    assert response.json()["status"] == "received"
    submitted_case.refresh_from_db()
    assert submitted_case.status == CaseStatus.RECEIVED
    event = submitted_case.events.get(kind=CaseEvent.Kind.STATUS)
    assert event.actor_label == application.name
    assert event.actor is None
    assert application.name in event.text
    assert application.name in resident_page(submitted_case)


def test_acknowledging_twice_changes_nothing_the_second_time(api, submitted_case):
    first = api.post(url(submitted_case, "acknowledgement"), {"result": "received"}, format="json")
    second = api.post(url(submitted_case, "acknowledgement"), {"result": "received"}, format="json")

    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "received"
    assert submitted_case.events.filter(kind=CaseEvent.Kind.STATUS).count() == 1


def test_rejecting_needs_reasons_and_the_resident_reads_them(api, submitted_case, resident, resident_page):
    missing = api.post(url(submitted_case, "acknowledgement"), {"result": "rejected", "reasons": []}, format="json")
    assert assert_problem(missing, 400, "validation-error")["errors"][0]["field"] == "reasons"

    reasons = ["Die Unterlagen sind unvollständig.", "Die Frist ist abgelaufen."]
    response = api.post(
        url(submitted_case, "acknowledgement"), {"result": "rejected", "reasons": reasons}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    submitted_case.refresh_from_db()
    assert submitted_case.status == CaseStatus.REJECTED
    assert submitted_case.closed_at is not None
    page = resident_page(submitted_case)
    assert all(reason in page for reason in reasons)
    assert Notification.objects.filter(user=resident, body__contains="Die Frist ist abgelaufen.").exists()


def test_status_changes_follow_the_state_machine(api, submitted_case, resident_page):
    refused = api.post(url(submitted_case, "status"), {"status": "completed"}, format="json")
    body = assert_problem(refused, 409, "invalid-transition")
    assert "received" in body["detail"]  # says what is allowed now
    submitted_case.refresh_from_db()
    assert submitted_case.status == CaseStatus.SUBMITTED

    for status in ("received", "in_progress"):
        assert api.post(url(submitted_case, "status"), {"status": status}, format="json").status_code == 200
    done = api.post(
        url(submitted_case, "status"), {"status": "completed", "text": "Bewilligung erteilt"}, format="json"
    )

    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    submitted_case.refresh_from_db()
    assert submitted_case.status == CaseStatus.COMPLETED
    assert "Bewilligung erteilt" in resident_page(submitted_case)


def test_a_case_awaits_the_applicant_only_through_a_question(api, submitted_case):
    cases.change_status(submitted_case, CaseStatus.RECEIVED)
    cases.change_status(submitted_case, CaseStatus.IN_PROGRESS)

    response = api.post(url(submitted_case, "status"), {"status": "awaiting_applicant"}, format="json")

    body = assert_problem(response, 400, "validation-error")
    assert "question" in body["detail"]
    assert body["errors"][0]["field"] == "status"
    submitted_case.refresh_from_db()
    assert submitted_case.status == CaseStatus.IN_PROGRESS


def test_the_office_cannot_withdraw_for_the_applicant(api, submitted_case):
    assert_problem(api.post(url(submitted_case, "status"), {"status": "withdrawn"}, format="json"), 409)


# --- milestones ---------------------------------------------------------------------------------------


def test_a_milestone_with_a_date_appears_in_the_residents_timeline(api, submitted_case, resident, resident_page):
    day = timezone.localdate() + datetime.timedelta(days=12)
    payload = {"title": "Publikation", "date": day.isoformat(), "text": "Im Amtsblatt vom Freitag"}

    response = api.post(url(submitted_case, "milestones"), payload, format="json")

    assert response.status_code == 201
    assert response.json() == payload
    page = resident_page(submitted_case)
    assert "Publikation" in page and "Im Amtsblatt vom Freitag" in page
    assert day.strftime("%d.%m.%Y") in page
    detail = api.get(f"/api/v1/cases/{submitted_case.reference}").json()["case"]
    assert detail["milestones"] == [payload]
    assert Notification.objects.filter(user=resident, body__contains="Publikation").exists()


def test_a_milestone_needs_a_title(api, submitted_case):
    body = assert_problem(api.post(url(submitted_case, "milestones"), {"date": "2026-01-01"}, format="json"), 400)
    assert body["errors"] == [{"field": "title", "detail": "This field is required.", "code": "required"}]


# --- messages -----------------------------------------------------------------------------------------


def test_a_json_message_reaches_the_resident(api, application, submitted_case, resident, resident_page):
    response = api.post(url(submitted_case, "messages"), {"body": "Bitte bringen Sie den Ausweis mit."}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["body"] == "Bitte bringen Sie den Ausweis mit."
    assert body["attachments"] == []
    message = CaseMessage.objects.get(pk=body["id"])
    assert message.direction == CaseMessage.Direction.TO_APPLICANT
    assert message.author_label == application.name
    assert Notification.objects.filter(user=resident, body="Bitte bringen Sie den Ausweis mit.").exists()
    assert "Bitte bringen Sie den Ausweis mit." in resident_page(submitted_case)


def test_a_multipart_message_with_a_pdf(api, submitted_case, resident_page, client):
    response = api.post(
        url(submitted_case, "messages"), {"body": "Der Entscheid liegt bei.", "files": [pdf("entscheid.pdf")]}
    )

    assert response.status_code == 201
    [attachment] = response.json()["attachments"]
    assert attachment["filename"] == "entscheid.pdf"
    assert attachment["origin"] == "administration"
    document = CaseDocument.objects.get(pk=attachment["id"])
    assert document.message_id == response.json()["id"]
    assert document.content_type == "application/pdf"
    page = resident_page(submitted_case)
    assert "entscheid.pdf" in page
    resident_download = client.get(f"/account/cases/{submitted_case.reference}/documents/{document.pk}/")
    assert b"".join(resident_download.streaming_content) == PDF
    _response, content = download(api, attachment["href"])
    assert content == PDF


def test_an_empty_message_is_refused(api, submitted_case):
    body = assert_problem(api.post(url(submitted_case, "messages"), {"body": "   "}, format="json"), 400)
    assert body["errors"][0]["field"] == "body"
    assert not submitted_case.messages.exists()


# --- questions ----------------------------------------------------------------------------------------


def test_a_question_makes_the_case_await_the_resident(api, submitted_case, resident, resident_page):
    due = timezone.localdate() + datetime.timedelta(days=14)
    payload = {
        "body": "Bitte senden Sie den Situationsplan.",
        "dueDate": due.isoformat(),
        "requestedDocuments": ["Situationsplan", "Vollmacht der Eigentümerin"],
    }

    response = api.post(url(submitted_case, "questions"), payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["body"] == payload["body"]
    assert body["dueDate"] == due.isoformat()
    assert body["requestedDocuments"] == payload["requestedDocuments"]
    assert body["answeredAt"] is None
    submitted_case.refresh_from_db()
    assert submitted_case.status == CaseStatus.AWAITING_APPLICANT
    question = CaseMessage.objects.get(pk=body["id"])
    assert question.is_question and question.due_date == due
    page = resident_page(submitted_case)
    assert "Bitte senden Sie den Situationsplan." in page
    assert "Vollmacht der Eigentümerin" in page
    assert due.strftime("%d.%m.%Y") in page
    assert Notification.objects.filter(user=resident).count() >= 2


def test_a_multipart_question_with_files_and_requested_documents(api, submitted_case):
    response = api.post(
        url(submitted_case, "questions"),
        {"body": "Bitte unterschreiben.", "requestedDocuments": ["Formular A", "Formular B"], "files": [pdf()]},
    )

    assert response.status_code == 201
    assert response.json()["requestedDocuments"] == ["Formular A", "Formular B"]
    assert len(response.json()["attachments"]) == 1


def test_a_question_due_in_the_past_is_refused(api, submitted_case):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = api.post(url(submitted_case, "questions"), {"body": "?", "dueDate": str(yesterday)}, format="json")

    assert assert_problem(response, 400)["errors"][0]["field"] == "dueDate"
    assert not submitted_case.messages.exists()


def test_a_closed_case_takes_no_questions(api, submitted_case):
    cases.change_status(submitted_case, CaseStatus.REJECTED, text="Nein")

    response = api.post(url(submitted_case, "questions"), {"body": "Noch etwas?"}, format="json")

    assert_problem(response, 409, "invalid-transition")
    assert not submitted_case.messages.exists()


def test_answers_list_what_the_resident_wrote_after_submitting(api, submitted_case, resident):
    question = cases.ask_question(submitted_case, "Welche Farbe?", author_label="Bauamt")
    reply = cases.answer(question, "Blau", user=resident, files=[pdf("farbmuster.pdf")])
    own = cases.send_message(submitted_case, "Noch eine Frage", author=resident, from_applicant=True)

    body = api.get(url(submitted_case, "answers")).json()

    assert [(item["id"], item["questionId"], item["body"]) for item in body["results"]] == [
        (reply.pk, question.pk, "Blau"),
        (own.pk, None, "Noch eine Frage"),
    ]
    [attachment] = body["results"][0]["attachments"]
    assert download(api, attachment["href"])[1] == PDF
    one = api.get(url(submitted_case, f"answers/{reply.pk}"))
    assert one.status_code == 200
    assert one.json() == body["results"][0]
    # A question of the office is not an answer.
    assert_problem(api.get(url(submitted_case, f"answers/{question.pk}")), 404)
    detail = api.get(f"/api/v1/cases/{submitted_case.reference}").json()["case"]
    assert detail["questions"][0]["answeredAt"] is not None
    assert detail["status"] == "in_progress"


# --- documents ----------------------------------------------------------------------------------------


def test_an_issued_document_is_stored_and_shown_to_the_resident(api, submitted_case, resident, resident_page):
    response = api.post(url(submitted_case, "documents"), {"file": pdf("bewilligung.pdf"), "title": "Bewilligung"})

    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Bewilligung"
    assert body["origin"] == "application"
    assert body["size"] == len(PDF)
    document = CaseDocument.objects.get(pk=body["id"], case=submitted_case)
    assert document.file.read() == PDF
    assert "Bewilligung" in resident_page(submitted_case)
    assert Notification.objects.filter(user=resident, body="Bewilligung").exists()
    assert download(api, body["href"])[1] == PDF


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("programm.exe", EXE, 415, "file_type"),
        ("bewilligung.pdf", EXE, 415, "file_content"),
        ("leer.pdf", b"", 400, None),
    ],
)
def test_refused_uploads_store_nothing(api, submitted_case, name, content, status, code):
    before = CaseDocument.objects.count()

    response = api.post(url(submitted_case, "documents"), {"file": upload(name, content, "application/pdf")})

    body = assert_problem(response, status)
    assert body["errors"][0]["field"] == "file"
    if code:
        assert body["errors"][0]["code"] == code
    assert CaseDocument.objects.count() == before
    assert not submitted_case.events.filter(kind=CaseEvent.Kind.DOCUMENT).exists()


def test_a_message_with_a_disguised_file_stores_nothing(api, submitted_case):
    response = api.post(url(submitted_case, "messages"), {"body": "Anbei", "files": [upload("rechnung.pdf", EXE)]})

    body = assert_problem(response, 415, "file-content-mismatch")
    assert body["errors"] == [{"field": "files", "detail": body["detail"], "code": "file_content"}]
    assert not submitted_case.messages.exists()
    assert not CaseDocument.objects.filter(case=submitted_case).exists()


def test_a_too_large_file_gets_413(api, submitted_case):
    too_large = PDF + b"0" * MAX_UPLOAD_BYTES

    response = api.post(url(submitted_case, "documents"), {"file": pdf("plan.pdf", too_large)})

    assert assert_problem(response, 413, "file-too-large")["errors"][0]["code"] == "file_size"
    assert not CaseDocument.objects.filter(case=submitted_case).exists()


def test_documents_are_uploaded_as_multipart_only(api, submitted_case):
    assert_problem(api.post(url(submitted_case, "documents"), {"title": "x"}, format="json"), 415)


# --- permissions and scope ----------------------------------------------------------------------------


def test_writing_needs_write_permission(make_application, service_page, submitted_case):
    _app, token = make_application(services=[service_page], write=())
    client = bearer(token)

    response = client.post(url(submitted_case, "messages"), {"body": "Hallo"}, format="json")

    assert_problem(response, 403, "insufficient-scope")
    assert not submitted_case.messages.exists()
    # Reading is still allowed.
    assert client.get(f"/api/v1/cases/{submitted_case.reference}").status_code == 200


def test_writing_to_a_case_outside_the_scope_is_not_found(api, make_service_page, resident):
    elsewhere = submit_case(make_service_page(), resident)

    for action, payload in [
        ("acknowledgement", {"result": "received"}),
        ("status", {"status": "received"}),
        ("milestones", {"title": "Publikation"}),
        ("messages", {"body": "Hallo"}),
        ("questions", {"body": "Frage?"}),
    ]:
        assert_problem(api.post(url(elsewhere, action), payload, format="json"), 404)
    assert_problem(api.post(url(elsewhere, "documents"), {"file": pdf()}), 404)
    elsewhere.refresh_from_db()
    assert elsewhere.status == CaseStatus.SUBMITTED
    assert not elsewhere.messages.exists()
    assert elsewhere.events.count() == 1

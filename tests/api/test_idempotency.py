"""Idempotency-Key on the case writes: a repeated request gets the first response and changes nothing more."""

from services.models import CaseDocument, CaseMessage
from tests.api.helpers import assert_problem, pdf
from tests.integration_fixtures import bearer


def messages_url(case):
    return f"/api/v1/cases/{case.reference}/messages"


def test_same_key_and_body_replays_the_first_response(api, submitted_case):
    payload = {"body": "Ihre Bewilligung ist unterwegs."}

    first = api.post(messages_url(submitted_case), payload, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    second = api.post(messages_url(submitted_case), payload, format="json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert CaseMessage.objects.filter(case=submitted_case).count() == 1


def test_same_key_with_another_body_is_refused(api, submitted_case):
    api.post(messages_url(submitted_case), {"body": "Erste"}, format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    response = api.post(messages_url(submitted_case), {"body": "Zweite"}, format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    assert_problem(response, 422, "idempotency-key-reused")
    assert list(CaseMessage.objects.filter(case=submitted_case).values_list("body", flat=True)) == ["Erste"]


def test_multipart_replay_with_the_same_file_stores_one_document(api, submitted_case):
    def send():
        return api.post(
            f"/api/v1/cases/{submitted_case.reference}/documents",
            {"file": pdf("entscheid.pdf"), "title": "Entscheid"},
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first, second = send(), send()

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert CaseDocument.objects.filter(case=submitted_case).count() == 1


def test_a_key_belongs_to_one_application(api, make_application, service_page, submitted_case):
    _other, token = make_application(services=[service_page])
    payload = {"body": "Gleicher Schlüssel, andere Anwendung"}

    mine = api.post(messages_url(submitted_case), payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = bearer(token).post(messages_url(submitted_case), payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert CaseMessage.objects.filter(case=submitted_case).count() == 2


def test_without_a_key_every_post_counts(api, submitted_case):
    payload = {"body": "Zweimal gesendet"}

    first = api.post(messages_url(submitted_case), payload, format="json")
    second = api.post(messages_url(submitted_case), payload, format="json")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert CaseMessage.objects.filter(case=submitted_case).count() == 2


def test_a_refused_request_is_replayed_as_refused(api, submitted_case):
    payload = {"status": "completed"}
    status_url = f"/api/v1/cases/{submitted_case.reference}/status"

    first = api.post(status_url, payload, format="json", HTTP_IDEMPOTENCY_KEY="refused")
    second = api.post(status_url, payload, format="json", HTTP_IDEMPOTENCY_KEY="refused")

    assert_problem(first, 409, "invalid-transition")
    body = assert_problem(second, 409, "invalid-transition")
    assert body == first.json()
    assert second["Idempotent-Replayed"] == "true"

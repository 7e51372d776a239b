"""Every error is an RFC 9457 problem (application/problem+json) with type, title, status and detail."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import EXE, assert_problem, pdf, upload
from tests.integration_fixtures import bearer


def test_validation_errors_name_every_field(api, submitted_case):
    response = api.post(
        f"/api/v1/cases/{submitted_case.reference}/questions",
        {"body": "", "dueDate": "next week", "requestedDocuments": "Plan"},
        format="json",
    )

    body = assert_problem(response, 400, "validation-error")
    assert body["instance"] == f"/api/v1/cases/{submitted_case.reference}/questions"
    by_field = {error["field"]: error for error in body["errors"]}
    assert set(by_field) == {"body", "dueDate", "requestedDocuments"}
    assert by_field["body"]["code"] == "blank"
    assert by_field["dueDate"]["code"] == "invalid"
    assert all(set(error) == {"field", "detail", "code"} and error["detail"] for error in body["errors"])
    # For integrators, in English, even though the portal speaks German by default.
    assert by_field["body"]["detail"] == "This field may not be blank."


def test_a_malformed_json_body_is_a_problem(api, submitted_case):
    response = api.generic(
        "POST",
        f"/api/v1/cases/{submitted_case.reference}/messages",
        "{not json",
        content_type="application/json",
    )

    assert_problem(response, 400)


def test_unknown_api_address_answers_a_problem_not_the_html_page(api, client):
    for caller in (api, client):
        response = caller.get("/api/v1/nothing")
        body = assert_problem(response, 404)
        assert body["instance"] == "/api/v1/nothing"


def test_wrong_method_is_a_405_problem(api, submitted_case):
    body = assert_problem(api.delete(f"/api/v1/cases/{submitted_case.reference}"), 405)
    assert "DELETE" in body["detail"]
    assert_problem(api.get(f"/api/v1/cases/{submitted_case.reference}/messages"), 405)


@pytest.mark.parametrize("header", [None, "Bearer gpk_unknown", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_credentials_are_401_problems(submitted_case, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(f"/api/v1/cases/{submitted_case.reference}")

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_scope_transition_and_upload_errors_are_problems(make_application, service_page, api, submitted_case):
    _app, read_only = make_application(services=[service_page], write=())
    reference = submitted_case.reference

    assert_problem(bearer(read_only).post(f"/api/v1/cases/{reference}/status", {"status": "received"}), 403)
    assert_problem(api.get("/api/v1/cases/GP-1999-00000"), 404, "not-found")
    assert_problem(api.post(f"/api/v1/cases/{reference}/status", {"status": "completed"}, format="json"), 409)
    unsupported = api.post(f"/api/v1/cases/{reference}/documents", {"file": upload("x.exe", EXE)})
    assert assert_problem(unsupported, 415)["errors"][0]["field"] == "file"
    api.post(f"/api/v1/cases/{reference}/documents", {"file": pdf()}, HTTP_IDEMPOTENCY_KEY="k")
    reused = api.post(f"/api/v1/cases/{reference}/documents", {"file": pdf("other.pdf")}, HTTP_IDEMPOTENCY_KEY="k")
    assert_problem(reused, 422, "idempotency-key-reused")

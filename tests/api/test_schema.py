"""The OpenAPI schema: valid, public, bearer auth, problem responses, and no endpoint without a test."""

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

# Every operation of the API, with the tests that call it. A new endpoint appears in the schema and fails
# `test_every_documented_operation_is_exercised` until it is added here — with a test of its own.
EXERCISED = {
    ("/api/v1/", "get"): "test_cases_read.py::test_the_api_root_links_the_main_resources",
    ("/api/v1/events", "get"): "test_events_feed.py::test_feed_lists_the_submission_with_a_thin_payload",
    ("/api/v1/events/ack", "post"): "test_events_feed.py::test_acknowledged_cursor_is_where_the_feed_continues",
    ("/api/v1/cases", "get"): "test_cases_read.py::test_list_filters_and_pages_with_a_cursor",
    ("/api/v1/cases/{reference}", "get"): "test_cases_read.py::test_case_detail_has_the_ech_header",
    ("/api/v1/cases/{reference}/acknowledgement", "post"): "test_cases_write.py::test_acknowledging_receipt_…",
    ("/api/v1/cases/{reference}/status", "post"): "test_cases_write.py::test_status_changes_follow_the_state_machine",
    ("/api/v1/cases/{reference}/milestones", "post"): "test_cases_write.py::test_a_milestone_with_a_date_…",
    ("/api/v1/cases/{reference}/milestones", "get"): "test_milestones_api.py::test_get_lists_the_plan_merged_…",
    ("/api/v1/cases/{reference}/milestones/{key}", "put"): "test_milestones_api.py::test_put_sets_a_step_…",
    ("/api/v1/cases/{reference}/messages", "post"): "test_cases_write.py::test_a_json_message_reaches_the_resident",
    ("/api/v1/cases/{reference}/questions", "post"): "test_cases_write.py::test_a_question_makes_the_case_…",
    ("/api/v1/cases/{reference}/documents", "post"): "test_cases_write.py::test_an_issued_document_is_stored_…",
    (
        "/api/v1/cases/{reference}/documents/{document_id}/content",
        "get",
    ): "test_cases_read.py::test_case_body_with_status_fee_and_attachments_that_download",
    (
        "/api/v1/cases/{reference}/payments/confirmation",
        "post",
    ): "test_payments_api.py::test_the_application_confirms_the_fee_once",
    ("/api/v1/cases/{reference}/answers", "get"): "test_cases_write.py::test_answers_list_what_the_resident_wrote_…",
    ("/api/v1/cases/{reference}/answers/{answer_id}", "get"): "test_cases_write.py::test_answers_list_…",
    ("/api/v1/cases/{reference}/certificate", "post"): "test_certificates_api.py::test_the_register_issues_…",
    (
        "/api/v1/cases/{reference}/certificate/revocation",
        "post",
    ): "test_certificates_api.py::test_the_register_revokes_…",
    ("/api/v1/tax-accounts/{taxpayer_number}", "get"): "test_tax_api.py::test_upsert_creates_then_updates_…",
    ("/api/v1/tax-accounts/{taxpayer_number}", "put"): "test_tax_api.py::test_upsert_creates_then_updates_…",
    ("/api/v1/tax-accounts/{taxpayer_number}/documents", "post"): "test_tax_api.py::test_a_document_is_delivered_…",
    (
        "/api/v1/tax-accounts/{taxpayer_number}/activation-code",
        "post",
    ): "test_tax_api.py::test_the_activation_code_endpoint_returns_a_working_code",
    ("/api/v1/school-records", "post"): "test_school_records.py::test_a_delivery_creates_the_records_and_…",
    ("/api/v1/absences", "get"): "test_absences_api.py::test_the_lists_page_with_a_cursor_in_one_query",
    ("/api/v1/leave-requests", "get"): "test_absences_api.py::test_the_lists_page_with_a_cursor_in_one_query",
    ("/api/v1/absences/{id}", "get"): "test_absences_api.py::test_an_absence_is_fetched_with_the_id_of_its_event",
    ("/api/v1/leave-requests/{id}", "get"): "test_absences_api.py::test_a_leave_request_is_fetched_with_its_decision",
    (
        "/api/v1/utility-records",
        "post",
    ): "test_utility_records_api.py::test_a_delivery_creates_the_records_…",
    (
        "/api/v1/utility-customers/{customer_number}",
        "get",
    ): "test_utility_records_api.py::test_the_customer_reads_with_…",
    (
        "/api/v1/utility-customers/{customer_number}/activation-code",
        "post",
    ): "test_utility_records_api.py::test_the_activation_code_links_…",
    (
        "/api/v1/utility-invoices/{invoice_number}/pdf",
        "put",
    ): "test_utility_records_api.py::test_invoice_pdfs_and_contract_terms_…",
    (
        "/api/v1/utility-contracts/{contract_number}/terms",
        "put",
    ): "test_utility_records_api.py::test_invoice_pdfs_and_contract_terms_…",
    (
        "/api/v1/meter-readings",
        "post",
    ): "test_meter_readings_api.py::test_ten_thousand_readings_in_one_request_are_stored",
    (
        "/api/v1/meter-reading-reports",
        "get",
    ): "test_reading_reports_api.py::test_the_list_pages_with_a_cursor_filters_by_meter_in_one_query",
    (
        "/api/v1/meter-reading-reports/{id}",
        "get",
    ): "test_reading_reports_api.py::test_a_report_is_fetched_with_the_id_of_its_event",
    (
        "/api/v1/meter-reading-reports/{id}/photo",
        "get",
    ): "test_reading_reports_api.py::test_a_report_is_fetched_with_the_id_of_its_event",
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
PROBLEM = "application/problem+json"


@pytest.fixture
def schema(db):
    GENERATOR_STATS.reset()
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    schema["_generator_problems"] = bool(GENERATOR_STATS)
    return schema


def operations(schema):
    return {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_the_schema_is_public_valid_openapi_3_without_generator_warnings(schema):
    assert schema.pop("_generator_problems") is False
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_every_documented_operation_is_exercised(schema):
    documented = set(operations(schema))

    assert documented - set(EXERCISED) == set(), "documented but not in the tested set"
    assert set(EXERCISED) - documented == set(), "tested but not documented"


def test_the_schema_documents_only_this_api(schema):
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_bearer_authentication_is_documented_and_required(schema):
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for (path, _method), operation in operations(schema).items():
        if path == "/api/v1/":
            continue  # the entry point needs no token
        assert operation["security"] == [{"bearerAuth": []}], path


def test_case_operations_document_their_problem_responses(schema):
    for (path, method), operation in operations(schema).items():
        if not path.startswith("/api/v1/cases"):
            continue
        responses = operation["responses"]
        expected = {"401", "429"}
        if "{reference}" in path:
            expected.add("404")
        if method == "post" or path == "/api/v1/cases":
            expected.add("400")
        if method == "post":
            expected |= {"403", "409", "422"}
        assert expected <= set(responses), (path, method)
        for code in expected:
            assert list(responses[code]["content"]) == [PROBLEM]
            assert responses[code]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert "errors" in problem["properties"]


def test_uploads_are_documented_as_multipart(schema):
    ops = operations(schema)
    assert set(ops[("/api/v1/cases/{reference}/messages", "post")]["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }
    assert set(ops[("/api/v1/cases/{reference}/documents", "post")]["requestBody"]["content"]) == {
        "multipart/form-data"
    }
    assert ops[("/api/v1/cases/{reference}/documents", "post")]["responses"].keys() >= {"201", "413", "415"}


def test_field_names_are_camel_case(schema):
    names = [name for component in schema["components"]["schemas"].values() for name in component.get("properties", {})]
    assert "dueDate" in names and "businessProcessId" in names
    assert [name for name in names if "_" in name] == []


def test_the_docs_page_loads_its_scripts_from_our_own_static_files(client, db):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    assert any(asset.endswith("swagger-ui.css") for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "cdn" not in html.lower()
    assert "/api/v1/schema/" in html

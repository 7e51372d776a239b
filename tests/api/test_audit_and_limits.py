"""Every call is audited (application, action, record, outcome); each application has its own rate limit."""

from rest_framework.test import APIClient

from integrations.models import ApiAuditEntry
from tests.api.helpers import assert_problem
from tests.integration_fixtures import bearer


def only_entry():
    [entry] = ApiAuditEntry.objects.all()
    return entry


def test_a_read_is_audited_with_application_action_and_case(api, application, submitted_case):
    api.get(f"/api/v1/cases/{submitted_case.reference}")

    entry = only_entry()
    assert entry.application == application
    assert entry.token == application.tokens.get()
    assert (entry.action, entry.subject_type, entry.subject_ref) == ("case.read", "case", submitted_case.reference)
    assert (entry.method, entry.path, entry.status_code) == ("GET", f"/api/v1/cases/{submitted_case.reference}", 200)


def test_a_write_is_audited(api, application, submitted_case):
    api.post(f"/api/v1/cases/{submitted_case.reference}/acknowledgement", {"result": "received"}, format="json")

    entry = only_entry()
    assert (entry.application, entry.action, entry.subject_ref, entry.status_code) == (
        application,
        "case.acknowledge",
        submitted_case.reference,
        200,
    )


def test_a_case_outside_the_scope_is_audited_as_404(api, application, make_service_page, resident):
    api.get("/api/v1/cases/GP-2026-99999")

    entry = only_entry()
    assert (entry.application, entry.action, entry.subject_ref, entry.status_code) == (
        application,
        "case.read",
        "GP-2026-99999",
        404,
    )


def test_an_unauthenticated_call_is_audited_as_401(submitted_case):
    APIClient().get(f"/api/v1/cases/{submitted_case.reference}")
    bearer("gpk_wrong").post(f"/api/v1/cases/{submitted_case.reference}/status", {"status": "received"})

    entries = list(ApiAuditEntry.objects.order_by("id"))
    assert [(entry.application, entry.status_code, entry.method) for entry in entries] == [
        (None, 401, "GET"),
        (None, 401, "POST"),
    ]
    assert entries[0].action == "case.read"


def test_a_refused_write_is_audited_with_its_status(make_application, service_page, submitted_case):
    application, token = make_application(services=[service_page], write=())

    bearer(token).post(f"/api/v1/cases/{submitted_case.reference}/messages", {"body": "x"}, format="json")

    entry = only_entry()
    assert (entry.application, entry.action, entry.status_code) == (application, "case.message", 403)


def test_the_fourth_call_in_a_minute_is_throttled(make_application, service_page, submitted_case):
    application, token = make_application(services=[service_page], rate_limit_per_minute=3)
    client = bearer(token)

    statuses = [client.get(f"/api/v1/cases/{submitted_case.reference}").status_code for _ in range(3)]
    throttled = client.get(f"/api/v1/cases/{submitted_case.reference}")

    assert statuses == [200, 200, 200]
    assert_problem(throttled, 429)
    assert 0 < int(throttled["Retry-After"]) <= 61
    assert ApiAuditEntry.objects.filter(application=application, status_code=429).count() == 1


def test_limits_are_per_application(make_application, service_page, submitted_case):
    _slow, slow_token = make_application(services=[service_page], rate_limit_per_minute=1)
    _fast, fast_token = make_application(services=[service_page])
    path = f"/api/v1/cases/{submitted_case.reference}"

    assert bearer(slow_token).get(path).status_code == 200
    assert bearer(slow_token).get(path).status_code == 429
    assert [bearer(fast_token).get(path).status_code for _ in range(3)] == [200, 200, 200]

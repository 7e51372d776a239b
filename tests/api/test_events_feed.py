"""The pull feed: ordered, scoped, cursor-paginated, acknowledged; authentication by bearer token."""

from integrations.models import Event
from tests.integration_fixtures import bearer, submit_case


def test_feed_lists_the_submission_with_a_thin_payload(api, submitted_case):
    response = api.get("/api/v1/events")

    assert response.status_code == 200
    body = response.json()
    assert [event["type"] for event in body["events"]] == ["case.submitted"]
    event = body["events"][0]
    assert event["data"]["reference"] == submitted_case.reference
    assert event["data"]["id"] == str(submitted_case.pk)
    assert event["schemaVersion"] == 1
    # Thin: no personal data of the applicant.
    assert "Muster" not in response.content.decode()
    assert body["next"] == str(event["id"])
    assert body["hasMore"] is False


def test_feed_pages_with_a_cursor_in_order(api, service_page, resident):
    made = [submit_case(service_page, resident) for _ in range(3)]

    first = api.get("/api/v1/events", {"limit": 2}).json()
    second = api.get("/api/v1/events", {"after": first["next"], "limit": 2}).json()

    refs = [e["data"]["reference"] for e in first["events"] + second["events"]]
    assert refs == [case.reference for case in made]
    assert first["hasMore"] is True and second["hasMore"] is False


def test_acknowledged_cursor_is_where_the_feed_continues(api, service_page, resident):
    first, second = submit_case(service_page, resident), submit_case(service_page, resident)
    cursor = api.get("/api/v1/events", {"limit": 1}).json()["next"]

    assert api.post("/api/v1/events/ack", {"cursor": cursor}, format="json").json() == {"acknowledged": cursor}
    assert [e["data"]["reference"] for e in api.get("/api/v1/events").json()["events"]] == [second.reference]
    # The cursor never moves backwards.
    api.post("/api/v1/events/ack", {"cursor": 0}, format="json")
    assert len(api.get("/api/v1/events").json()["events"]) == 1
    assert first.reference


def test_an_application_never_sees_events_of_other_services(make_application, make_service_page, resident):
    mine, theirs = make_service_page(), make_service_page()
    _app, token = make_application(services=[mine])
    submit_case(theirs, resident)

    assert bearer(token).get("/api/v1/events").json()["events"] == []
    assert Event.objects.count() == 1


def test_destination_scope_and_read_permission(make_application, make_service_page, resident):
    page = make_service_page(destination="bauamt")
    _app, by_destination = make_application(destinations="Bauamt")
    _app, no_read = make_application(destinations="bauamt", read=())
    submit_case(page, resident)

    assert len(bearer(by_destination).get("/api/v1/events").json()["events"]) == 1
    assert bearer(no_read).get("/api/v1/events").json()["events"] == []


def test_wrong_revoked_or_missing_token_gets_401_problem(application_and_token, db):
    application, token = application_and_token
    assert bearer("gpk_wrong").get("/api/v1/events").status_code == 401
    application.tokens.get().revoke()
    response = bearer(token).get("/api/v1/events")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert bearer("").get("/api/v1/events").status_code == 401


def test_invalid_query_gets_field_errors(api):
    response = api.get("/api/v1/events", {"limit": "many"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "limit"

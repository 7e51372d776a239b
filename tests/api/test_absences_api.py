"""Absences and leave requests through the API: thin events with ids, the authenticated fetch, its scope."""

import datetime
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiAuditEntry, Event
from schools import absences
from schools.models import Absence, ReasonCategory
from tests.api.helpers import assert_problem
from tests.integration_fixtures import bearer
from tests.schools.conftest import school_world  # noqa: F401 — the small school of the school tests

pytestmark = pytest.mark.django_db

NOTE = "Zahnarzt um 10 Uhr, danach zurück"
LEAVE_REASON = "Hochzeit der Tante in Lissabon"


def today():
    return timezone.localdate()


def yesterday():
    return today() - datetime.timedelta(days=1)


@pytest.fixture
def reader(make_application):
    """The school administration's application: reads absences (and school records)."""
    return bearer(make_application(read=["absences", "school_records"], write=[], name="Schulverwaltung")[1])


@pytest.fixture
def reported(school_world):  # noqa: F811
    """An absence the custodial parent reported, with a note for the teacher."""
    world = school_world
    world["class_a"].external_id = "K-3A"
    world["class_a"].save(update_fields=["external_id"])
    return absences.report_absence(
        world["parent"],
        world["child"],
        starts_on=yesterday(),
        ends_on=yesterday(),
        half_days=2,
        reason=ReasonCategory.APPOINTMENT,
        note=NOTE,
    )


@pytest.fixture
def leave(school_world):  # noqa: F811
    start = today() + datetime.timedelta(days=10)
    return absences.request_leave(
        school_world["parent"],
        school_world["child"],
        starts_on=start,
        ends_on=start + datetime.timedelta(days=1),
        half_days=4,
        reason=LEAVE_REASON,
    )


def feed_data(client, event_type):
    events = client.get("/api/v1/events").json()["events"]
    return [event["data"] for event in events if event["type"] == event_type]


def test_an_absence_is_fetched_with_the_id_of_its_event(reader, school_world, reported):  # noqa: F811
    world = school_world
    child = world["child"]
    [data] = feed_data(reader, "absence.reported")
    assert data["absenceId"] == reported.pk and data["id"] == str(reported.pk)

    response = reader.get(f"/api/v1/absences/{data['absenceId']}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert datetime.datetime.fromisoformat(body.pop("createdAt")) == reported.created_at
    assert body == {
        "id": reported.pk,
        "kind": "absence",
        "student": {"id": child.pk, "email": child.email, "name": f"{child.first_name} {child.last_name}"},
        "schoolClass": {"id": world["class_a"].pk, "name": "3a", "externalId": "K-3A", "schoolCode": "dorf"},
        "startsOn": yesterday().isoformat(),
        "endsOn": yesterday().isoformat(),
        "halfDays": 2,
        "minutesLate": 0,
        "reasonCategory": "appointment",
        "status": "reported",
        "source": "guardian",
    }
    assert NOTE not in response.content.decode()
    audit = ApiAuditEntry.objects.get(action="absence.read")
    assert (audit.subject_type, audit.subject_ref, audit.status_code) == ("absence", str(reported.pk), 200)


def test_a_late_arrival_recorded_by_the_teacher_and_its_assessment(reader, school_world):  # noqa: F811
    world = school_world
    late = absences.record_absence(
        world["teacher"],
        world["class_a"],
        world["classmate"],
        kind=Absence.Kind.LATE,
        starts_on=today(),
        minutes_late=15,
        reason=ReasonCategory.OTHER,
        status=Absence.Status.UNEXCUSED,
    )
    [data] = feed_data(reader, "absence.reported")
    assert (data["kind"], data["source"], data["classExternalId"]) == ("late", "teacher", None)

    body = reader.get(f"/api/v1/absences/{late.pk}").json()

    assert (body["kind"], body["minutesLate"], body["halfDays"]) == ("late", 15, 0)
    assert (body["status"], body["source"], body["reasonCategory"]) == ("unexcused", "teacher", "other")
    assert body["student"]["email"] == world["classmate"].email
    assert body["schoolClass"]["externalId"] is None


def test_a_leave_request_is_fetched_with_its_decision(reader, school_world, leave):  # noqa: F811
    world = school_world
    [data] = feed_data(reader, "leave_request.submitted")
    url = f"/api/v1/leave-requests/{data['leaveRequestId']}"

    pending = reader.get(url)

    assert pending.status_code == 200, pending.content
    body = pending.json()
    assert datetime.datetime.fromisoformat(body.pop("createdAt")) == leave.requested_at
    assert body == {
        "id": leave.pk,
        "student": {
            "id": world["child"].pk,
            "email": world["child"].email,
            "name": world["child"].get_full_name(),
        },
        "schoolClass": {"id": world["class_a"].pk, "name": "3a", "externalId": None, "schoolCode": "dorf"},
        "startsOn": leave.starts_on.isoformat(),
        "endsOn": leave.ends_on.isoformat(),
        "halfDays": 4,
        "status": "pending",
        "decidedByRole": "class_teacher",
        "decision": None,
        "decidedAt": None,
    }

    absences.decide_leave(world["teacher"], leave, approve=False, note="Nicht in den Wochen vor den Prüfungen")
    decided = reader.get(url).json()

    assert (decided["status"], decided["decision"]) == ("declined", "declined")
    leave.refresh_from_db()
    assert datetime.datetime.fromisoformat(decided["decidedAt"]) == leave.decided_at
    text = reader.get(url).content.decode()
    assert LEAVE_REASON not in text and "Prüfungen" not in text


def test_approved_leave_appears_as_an_absence_from_leave(reader, school_world, leave):  # noqa: F811
    absences.decide_leave(school_world["teacher"], leave, approve=True)

    body = reader.get(f"/api/v1/leave-requests/{leave.pk}").json()
    absence = Absence.objects.get(student=school_world["child"])
    fetched = reader.get(f"/api/v1/absences/{absence.pk}").json()

    assert (body["status"], body["decision"]) == ("approved", "approved")
    assert (fetched["source"], fetched["status"], fetched["reasonCategory"]) == ("leave", "excused", "family")
    assert (fetched["startsOn"], fetched["endsOn"]) == (body["startsOn"], body["endsOn"])


# --- the events carry no personal data ----------------------------------------------------------------------------


def test_the_events_carry_ids_only(reader, school_world, reported, leave):  # noqa: F811
    child = school_world["child"]
    events = {event.type: event for event in Event.objects.filter(record_type="absences")}

    assert events["absence.reported"].data == {
        "absenceId": reported.pk,
        "studentId": child.pk,
        "classId": school_world["class_a"].pk,
        "classExternalId": "K-3A",
        "kind": "absence",
        "source": "guardian",
    }
    assert events["leave_request.submitted"].data == {
        "leaveRequestId": leave.pk,
        "studentId": child.pk,
        "classId": school_world["class_a"].pk,
        "classExternalId": "K-3A",
    }
    # What leaves the portal on the feed and on webhooks: nothing that names, dates or explains (the events'
    # timestamps are today; the absence was yesterday, the leave is ahead).
    sent = json.dumps([event.payload() for event in events.values()]) + reader.get("/api/v1/events").content.decode()
    personal = [child.first_name, child.last_name, child.email, NOTE, LEAVE_REASON, "appointment", "3a"]
    personal += [day.isoformat() for day in (reported.starts_on, leave.starts_on, leave.ends_on)]
    assert [value for value in personal if value in sent] == []


# --- scope -------------------------------------------------------------------------------------------------------


SCOPES = {
    # who: (read types, write types) of the application, or None for no token at all
    "no token": None,
    "cases only": (["cases"], ["cases"]),
    "school records only": (["school_records"], ["school_records"]),
    "absences write only": ([], ["absences"]),
    "absences read": (["absences"], []),
}
# (who, record exists?) → status
TABLE = [
    ("no token", True, 401),
    ("no token", False, 401),
    ("unknown token", True, 401),
    ("cases only", True, 403),
    ("school records only", True, 403),
    ("absences write only", True, 403),
    ("cases only", False, 403),
    ("absences read", True, 200),
    ("absences read", False, 404),
]


@pytest.mark.parametrize("kind", ["absences", "leave-requests"])
@pytest.mark.parametrize(("who", "exists", "status"), TABLE)
def test_scope_table(make_application, reported, leave, kind, who, exists, status):
    if who == "no token":
        client = APIClient()
    elif who == "unknown token":
        client = bearer("gpk_this_token_was_never_issued")
    else:
        read, write = SCOPES[who]
        client = bearer(make_application(read=read, write=write)[1])
    pk = (reported.pk if kind == "absences" else leave.pk) if exists else 999_999

    response = client.get(f"/api/v1/{kind}/{pk}")

    if status == 200:
        assert response.status_code == 200
        assert response.json()["id"] == pk
    else:
        body = assert_problem(response, status, "insufficient-scope" if status == 403 else None)
        assert "student" not in body


def test_writing_is_not_offered(reader, reported):
    response = reader.post(f"/api/v1/absences/{reported.pk}", {}, format="json")

    assert_problem(response, 405)
    assert Absence.objects.get().status == "reported"


def test_the_fetch_costs_the_same_few_queries(reader, school_world, django_assert_max_num_queries):  # noqa: F811
    world = school_world
    absence = absences.report_absence(
        world["parent"], world["child"], starts_on=today(), ends_on=today(), half_days=1, reason="illness"
    )
    reader.get(f"/api/v1/absences/{absence.pk}")  # warm-up: the token's last use is noted once a minute

    with django_assert_max_num_queries(6):
        assert reader.get(f"/api/v1/absences/{absence.pk}").status_code == 200


@pytest.mark.parametrize("kind", ["absences", "leave-requests"])
@pytest.mark.parametrize(("who", "status"), [("no token", 401), ("cases only", 403), ("absences read", 200)])
def test_scope_of_the_lists(make_application, reported, leave, kind, who, status):
    client = APIClient() if who == "no token" else bearer(make_application(read=SCOPES[who][0], write=[])[1])

    response = client.get(f"/api/v1/{kind}")

    if status == 200:
        assert response.status_code == 200
        assert [record["id"] for record in response.json()["results"]] == [
            reported.pk if kind == "absences" else leave.pk
        ]
    else:
        assert "results" not in assert_problem(response, status)


# --- lists -------------------------------------------------------------------------------------------------------


def test_the_lists_page_with_a_cursor_in_one_query(reader, school_world, django_assert_max_num_queries):  # noqa: F811
    world = school_world
    for days_ago, student in enumerate(("child", "classmate", "child", "classmate", "child")):
        absences.record_absence(
            world["teacher"],
            world["class_a"],
            world[student],
            kind=Absence.Kind.ABSENCE,
            starts_on=today() - datetime.timedelta(days=days_ago + 1),
            ends_on=today() - datetime.timedelta(days=days_ago + 1),
            half_days=1,
            reason=ReasonCategory.ILLNESS,
            status=Absence.Status.EXCUSED,
        )
    for weeks in (2, 3, 4):
        start = today() + datetime.timedelta(weeks=weeks)
        absences.request_leave(
            world["parent"], world["child"], starts_on=start, ends_on=start, half_days=2, reason=LEAVE_REASON
        )
    ids = list(Absence.objects.order_by("id").values_list("id", flat=True))
    reader.get("/api/v1/absences")  # warm-up: the token's last use is noted once a minute

    with django_assert_max_num_queries(6):
        first = reader.get("/api/v1/absences?limit=2").json()
    second = reader.get(f"/api/v1/absences?limit=2&after={first['next']}").json()
    with django_assert_max_num_queries(6):
        rest = reader.get(f"/api/v1/absences?limit=10&after={second['next']}").json()

    assert [row["id"] for row in first["results"] + second["results"] + rest["results"]] == ids
    assert first["next"] == str(ids[1]) and rest["next"] is None
    assert {row["student"]["email"] for row in first["results"]} == {world["child"].email, world["classmate"].email}

    leave_list = reader.get("/api/v1/leave-requests?limit=2").json()
    assert [row["status"] for row in leave_list["results"]] == ["pending", "pending"] and leave_list["next"]
    assert LEAVE_REASON not in json.dumps(leave_list)
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert reader.get("/api/v1/leave-requests", {"createdSince": later}).json() == {"results": [], "next": None}
    assert reader.get("/api/v1/absences", {"createdSince": later}).json()["results"] == []

    body = assert_problem(reader.get("/api/v1/absences?limit=0"), 400, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["limit"]

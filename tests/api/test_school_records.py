"""The school records API: bulk upsert by the school administration's application, its scope and its events."""

import copy
import datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from account.demo_users import ensure_demo_users
from integrations import events
from integrations.api import school_records
from integrations.demo_content import SCHOOL_DEMO_SLUG, SCHOOL_DEMO_TOKEN, ensure_demo_school_application
from integrations.models import ApiAuditEntry, SpecialistApplication, WebhookDelivery, WebhookEndpoint
from schools import policies
from schools.demo_content import ensure_demo_school_records
from schools.models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term
from tests.api.helpers import assert_problem
from tests.factories import UserFactory
from tests.integration_fixtures import bearer, submit_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/school-records"
PEOPLE = ("lina", "sara", "petra", "paul", "thomas", "tina")


@pytest.fixture
def people(db):
    return {key: UserFactory(email=f"{key}@schule.example", language="en") for key in PEOPLE}


@pytest.fixture
def school_app(make_application):
    return make_application(read=["school_records"], write=["school_records"], name="Schulverwaltung")


@pytest.fixture
def school_api(school_app):
    return bearer(school_app[1])


def body():
    """A complete delivery: one school, a year with two terms, two classes and their people."""
    return {
        "schools": [{"code": "dorf", "name": "Schulhaus Dorf"}],
        "schoolYears": [
            {
                "name": "2026/27",
                "startsOn": "2026-08-01",
                "endsOn": "2027-07-31",
                "terms": [
                    {"name": "1. Semester", "startsOn": "2026-08-01", "endsOn": "2027-01-31"},
                    {"name": "2. Semester", "startsOn": "2027-02-01", "endsOn": "2027-07-31"},
                ],
            }
        ],
        "classes": [
            {"schoolCode": "dorf", "externalId": "K-3A", "schoolYear": "2026/27", "name": "3a", "grade": 3},
            {"schoolCode": "dorf", "externalId": "K-5B", "schoolYear": "2026/27", "name": "5b", "grade": 5},
        ],
        "enrolments": [
            {"schoolCode": "dorf", "classExternalId": "K-3A", "studentEmail": "lina@schule.example"},
            {
                "schoolCode": "dorf",
                "classExternalId": "K-5B",
                "studentEmail": "SARA@schule.example",
                "startsOn": "2026-08-01",
            },
        ],
        "guardianships": [
            {"guardianEmail": "petra@schule.example", "studentEmail": "lina@schule.example"},
            {"guardianEmail": "petra@schule.example", "studentEmail": "sara@schule.example"},
            {
                "guardianEmail": "paul@schule.example",
                "studentEmail": "lina@schule.example",
                "hasCustody": False,
                "informationOnly": True,
            },
        ],
        "teachingAssignments": [
            {
                "schoolCode": "dorf",
                "classExternalId": "K-5B",
                "teacherEmail": "thomas@schule.example",
                "isClassTeacher": True,
                "subjects": ["Deutsch", "Mathematik", "NMG"],
            },
            {
                "schoolCode": "dorf",
                "classExternalId": "K-3A",
                "teacherEmail": "thomas@schule.example",
                "subjects": ["Musik"],
            },
        ],
    }


def state():
    """Everything the school records hold, as plain tuples (ids left out)."""
    return {
        "schools": sorted(School.objects.values_list("code", "name")),
        "years": sorted(SchoolYear.objects.values_list("name", "starts_on", "ends_on")),
        "terms": sorted(Term.objects.values_list("school_year__name", "name", "starts_on", "ends_on")),
        "classes": sorted(
            SchoolClass.objects.values_list("school__code", "external_id", "school_year__name", "name", "grade")
        ),
        "enrolments": sorted(
            Enrolment.objects.values_list("school_class__external_id", "student__email", "starts_on", "ends_on")
        ),
        "guardianships": sorted(
            Guardianship.objects.values_list("guardian__email", "student__email", "has_custody", "information_only")
        ),
        "assignments": sorted(
            TeachingAssignment.objects.values_list(
                "school_class__external_id", "teacher__email", "is_class_teacher", "subjects"
            )
        ),
    }


def counts(created=0, updated=0, unchanged=0, skipped=0, **extra):
    return {"created": created, "updated": updated, "unchanged": unchanged, "skipped": skipped, **extra}


def test_a_delivery_creates_the_records_and_the_same_body_again_changes_nothing(school_api, people):
    response = school_api.post(URL, body(), format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "schools": counts(created=1),
        "schoolYears": counts(created=1),
        "terms": counts(created=2),
        "classes": counts(created=2),
        "enrolments": counts(created=2, ended=0),
        "guardianships": counts(created=3),
        "teachingAssignments": counts(created=2),
        "skipped": [],
    }
    first = state()
    assert first == {
        "schools": [("dorf", "Schulhaus Dorf")],
        "years": [("2026/27", datetime.date(2026, 8, 1), datetime.date(2027, 7, 31))],
        "terms": [
            ("2026/27", "1. Semester", datetime.date(2026, 8, 1), datetime.date(2027, 1, 31)),
            ("2026/27", "2. Semester", datetime.date(2027, 2, 1), datetime.date(2027, 7, 31)),
        ],
        "classes": [("dorf", "K-3A", "2026/27", "3a", 3), ("dorf", "K-5B", "2026/27", "5b", 5)],
        "enrolments": [
            ("K-3A", "lina@schule.example", None, None),
            ("K-5B", "sara@schule.example", datetime.date(2026, 8, 1), None),
        ],
        "guardianships": [
            ("paul@schule.example", "lina@schule.example", False, True),
            ("petra@schule.example", "lina@schule.example", True, False),
            ("petra@schule.example", "sara@schule.example", True, False),
        ],
        "assignments": [
            ("K-3A", "thomas@schule.example", False, "Musik"),
            ("K-5B", "thomas@schule.example", True, "Deutsch, Mathematik, NMG"),
        ],
    }

    again = school_api.post(URL, body(), format="json")

    assert again.status_code == 200
    assert again.json() == {
        "schools": counts(unchanged=1),
        "schoolYears": counts(unchanged=1),
        "terms": counts(unchanged=2),
        "classes": counts(unchanged=2),
        "enrolments": counts(unchanged=2, ended=0),
        "guardianships": counts(unchanged=3),
        "teachingAssignments": counts(unchanged=2),
        "skipped": [],
    }
    assert state() == first
    audit = ApiAuditEntry.objects.filter(action="school_records.upsert")
    assert list(audit.values_list("status_code", "subject_type", "subject_ref")) == [
        (200, "school_records", "dorf"),
        (200, "school_records", "dorf"),
    ]


def test_changed_rows_update_their_records_and_leave_out_means_default(school_api, people):
    school_api.post(URL, body(), format="json")
    School.objects.filter(code="dorf").update(leave_half_days_by_class_teacher=6)  # a portal setting
    changed = body()
    changed["schools"][0]["name"] = "Schulhaus Dorfmitte"
    changed["schoolYears"][0]["terms"][0]["endsOn"] = "2027-01-24"
    changed["classes"][0].update(name="3a neu", grade=None)
    changed["enrolments"][1].pop("startsOn")  # left out: no start date any more
    changed["guardianships"][2].update(hasCustody=True, informationOnly=False)
    changed["teachingAssignments"][1]["subjects"] = ["Musik", "Werken"]

    response = school_api.post(URL, changed, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["schools"] == counts(updated=1)
    assert data["terms"] == counts(updated=1, unchanged=1)
    assert data["classes"] == counts(updated=1, unchanged=1)
    assert data["enrolments"] == counts(updated=1, unchanged=1, ended=0)
    assert data["guardianships"] == counts(updated=1, unchanged=2)
    assert data["teachingAssignments"] == counts(updated=1, unchanged=1)
    now = state()
    assert now["schools"] == [("dorf", "Schulhaus Dorfmitte")]
    assert ("dorf", "K-3A", "2026/27", "3a neu", None) in now["classes"]
    assert ("K-5B", "sara@schule.example", None, None) in now["enrolments"]
    assert ("paul@schule.example", "lina@schule.example", True, False) in now["guardianships"]
    assert ("K-3A", "thomas@schule.example", False, "Musik, Werken") in now["assignments"]
    assert School.objects.get().leave_half_days_by_class_teacher == 6


def test_rows_naming_unknown_persons_are_skipped_and_reported_without_failing_the_batch(school_api, people):
    delivery = body()
    delivery["enrolments"].append(
        {"schoolCode": "dorf", "classExternalId": "K-3A", "studentEmail": "neu@schule.example"}
    )
    delivery["guardianships"].append({"guardianEmail": "nobody@schule.example", "studentEmail": "lina@schule.example"})

    response = school_api.post(URL, delivery, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["enrolments"] == counts(created=2, skipped=1, ended=0)
    assert data["guardianships"] == counts(created=3, skipped=1)
    assert data["skipped"] == [
        {
            "field": "enrolments.2.studentEmail",
            "pointer": "#/enrolments/2/studentEmail",
            "detail": "No portal account has the e-mail 'neu@schule.example'; the row was skipped.",
            "code": "unknown-person",
        },
        {
            "field": "guardianships.3.guardianEmail",
            "pointer": "#/guardianships/3/guardianEmail",
            "detail": "No portal account has the e-mail 'nobody@schule.example'; the row was skipped.",
            "code": "unknown-person",
        },
    ]
    assert Enrolment.objects.count() == 2 and Guardianship.objects.count() == 3

    # Once the person has an account, the same delivery adds the row.
    UserFactory(email="neu@schule.example")
    again = school_api.post(URL, delivery, format="json").json()
    assert again["enrolments"] == counts(created=1, unchanged=2, ended=0)
    assert [item["pointer"] for item in again["skipped"]] == ["#/guardianships/3/guardianEmail"]


def test_invalid_rows_refuse_the_whole_batch_with_a_pointer_for_each(school_api, people):
    delivery = body()
    delivery["schoolYears"][0]["terms"][1]["endsOn"] = "2027-09-30"  # outside the year
    delivery["classes"].append(
        {"schoolCode": "berg", "externalId": "K-1A", "schoolYear": "2026/27", "name": "1a"}  # unknown school
    )
    delivery["classes"].append({"schoolCode": "dorf", "externalId": "K-4C", "schoolYear": "2030/31", "name": "4c"})
    delivery["enrolments"].append(delivery["enrolments"][0])  # twice
    delivery["enrolments"].append(
        {"schoolCode": "dorf", "classExternalId": "K-9Z", "studentEmail": "lina@schule.example"}
    )
    delivery["guardianships"].append({"guardianEmail": "lina@schule.example", "studentEmail": "LINA@schule.example"})
    delivery["teachingAssignments"][0]["subjects"] = ["Deutsch, Mathematik"]

    shape = school_api.post(URL, delivery, format="json")

    malformed = assert_problem(shape, 400, "validation-error")
    assert {(e["pointer"], e["field"]) for e in malformed["errors"]} == {
        ("#/schoolYears/0/terms/1/startsOn", "schoolYears.0.terms.1.startsOn"),
        ("#/teachingAssignments/0/subjects", "teachingAssignments.0.subjects"),
    }
    assert School.objects.count() == 0

    delivery["schoolYears"][0]["terms"][1]["endsOn"] = "2027-07-31"
    delivery["teachingAssignments"][0]["subjects"] = ["Deutsch", "Mathematik"]
    refused = school_api.post(URL, delivery, format="json")

    problem = assert_problem(refused, 400, "validation-error")
    assert problem["detail"] == "5 row(s) are invalid; nothing was written."
    assert {(e["pointer"], e["code"]) for e in problem["errors"]} == {
        ("#/classes/2/schoolCode", "unknown-school"),
        ("#/classes/3/schoolYear", "unknown-school-year"),
        ("#/enrolments/2/studentEmail", "duplicate"),
        ("#/enrolments/3/classExternalId", "unknown-class"),
        ("#/guardianships/3/guardianEmail", "invalid"),  # their own guardian
    }
    assert "#/enrolments/0" in next(e["detail"] for e in problem["errors"] if e["code"] == "duplicate")
    assert state()["schools"] == [] and Enrolment.objects.count() == 0


def test_malformed_fields_and_too_many_rows_get_field_errors(school_api, people, monkeypatch):
    response = school_api.post(
        URL,
        {
            "schools": [{"code": "Dorf Mitte", "name": ""}],
            "enrolments": [
                {"schoolCode": "dorf", "classExternalId": "K", "studentEmail": "no-mail", "startsOn": "1.8.2026"}
            ],
            "replaceEnrolments": "sometimes",
        },
        format="json",
    )

    problem = assert_problem(response, 400, "validation-error")
    assert {e["pointer"] for e in problem["errors"]} == {
        "#/schools/0/code",
        "#/schools/0/name",
        "#/enrolments/0/studentEmail",
        "#/enrolments/0/startsOn",
        "#/replaceEnrolments",
    }
    assert assert_problem(school_api.post(URL, [1, 2], format="json"), 400)["errors"][0]["pointer"] == "#"

    # The limit of rows per list (10,000), shown with a limit of 1.
    monkeypatch.setattr(school_records, "SchoolRecordsUpsertSerializer", _limited(school_records))
    too_many = school_api.post(
        URL, {"schools": [{"code": "a", "name": "A"}, {"code": "b", "name": "B"}]}, format="json"
    )
    assert assert_problem(too_many, 400)["errors"][0]["pointer"] == "#/schools"


def _limited(module):
    class Limited(module.SchoolRecordsUpsertSerializer):
        schools = module.SchoolRowSerializer(many=True, required=False, max_length=1)

    return Limited


def test_replace_enrolments_ends_the_enrolments_of_students_no_longer_listed(school_api, people):
    school_api.post(URL, body(), format="json")
    today = timezone.localdate()
    moved = body()
    moved["enrolments"] = [
        {"schoolCode": "dorf", "classExternalId": "K-3A", "studentEmail": "sara@schule.example"}  # Lina left 3a
    ]

    kept = school_api.post(URL, moved, format="json").json()  # without replaceEnrolments nothing ends
    assert kept["enrolments"] == counts(created=1, ended=0)
    replaced = school_api.post(URL, {**moved, "replaceEnrolments": True}, format="json").json()

    assert replaced["enrolments"] == counts(unchanged=1, ended=2)
    assert sorted(Enrolment.objects.values_list("school_class__external_id", "student__email", "ends_on")) == [
        ("K-3A", "lina@schule.example", today),
        ("K-3A", "sara@schule.example", None),
        ("K-5B", "sara@schule.example", today),
    ]
    # Idempotent: nothing more ends; a class not in `classes` is left alone.
    assert school_api.post(URL, {**moved, "replaceEnrolments": True}, format="json").json()["enrolments"] == counts(
        unchanged=1, ended=0
    )
    # Listed again, the enrolment is current again.
    back = school_api.post(URL, body(), format="json").json()
    assert back["enrolments"] == counts(updated=2, ended=0)
    assert Enrolment.objects.filter(ends_on__isnull=False).count() == 0


def test_the_delivered_records_decide_who_sees_and_acts_for_whom(school_api, people):
    school_api.post(URL, body(), format="json")
    lina, sara, petra, paul, thomas, tina = (people[key] for key in PEOPLE)
    class_3a, class_5b = SchoolClass.objects.get(external_id="K-3A"), SchoolClass.objects.get(external_id="K-5B")

    assert set(policies.children_of(petra)) == {lina, sara}
    assert policies.may_act_for_student(petra, lina) and not policies.may_act_for_student(paul, lina)
    assert set(policies.students_visible_to(paul)) == {lina}
    assert set(policies.students_visible_to(thomas)) == {lina, sara}
    assert policies.is_class_teacher_of(thomas, class_5b) and not policies.is_class_teacher_of(thomas, class_3a)
    assert not policies.students_visible_to(tina).exists()

    school_api.post(URL, {**body(), "enrolments": body()["enrolments"][1:], "replaceEnrolments": True}, format="json")

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert set(policies.classes_visible_to(lina)) == {class_3a}  # the last day still counts
    assert not policies.current_enrolments(tomorrow).filter(student=lina).exists()


def test_a_class_kept_in_the_back_office_is_adopted_by_name_and_a_taken_name_is_a_conflict(school_api, people):
    school = School.objects.create(code="dorf", name="Schulhaus Dorf")
    year = SchoolYear.objects.create(
        name="2026/27", starts_on=datetime.date(2026, 8, 1), ends_on=datetime.date(2027, 7, 31)
    )
    manual = SchoolClass.objects.create(school=school, school_year=year, name="3a", grade=3)

    response = school_api.post(URL, body(), format="json")

    assert response.json()["classes"] == counts(created=1, updated=1)
    manual.refresh_from_db()
    assert manual.external_id == "K-3A"

    other = body()
    other["classes"] = [{"schoolCode": "dorf", "externalId": "K-3X", "schoolYear": "2026/27", "name": "3A"}]
    conflict = assert_problem(school_api.post(URL, other, format="json"), 400, "validation-error")
    assert [(e["pointer"], e["code"]) for e in conflict["errors"]] == [("#/classes/0/name", "conflict")]


def test_queries_do_not_grow_with_the_rows(school_api, db):
    def delivery(code, size):
        for index in range(size):
            UserFactory(email=f"{code}-s{index}@schule.example")
            UserFactory(email=f"{code}-g{index}@schule.example")
        return {
            "schools": [{"code": code, "name": code}],
            "schoolYears": [{"name": f"{code}-26/27", "startsOn": "2026-08-01", "endsOn": "2027-07-31"}],
            "classes": [
                {"schoolCode": code, "externalId": f"C{index}", "schoolYear": f"{code}-26/27", "name": f"{index}a"}
                for index in range(size)
            ],
            "enrolments": [
                {"schoolCode": code, "classExternalId": f"C{index}", "studentEmail": f"{code}-s{index}@schule.example"}
                for index in range(size)
            ],
            "guardianships": [
                {"guardianEmail": f"{code}-g{index}@schule.example", "studentEmail": f"{code}-s{index}@schule.example"}
                for index in range(size)
            ],
            "teachingAssignments": [
                {"schoolCode": code, "classExternalId": f"C{index}", "teacherEmail": f"{code}-g{index}@schule.example"}
                for index in range(size)
            ],
            "replaceEnrolments": True,
        }

    def queries(payload):
        with CaptureQueriesContext(connection) as captured:
            response = school_api.post(URL, payload, format="json")
        assert response.status_code == 200, response.content
        return len(captured), response.json()

    small, large = delivery("klein", 10), delivery("gross", 100)
    queries({})  # the token's first use of the minute notes its last use: one query more, not ours
    created_small, result_small = queries(small)
    created_large, result_large = queries(large)
    assert result_large["enrolments"]["created"] == 100 and result_large["teachingAssignments"]["created"] == 100
    assert created_large == created_small

    for payload in (small, large):  # updates: every class renamed, every custody changed
        for row in payload["classes"]:
            row["name"] += "-neu"
        for row in payload["guardianships"]:
            row["hasCustody"] = False
    updated_small, _ = queries(small)
    updated_large, result = queries(large)
    assert result["classes"]["updated"] == 100 and result["guardianships"]["updated"] == 100
    assert updated_large == updated_small
    assert result_small["classes"]["created"] == 10


# --- who may call it ------------------------------------------------------------------------------------------

CALLERS = {
    # caller: (read types, write types, active) or None for no token; expected status and problem type
    "school administration": ((["school_records"], ["school_records"], True), 200, None),
    "writes school records only": (([], ["school_records"], True), 200, None),
    "reads school records only": ((["school_records"], [], True), 403, "insufficient-scope"),
    "cases application": ((["cases"], ["cases"], True), 403, "insufficient-scope"),
    "tax application": ((["tax_accounts"], ["tax_accounts"], True), 403, "insufficient-scope"),
    "absences reader": ((["absences"], [], True), 403, "insufficient-scope"),
    "inactive school administration": ((["school_records"], ["school_records"], False), 401, None),
    "no token": (None, 401, None),
}


@pytest.mark.parametrize("caller", CALLERS)
def test_only_an_application_that_may_write_school_records_delivers_them(caller, make_application, people):
    scopes, expected, code = CALLERS[caller]
    if scopes is None:
        client = APIClient()
    else:
        read, write, active = scopes
        client = bearer(make_application(read=read, write=write, is_active=active)[1])

    response = client.post(URL, body(), format="json")

    if expected == 200:
        assert response.status_code == 200, response.content
        assert School.objects.filter(code="dorf").exists()
        return
    problem = assert_problem(response, expected, code)
    if expected == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert problem["instance"] == URL
    assert School.objects.count() == 0 and Enrolment.objects.count() == 0


def test_only_post_is_offered(school_api):
    assert_problem(school_api.get(URL), 405)
    assert_problem(school_api.put(URL, body(), format="json"), 405)


def test_a_retried_post_with_the_same_idempotency_key_is_replayed(school_api, people):
    first = school_api.post(URL, body(), format="json", headers={"Idempotency-Key": "batch-1"})
    replay = school_api.post(URL, body(), format="json", headers={"Idempotency-Key": "batch-1"})
    other = school_api.post(URL, {"schools": []}, format="json", headers={"Idempotency-Key": "batch-1"})

    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert_problem(other, 422, "idempotency-key-reused")


def test_a_batch_colliding_with_a_concurrent_one_answers_409_and_may_be_retried_with_its_key(
    school_api, people, monkeypatch
):
    real_write = school_records.sync._Batch.write

    def collide(batch):  # another batch inserted the same school a moment before this one's insert
        real_write(batch)
        raise IntegrityError("UNIQUE constraint failed: schools_school.code")

    monkeypatch.setattr(school_records.sync._Batch, "write", collide)
    collided = school_api.post(URL, body(), format="json", headers={"Idempotency-Key": "nightly"})

    assert_problem(collided, 409, "concurrent-update")
    assert School.objects.count() == 0 and Enrolment.objects.count() == 0  # rolled back as a whole
    monkeypatch.setattr(school_records.sync._Batch, "write", real_write)
    retried = school_api.post(URL, body(), format="json", headers={"Idempotency-Key": "nightly"})
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried
    assert retried.json()["schools"] == counts(created=1)


# --- absence events -------------------------------------------------------------------------------------------

EVENT_READERS = {
    # application's read types → receives absence events?
    ("absences",): True,
    ("school_records", "absences"): True,
    ("school_records",): False,
    ("cases",): False,
    ("tax_accounts",): False,
    (): False,
}


@pytest.mark.parametrize("read_types", EVENT_READERS)
def test_absence_events_reach_exactly_the_applications_that_may_read_absences(read_types, make_application):
    application, token = make_application(read=read_types, write=[])
    endpoint = WebhookEndpoint.objects.create(application=application, url="http://127.0.0.1:9/hook")
    reported = events.emit("absence.reported", record_type="absences", subject_id=1, data={"absenceId": 1})
    leave = events.emit(
        "leave_request.submitted", record_type="absences", subject_id=2, destination="dorf", data={"requestId": 2}
    )

    feed = bearer(token).get("/api/v1/events")

    assert feed.status_code == 200
    received = [(item["type"], item["id"]) for item in feed.json()["events"]]
    delivered = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_id", flat=True))
    if EVENT_READERS[read_types]:
        assert received == [("absence.reported", reported.pk), ("leave_request.submitted", leave.pk)]
        assert delivered == {reported.pk, leave.pk}
    else:
        assert received == [] and delivered == set()


def test_serving_a_service_brings_case_events_only_with_the_cases_read_permission(
    make_application, make_service_page, resident
):
    page = make_service_page(destination="schulamt")
    _app, absences_only = make_application(services=[page], destinations="schulamt", read=["absences"], write=[])
    _app, cases_only = make_application(services=[page], destinations="schulamt", read=["cases"], write=[])
    inactive, _token = make_application(read=["absences"], write=[], is_active=False)
    case = submit_case(page, resident)
    absence = events.emit("absence.reported", record_type="absences", subject_id=3)

    assert [e["type"] for e in bearer(absences_only).get("/api/v1/events").json()["events"]] == ["absence.reported"]
    assert [e["data"].get("reference") for e in bearer(cases_only).get("/api/v1/events").json()["events"]] == [
        case.reference
    ]
    assert inactive not in events.applications_for(absence)


# --- schema and demo ------------------------------------------------------------------------------------------


def test_the_schema_documents_the_endpoint_with_its_problems(db):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/school-records"]["post"]
    assert operation["operationId"] == "school_records_upsert"
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"200", "400", "401", "403", "422", "429"} <= set(operation["responses"])
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][request]["properties"]) == {
        "schools",
        "schoolYears",
        "classes",
        "enrolments",
        "guardianships",
        "teachingAssignments",
        "replaceEnrolments",
    }
    assert "pointer" in schema["components"]["schemas"]["FieldError"]["properties"]


def test_the_demo_school_administration_delivers_the_documented_example_with_its_published_token(db):
    records = ensure_demo_school_records(ensure_demo_users())
    application, token = ensure_demo_school_application()
    again, _token = ensure_demo_school_application()

    assert again.pk == application.pk and token == SCHOOL_DEMO_TOKEN
    assert SpecialistApplication.objects.filter(slug=SCHOOL_DEMO_SLUG).count() == 1
    assert application.tokens.count() == 1
    assert (application.name, application.read_types, application.write_types) == (
        "Schulverwaltung Musterwil",
        ["school_records", "absences"],
        ["school_records"],
    )
    example, year = copy.deepcopy(school_records.EXAMPLE), records["school_year"]  # the year of today's demo
    example["schoolYears"][0].update(name=year.name, startsOn=str(year.starts_on), endsOn=str(year.ends_on))
    for row, term in zip(example["schoolYears"][0]["terms"], records["terms"], strict=True):
        row.update(startsOn=str(term.starts_on), endsOn=str(term.ends_on))
    example["classes"][0]["schoolYear"] = year.name
    response = bearer(SCHOOL_DEMO_TOKEN).post(URL, example, format="json")

    assert response.status_code == 200, response.content
    result = response.json()
    assert result["skipped"] == [] and result["terms"] == counts(unchanged=2)
    assert result["classes"] == counts(updated=1) and result["guardianships"] == counts(unchanged=1)
    records["classes"]["3a"].refresh_from_db()
    assert records["classes"]["3a"].external_id == "K-3A"  # the demo's class 3a, taken over
    assert bearer(SCHOOL_DEMO_TOKEN).get("/api/v1/cases").json()["results"] == []

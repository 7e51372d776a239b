"""Course registrations, the rules: places, waiting list, moving up, fees, cancelling, eligibility, summaries."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from account.models import Notification
from schools import courses, summaries
from schools.models import Course, CourseRegistration, Enrolment, Guardianship, School, SchoolClass
from services.models import Case, CaseEvent, CaseStatus, Payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = CourseRegistration.Status


def make_course(world, **changes):
    now = timezone.now()
    values = {
        "school": world["school"],
        "title": "Schach für Einsteiger",
        "min_grade": 3,
        "max_grade": 6,
        "capacity": 2,
        "registration_opens_at": now - datetime.timedelta(days=1),
        "registration_closes_at": now + datetime.timedelta(days=7),
        "starts_on": timezone.localdate() + datetime.timedelta(days=30),
        "schedule": "Mittwoch 14–15 Uhr, Schulzimmer 3a",
        "fee_rappen": 4000,
    }
    values.update(changes)
    return Course.objects.create(**values)


def family(world, school_class=None, **guardianship):
    """A new child in the class (3a by default) with a guardian who has custody."""
    child, guardian = UserFactory(language="en"), UserFactory(language="en")
    Enrolment.objects.create(student=child, school_class=school_class or world["class_a"])
    Guardianship.objects.create(guardian=guardian, student=child, **guardianship)
    return guardian, child


def fill(world, course, count):
    registrations = []
    for _ in range(count):
        guardian, child = family(world)
        registrations.append(courses.register(guardian, course, child))
    return registrations


def test_a_place_is_registered_and_billed_to_the_guardian(school_world):
    course = make_course(school_world)

    registration = courses.register(school_world["parent"], course, school_world["child"])

    registration.refresh_from_db()
    assert registration.status == Status.REGISTERED
    assert registration.registered_by == school_world["parent"]
    case = registration.fee_case
    assert case.owner_user == school_world["parent"]
    assert case.status == CaseStatus.SUBMITTED
    assert case.fee_rappen == 4000
    assert "Schach für Einsteiger" in case.title
    assert school_world["child"].get_full_name() in case.title
    assert case.payments.get().status == Payment.Status.OPEN
    assert case.payments.get().amount_rappen == 4000
    assert case.data["line_0"] == "Schach für Einsteiger"


def test_a_free_course_bills_nothing(school_world):
    course = make_course(school_world, fee_rappen=0)

    registration = courses.register(school_world["parent"], course, school_world["child"])

    assert registration.status == Status.REGISTERED
    assert registration.fee_case is None
    assert not Case.objects.exists()


def test_a_full_course_puts_children_on_the_waiting_list_in_order_without_a_bill(school_world):
    course = make_course(school_world)
    fill(school_world, course, 2)

    first = courses.register(school_world["parent"], course, school_world["child"])
    second = courses.register(school_world["classmate_parent"], course, school_world["classmate"])

    assert (first.status, second.status) == (Status.WAITING, Status.WAITING)
    assert first.fee_case is None and second.fee_case is None
    assert Case.objects.count() == 2  # only the two places
    assert [courses.position_of(r) for r in (first, second)] == [1, 2]
    annotated = {r.pk: r for r in courses.with_positions(CourseRegistration.objects.filter(status=Status.WAITING))}
    assert courses.position_of(annotated[second.pk]) == 2
    assert courses.waiting_label(2) == "2nd on the waiting list"
    assert [courses.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 21, 22)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "21st",
        "22nd",
    ]


def test_cancelling_a_place_moves_the_first_waiting_child_up_bills_and_tells_its_guardians(school_world):
    course = make_course(school_world)
    taken, _other = fill(school_world, course, 2)
    second_guardian = UserFactory(language="en")
    Guardianship.objects.create(guardian=second_guardian, student=school_world["child"])
    waiting = courses.register(school_world["parent"], course, school_world["child"])
    behind = courses.register(school_world["classmate_parent"], course, school_world["classmate"])
    cancelled_case = taken.fee_case
    Notification.objects.all().delete()

    courses.cancel(taken.registered_by, taken)

    taken.refresh_from_db()
    waiting.refresh_from_db()
    behind.refresh_from_db()
    assert taken.status == Status.CANCELLED and taken.cancelled_at is not None
    assert waiting.status == Status.REGISTERED and waiting.moved_up_at is not None
    assert behind.status == Status.WAITING and courses.position_of(behind) == 1
    # the place that moved up is billed to the guardian who registered
    assert waiting.fee_case.owner_user == school_world["parent"]
    assert waiting.fee_case.payments.get().status == Payment.Status.OPEN
    # both guardians with custody are told; the guardian with information right only is not
    told = Notification.objects.filter(kind="school", title__startswith="Place available")
    assert set(told.values_list("user", flat=True)) == {school_world["parent"].pk, second_guardian.pk}
    notice = told.get(user=school_world["parent"])
    assert school_world["child"].get_full_name() in notice.title
    assert "billed to you" in notice.body
    assert notice.url.endswith(f"/account/school/courses/{course.pk}/")
    assert "billed to you" not in told.get(user=second_guardian).body
    # the unpaid fee of the cancelled place is cancelled and its bill withdrawn, with a note
    cancelled_case.refresh_from_db()
    assert cancelled_case.payments.get().status == Payment.Status.CANCELLED
    assert cancelled_case.status == CaseStatus.WITHDRAWN
    assert cancelled_case.events.filter(kind=CaseEvent.Kind.PAYMENT, text__contains="Fee cancelled").exists()
    assert course.registrations.filter(status=Status.REGISTERED).count() == 2


def test_a_paid_fee_stays_paid_when_the_place_is_cancelled(school_world):
    from services import cases

    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    cases.mark_paid(registration.fee_case.payments.get(), method=Payment.Method.QR_BILL)

    courses.cancel(school_world["parent"], registration)

    payment = registration.fee_case.payments.get()
    assert payment.status == Payment.Status.PAID
    registration.fee_case.refresh_from_db()
    assert registration.fee_case.status == CaseStatus.SUBMITTED


def test_cancelling_a_waiting_place_moves_nobody_up(school_world):
    course = make_course(school_world, capacity=1)
    (taken,) = fill(school_world, course, 1)
    waiting = courses.register(school_world["parent"], course, school_world["child"])
    behind = courses.register(school_world["classmate_parent"], course, school_world["classmate"])

    courses.cancel(school_world["parent"], waiting)

    taken.refresh_from_db()
    behind.refresh_from_db()
    assert taken.status == Status.REGISTERED
    assert behind.status == Status.WAITING and courses.position_of(behind) == 1
    assert CourseRegistration.objects.get(pk=waiting.pk).status == Status.CANCELLED


def test_registering_again_after_cancelling_creates_a_new_registration(school_world):
    course = make_course(school_world)
    first = courses.register(school_world["parent"], course, school_world["child"])
    courses.cancel(school_world["parent"], first)

    again = courses.register(school_world["parent"], course, school_world["child"])

    assert again.pk != first.pk
    assert again.status == Status.REGISTERED
    assert again.fee_case != first.fee_case
    assert CourseRegistration.objects.filter(student=school_world["child"]).count() == 2


@pytest.mark.parametrize("first_status", ["registered", "waiting"])
def test_a_child_is_registered_only_once(school_world, first_status):
    course = make_course(school_world, capacity=0 if first_status == "waiting" else 2)
    courses.register(school_world["parent"], course, school_world["child"])

    with pytest.raises(courses.CourseError, match="already"):
        courses.register(school_world["parent"], course, school_world["child"])
    assert CourseRegistration.objects.count() == 1


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(2, 9, "Registration opens on"), (-9, -2, "has closed")],
)
def test_registration_only_while_the_window_is_open(school_world, opens, closes, message):
    now = timezone.now()
    course = make_course(
        school_world,
        registration_opens_at=now + datetime.timedelta(days=opens),
        registration_closes_at=now + datetime.timedelta(days=closes),
    )

    with pytest.raises(courses.CourseError, match=message):
        courses.register(school_world["parent"], course, school_world["child"])
    assert not CourseRegistration.objects.exists()


@pytest.mark.parametrize(
    ("min_grade", "max_grade", "open_to_3a"),
    [(3, 6, True), (None, None, True), (None, 3, True), (4, None, False), (1, 2, False), (3, 3, True)],
)
def test_only_children_of_a_fitting_grade_may_register(school_world, min_grade, max_grade, open_to_3a):
    course = make_course(school_world, min_grade=min_grade, max_grade=max_grade)

    assert courses.is_eligible(course, school_world["child"]) is open_to_3a
    assert courses.courses_visible_to(school_world["parent"]).filter(pk=course.pk).exists() is open_to_3a
    if not open_to_3a:
        with pytest.raises(courses.CourseError, match="not open"):
            courses.register(school_world["parent"], course, school_world["child"])


def test_a_course_of_another_school_is_not_open(school_world):
    other = School.objects.create(name="Schulhaus Berg", code="berg")
    SchoolClass.objects.create(school=other, school_year=school_world["year"], name="3a", grade=3)
    course = make_course(school_world, school=other)

    assert not courses.courses_visible_to(school_world["parent"]).exists()
    with pytest.raises(courses.CourseError):
        courses.register(school_world["parent"], course, school_world["child"])


def test_a_class_without_grade_sees_only_courses_without_a_lower_bound(school_world):
    no_grade = SchoolClass.objects.create(school=school_world["school"], school_year=school_world["year"], name="DaZ")
    guardian, child = family(school_world, no_grade)
    bounded = make_course(school_world)
    open_course = make_course(school_world, title="Theater", min_grade=None, max_grade=None)

    assert list(courses.courses_visible_to(guardian)) == [open_course]
    assert courses.is_eligible(open_course, child) and not courses.is_eligible(bounded, child)


@pytest.mark.parametrize("role", ["informed_parent", "classmate_parent", "teacher", "child", "stranger"])
def test_only_a_guardian_who_may_act_registers_and_cancels(school_world, role):
    course = make_course(school_world)
    with pytest.raises(courses.NotAllowed):
        courses.register(school_world[role], course, school_world["child"])
    registration = courses.register(school_world["parent"], course, school_world["child"])

    with pytest.raises(courses.NotAllowed):
        courses.cancel(school_world[role], registration)
    registration.refresh_from_db()
    assert registration.status == Status.REGISTERED


def test_no_cancelling_once_the_course_has_started(school_world):
    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    Course.objects.filter(pk=course.pk).update(starts_on=timezone.localdate())

    with pytest.raises(courses.CourseError, match="has started"):
        courses.cancel(school_world["parent"], registration)
    registration.refresh_from_db()
    assert registration.status == Status.REGISTERED


def test_cancelling_twice_is_refused(school_world):
    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    courses.cancel(school_world["parent"], registration)

    with pytest.raises(courses.CourseError, match="already been cancelled"):
        courses.cancel(school_world["parent"], registration)


def test_more_places_go_to_those_waiting_first(school_world):
    course = make_course(school_world, capacity=1)
    fill(school_world, course, 1)
    waiting = courses.register(school_world["parent"], course, school_world["child"])
    Course.objects.filter(pk=course.pk).update(capacity=2)

    # a newcomer after the capacity was raised does not jump the queue
    late = courses.register(school_world["classmate_parent"], course, school_world["classmate"])

    waiting.refresh_from_db()
    assert waiting.status == Status.REGISTERED and waiting.fee_case is not None
    assert late.status == Status.WAITING


def test_fill_places_moves_up_as_many_as_there_are_new_places(school_world):
    course = make_course(school_world, capacity=1)
    fill(school_world, course, 1)
    waiting = [courses.register(school_world["parent"], course, school_world["child"])]
    waiting.append(courses.register(school_world["classmate_parent"], course, school_world["classmate"]))
    Course.objects.filter(pk=course.pk).update(capacity=2)

    moved = courses.fill_places(course)

    assert [r.pk for r in moved] == [waiting[0].pk]
    assert course.registrations.filter(status=Status.REGISTERED).count() == 2


def test_capacity_is_never_exceeded_by_many_registrations(school_world):
    course = make_course(school_world, capacity=3)
    registrations = fill(school_world, course, 6)

    assert [r.status for r in registrations] == [Status.REGISTERED] * 3 + [Status.WAITING] * 3
    assert course.registrations.filter(status=Status.REGISTERED).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_concurrent_registrations_never_exceed_the_capacity(school_world):
    from django.db import connections

    course = make_course(school_world, capacity=2)
    families = [family(school_world) for _ in range(8)]
    barrier = threading.Barrier(len(families))
    errors = []

    def register(guardian, child):
        try:
            barrier.wait()
            courses.register(guardian, course, child)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=pair) for pair in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert course.registrations.filter(status=Status.REGISTERED).count() == 2
    assert course.registrations.filter(status=Status.WAITING).count() == 6


def test_the_childs_summary_lists_active_registrations_with_the_waiting_position(
    school_world, django_assert_max_num_queries
):
    full = make_course(school_world, capacity=1, title="Schach")
    fill(school_world, full, 1)
    other = make_course(school_world, title="Theater", fee_rappen=0)
    gone = make_course(school_world, title="Werken")
    courses.register(school_world["parent"], full, school_world["child"])
    courses.register(school_world["parent"], other, school_world["child"])
    courses.cancel(school_world["parent"], courses.register(school_world["parent"], gone, school_world["child"]))

    for viewer in ("parent", "informed_parent", "child"):
        with django_assert_max_num_queries(2):
            summary = courses.child_summary(school_world[viewer], school_world["child"])
        assert sorted((e["course"].title, e["label"]) for e in summary["registrations"]) == [
            ("Schach", "1st on the waiting list"),
            ("Theater", "Registered"),
        ]
    for viewer in ("teacher", "classmate_parent", "classmate", "stranger"):
        assert courses.child_summary(school_world[viewer], school_world["child"]) is None
    entries = summaries.for_child(school_world["parent"], school_world["child"])
    assert any(e["key"] == "courses" and e["template"] == "schools/courses/summary_child.html" for e in entries)


def test_moving_up_is_also_sent_by_email(school_world, mailoutbox, django_capture_on_commit_callbacks):
    course = make_course(school_world, capacity=1, fee_rappen=0)
    (taken,) = fill(school_world, course, 1)
    courses.register(school_world["parent"], course, school_world["child"])
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        courses.cancel(taken.registered_by, taken)

    sent = [m for m in mailoutbox if school_world["parent"].email in m.to]
    assert len(sent) == 1
    assert "Place available" in sent[0].subject
    assert school_world["child"].get_full_name() in sent[0].subject

"""The back office of courses: courses with places and waiting list, registrations read-only, capacity raised moves
those waiting up, the audit trail of registrations shown; and the demo courses.

The ModelAdmin classes are in the "Schools" menu (schools/wagtail_hooks.py); the tests use the admin's own URLs.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from wagtail.users.models import UserProfile

from account.demo_users import ensure_demo_users
from account.models import PersonalDataAccess
from schools import courses
from schools.demo_content import ensure_demo_school_records
from schools.demo_courses import CHESS, THEATRE, ensure_demo_courses
from schools.models import Course, CourseRegistration, Enrolment, Guardianship
from services.models import Case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = CourseRegistration.Status
COURSES = "/admin/schools/course/"
REGISTRATIONS = "/admin/schools/courseregistration/"


def english_admin(user):
    """The back office speaks the language of the user's Wagtail profile."""
    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})
    return user


def make_course(world, **changes):
    now = timezone.now()
    values = {
        "school": world["school"],
        "title": "Schach für Einsteiger",
        "min_grade": 3,
        "max_grade": 6,
        "capacity": 1,
        "registration_opens_at": now - datetime.timedelta(days=1),
        "registration_closes_at": now + datetime.timedelta(days=7),
        "starts_on": timezone.localdate() + datetime.timedelta(days=30),
        "fee_rappen": 4000,
    }
    values.update(changes)
    return Course.objects.create(**values)


@pytest.fixture
def full_course(school_world):
    course = make_course(school_world)
    courses.register(school_world["classmate_parent"], course, school_world["classmate"])
    courses.register(school_world["parent"], course, school_world["child"])
    return course


@pytest.fixture
def admin_user(db):
    return english_admin(UserFactory(is_staff=True, is_superuser=True, language="en"))


def staff_with(*codenames):
    user = english_admin(UserFactory(is_staff=True, language="en"))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="schools", codename__in=codenames),
    )
    return user


def test_the_course_list_shows_places_taken_and_the_waiting_list(client, admin_user, full_course):
    client.force_login(admin_user)

    response = client.get(COURSES)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Schach für Einsteiger" in page
    assert "Places taken" in page and "Waiting list" in page


def test_the_course_inspect_view_lists_registrations_in_order_and_audits_them(
    client, admin_user, full_course, school_world
):
    client.force_login(admin_user)

    page = client.get(f"{COURSES}inspect/{full_course.pk}/").content.decode()

    registered, waiting = page.index("Registered (1)"), page.index("Waiting list (1)")
    assert registered < page.index(school_world["classmate"].get_full_name()) < waiting
    assert waiting < page.index(school_world["child"].get_full_name())
    assert set(PersonalDataAccess.objects.values_list("subject_id", flat=True)) == {
        school_world["classmate"].pk,
        school_world["child"].pk,
    }


def test_registrations_are_listed_by_course_and_never_edited_here(client, admin_user, full_course, school_world):
    other = make_course(school_world, title="Theater")
    courses.register(school_world["other_parent"], other, school_world["other_child"])
    client.force_login(admin_user)

    page = client.get(f"{REGISTRATIONS}?course__id__exact={full_course.pk}").content.decode()

    assert school_world["child"].get_full_name() in page
    assert school_world["other_child"].get_full_name() not in page
    assert PersonalDataAccess.objects.filter(subject_id=school_world["child"].pk).exists()
    registration = CourseRegistration.objects.get(student=school_world["child"])
    # Wagtail answers a refused admin view by sending the person back to the admin's start page.
    for response in (
        client.get(f"{REGISTRATIONS}create/"),
        client.get(f"{REGISTRATIONS}edit/{registration.pk}/"),
        client.post(f"{REGISTRATIONS}delete/{registration.pk}/"),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert CourseRegistration.objects.filter(pk=registration.pk).exists()
    # undeclared filters are dropped (no filtering on a student's private fields)
    page = client.get(f"{REGISTRATIONS}?student__email__startswith=zzz").content.decode()
    assert school_world["child"].get_full_name() in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("view_course", 200), ("change_course", 200), ("view_enrolment", 302), ("non_staff", 302)],
)
def test_the_course_list_needs_a_course_permission(client, full_course, who, status):
    if who == "non_staff":
        user = UserFactory(language="en")
        user.user_permissions.add(Permission.objects.get(content_type__app_label="schools", codename="view_course"))
    else:
        user = staff_with(who)
    client.force_login(user)

    # Refused: staff without a course permission go back to the admin's start page, others to the login.
    assert client.get(COURSES).status_code == status


def course_form(course, **changes):
    data = {
        "school": course.school_id,
        "title": course.title,
        "description": course.description,
        "min_grade": course.min_grade,
        "max_grade": course.max_grade,
        "capacity": course.capacity,
        "registration_opens_at": timezone.localtime(course.registration_opens_at).strftime("%Y-%m-%d %H:%M"),
        "registration_closes_at": timezone.localtime(course.registration_closes_at).strftime("%Y-%m-%d %H:%M"),
        "starts_on": course.starts_on.isoformat(),
        "ends_on": "",
        "schedule": course.schedule,
        "fee_rappen": course.fee_rappen,
    }
    data.update(changes)
    return data


def test_raising_the_capacity_moves_those_waiting_up(client, admin_user, full_course, school_world):
    client.force_login(admin_user)

    response = client.post(f"{COURSES}edit/{full_course.pk}/", course_form(full_course, capacity=2))

    assert response.status_code == 302
    registration = CourseRegistration.objects.get(student=school_world["child"])
    assert registration.status == Status.REGISTERED and registration.moved_up_at is not None
    assert registration.fee_case.owner_user == school_world["parent"]


def test_the_course_form_checks_dates_grades_and_places(client, admin_user, full_course):
    client.force_login(admin_user)
    before = timezone.localtime(full_course.registration_opens_at - datetime.timedelta(days=1))

    response = client.post(
        f"{COURSES}edit/{full_course.pk}/",
        course_form(
            full_course,
            registration_closes_at=before.strftime("%Y-%m-%d %H:%M"),
            min_grade=5,
            max_grade=3,
            capacity=0,
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Registration must close after it opens." in page
    assert "The highest grade cannot be below the lowest." in page
    assert "A course needs at least one place." in page
    full_course.refresh_from_db()
    assert full_course.capacity == 1


# --- demo ------------------------------------------------------------------------------------------------------


def test_the_demo_courses_are_idempotent_and_show_a_full_chess_course_with_lina_waiting():
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    ensure_demo_courses(records, users)
    first = {
        "courses": Course.objects.count(),
        "registrations": CourseRegistration.objects.count(),
        "cases": Case.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "guardianships": Guardianship.objects.count(),
    }
    demo = ensure_demo_courses(records, ensure_demo_users())

    assert {
        "courses": Course.objects.count(),
        "registrations": CourseRegistration.objects.count(),
        "cases": Case.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "guardianships": Guardianship.objects.count(),
    } == first
    chess, theatre = demo["chess"], demo["theatre"]
    assert (chess.title, theatre.title) == (CHESS, THEATRE)
    assert (chess.min_grade, chess.max_grade, chess.capacity, chess.fee_rappen) == (3, 6, 2, 4000)
    assert courses.window_state(chess) == "open" and courses.window_state(theatre) == "open"
    placed = chess.registrations.filter(status=Status.REGISTERED)
    assert placed.count() == 2
    assert not placed.filter(student__guardians__guardian=users["parent"]).exists()
    assert all(r.fee_case is not None for r in placed)
    lina = chess.registrations.get(student=records["children"]["lina"])
    assert lina.status == Status.WAITING and lina.registered_by == users["parent"]
    assert courses.position_of(lina) == 1
    assert courses.places_left(theatre) == theatre.capacity
    # the demo parent sees both courses for Lina
    visible = set(courses.courses_visible_to(users["parent"]).values_list("title", flat=True))
    assert {CHESS, THEATRE} <= visible

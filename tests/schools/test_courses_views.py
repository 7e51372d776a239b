"""Course registrations in the account: what each role sees and may do (authorisation tables), the pages' content,
registering and cancelling through the forms, and query counts."""

import datetime

import pytest
from django.utils import timezone

from schools import courses
from schools.models import Course, CourseRegistration, Enrolment, Guardianship
from services.models import Payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = CourseRegistration.Status
BASE = "/en/account/school/courses/"
ALL_ROLES = (
    "parent",
    "informed_parent",
    "other_parent",
    "classmate_parent",
    "teacher",
    "subject_teacher",
    "other_teacher",
    "child",
    "classmate",
    "other_child",
    "stranger",
    "anonymous",
)


def make_course(world, **changes):
    now = timezone.now()
    values = {
        "school": world["school"],
        "title": "Schach für Einsteiger",
        "min_grade": 3,
        "max_grade": 3,  # open to 3a (child, classmate), not to 5b (other_child)
        "capacity": 2,
        "registration_opens_at": now - datetime.timedelta(days=1),
        "registration_closes_at": now + datetime.timedelta(days=7),
        "starts_on": timezone.localdate() + datetime.timedelta(days=30),
        "fee_rappen": 4000,
    }
    values.update(changes)
    return Course.objects.create(**values)


def family(world, school_class=None):
    child, guardian = UserFactory(language="en"), UserFactory(language="en")
    Enrolment.objects.create(student=child, school_class=school_class or world["class_a"])
    Guardianship.objects.create(guardian=guardian, student=child)
    return guardian, child


def client_for(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    return client


def assert_login_redirect(response):
    assert response.status_code == 302
    assert "/auth/login/" in response["Location"] or "login" in response["Location"]


# --- authorisation tables -------------------------------------------------------------------------------------

# Course (grade 3 only, school of 3a): who may open its page, and what a POST to register the child does.
# 200: sees the page; 404: not visible (never reveals the course); 302: login first.
COURSE_SEE = {
    "parent": 200,
    "informed_parent": 200,
    "other_parent": 404,  # their child is in grade 5
    "classmate_parent": 200,  # the course is open to their own child
    "teacher": 404,  # teachers see nothing here
    "subject_teacher": 404,
    "other_teacher": 404,
    "child": 200,
    "classmate": 200,
    "other_child": 404,
    "stranger": 404,
    "anonymous": 302,
}
# POST register the child: (status, registration stored)
# 302 → registered; 403 → sees the course but may act for no child; 200 → form error (not their child); 404 unseen
COURSE_REGISTER = {
    "parent": (302, True),
    "informed_parent": (403, False),
    "other_parent": (404, False),
    "classmate_parent": (200, False),
    "teacher": (404, False),
    "subject_teacher": (404, False),
    "other_teacher": (404, False),
    "child": (403, False),
    "classmate": (403, False),
    "other_child": (404, False),
    "stranger": (404, False),
    "anonymous": (302, False),
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_a_course(client, school_world, role):
    course = make_course(school_world)

    response = client_for(client, school_world, role).get(f"{BASE}{course.pk}/")

    assert response.status_code == COURSE_SEE[role]
    if role == "anonymous":
        assert_login_redirect(response)
    elif response.status_code == 200:
        assert "Schach für Einsteiger" in response.content.decode()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_registers_the_child_for_a_course(client, school_world, role):
    course = make_course(school_world)

    response = client_for(client, school_world, role).post(
        f"{BASE}{course.pk}/register/", {"student": school_world["child"].pk}
    )

    status, stored = COURSE_REGISTER[role]
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    assert CourseRegistration.objects.filter(student=school_world["child"]).exists() is stored
    if status == 200:
        assert "Choose one of your children this course is open to." in response.content.decode()


# CourseRegistration of the child: who sees it in the list of courses and on the course page.
REGISTRATION_SEE = {
    "parent": True,
    "informed_parent": True,
    "other_parent": False,
    "classmate_parent": False,
    "teacher": False,
    "subject_teacher": False,
    "other_teacher": False,
    "child": True,
    "classmate": False,
    "other_child": False,
    "stranger": False,
    "anonymous": False,
}
# Cancel the child's registration: GET of the confirmation page and POST, (status, cancelled afterwards).
REGISTRATION_CANCEL = {
    "parent": (200, 302, True),
    "informed_parent": (403, 403, False),
    "other_parent": (404, 404, False),
    "classmate_parent": (404, 404, False),
    "teacher": (404, 404, False),
    "subject_teacher": (404, 404, False),
    "other_teacher": (404, 404, False),
    "child": (403, 403, False),
    "classmate": (404, 404, False),
    "other_child": (404, 404, False),
    "stranger": (404, 404, False),
    "anonymous": (302, 302, False),
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_the_childs_registration(client, school_world, role):
    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    marker = f'data-registration="{registration.pk}"'
    client = client_for(client, school_world, role)

    listing = client.get(BASE)
    detail = client.get(f"{BASE}{course.pk}/")

    if role == "anonymous":
        assert_login_redirect(listing)
        return
    assert listing.status_code == 200
    assert (marker in listing.content.decode()) is REGISTRATION_SEE[role]
    assert (school_world["child"].get_full_name() in listing.content.decode()) is REGISTRATION_SEE[role]
    if detail.status_code == 200:
        assert (marker in detail.content.decode()) is REGISTRATION_SEE[role]
    else:
        assert not REGISTRATION_SEE[role]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_cancels_the_childs_registration(client, school_world, role):
    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    url = f"{BASE}registrations/{registration.pk}/cancel/"
    client = client_for(client, school_world, role)
    see, act, cancelled = REGISTRATION_CANCEL[role]

    assert client.get(url).status_code == see
    response = client.post(url)

    assert response.status_code == act
    if role == "anonymous":
        assert_login_redirect(response)
    registration.refresh_from_db()
    assert (registration.status == Status.CANCELLED) is cancelled


# --- pages ---------------------------------------------------------------------------------------------------


def test_the_guardian_sees_each_childs_courses_places_window_and_fee(client, school_world):
    make_course(school_world, title="Schach", max_grade=6)
    make_course(school_world, title="Theater", min_grade=None, max_grade=None, fee_rappen=0, capacity=12)
    make_course(school_world, title="Nur 5b", min_grade=5, max_grade=5)
    # the parent also has custody of other_child (5b) here
    Guardianship.objects.create(guardian=school_world["parent"], student=school_world["other_child"])
    client.force_login(school_world["parent"])

    page = client.get(BASE).content.decode()

    child_section = page.split(f'data-student="{school_world["child"].pk}"')[1].split("</section>")[0]
    other_section = page.split(f'data-student="{school_world["other_child"].pk}"')[1].split("</section>")[0]
    assert "Schach" in child_section and "Theater" in child_section and "Nur 5b" not in child_section
    assert "Nur 5b" in other_section and "Schach" in other_section
    assert "2 places left" in child_section and "12 places left" in child_section
    assert "CHF 40.00" in child_section and "No fee" in child_section
    assert "Open until" in child_section
    assert "(3a)" in child_section


def test_registering_a_child_for_a_full_course_puts_it_on_the_waiting_list(client, school_world):
    course = make_course(school_world, capacity=1)
    other_guardian, other_child = family(school_world)
    courses.register(other_guardian, course, other_child)
    client.force_login(school_world["parent"])

    page = client.get(f"{BASE}{course.pk}/").content.decode()
    assert "Full – waiting list" in page
    assert "Put on the waiting list" in page
    response = client.post(f"{BASE}{course.pk}/register/", {"student": school_world["child"].pk}, follow=True)

    page = response.content.decode()
    assert "is 1st on the waiting list" in page
    assert "Billed only when a place is free" in page
    registration = CourseRegistration.objects.get(student=school_world["child"])
    assert registration.status == Status.WAITING and registration.fee_case is None

    # the other family cancels: the child moves up and the parent sees the fee to pay
    courses.cancel(other_guardian, CourseRegistration.objects.get(student=other_child))
    page = client.get(f"{BASE}{course.pk}/").content.decode()
    registration.refresh_from_db()
    assert "Registered" in page
    assert f"/en/account/cases/{registration.fee_case.reference}/" in page
    assert "Pay CHF 40.00" in page


def test_registering_with_a_place_bills_and_links_to_the_payment(client, school_world):
    course = make_course(school_world)
    client.force_login(school_world["parent"])

    response = client.post(f"{BASE}{course.pk}/register/", {"student": school_world["child"].pk}, follow=True)

    page = response.content.decode()
    assert "is registered for Schach für Einsteiger" in page
    assert "The fee of CHF 40.00 is billed to you." in page
    registration = CourseRegistration.objects.get(student=school_world["child"])
    assert f'href="/en/account/cases/{registration.fee_case.reference}/"' in page
    # the informed guardian sees the state of the fee but no payment link of someone else's bill
    client.force_login(school_world["informed_parent"])
    page = client.get(f"{BASE}{course.pk}/").content.decode()
    assert "billed to" in page and "Pay CHF" not in page
    assert "Cancel registration" not in page
    assert 'name="student"' not in page


def test_a_paid_fee_is_shown_as_paid(client, school_world):
    from services import cases

    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    cases.mark_paid(registration.fee_case.payments.get(), method=Payment.Method.QR_BILL)
    client.force_login(school_world["parent"])

    assert "CHF 40.00 paid" in client.get(BASE).content.decode()


def test_a_registration_error_is_shown_next_to_the_field_and_keeps_the_choice(client, school_world):
    course = make_course(school_world)
    courses.register(school_world["parent"], course, school_world["child"])
    # a second child of the parent in 3a, to keep a form on the page
    sibling = UserFactory(language="en")
    Enrolment.objects.create(student=sibling, school_class=school_world["class_a"])
    Guardianship.objects.create(guardian=school_world["parent"], student=sibling)
    client.force_login(school_world["parent"])

    response = client.post(f"{BASE}{course.pk}/register/", {"student": school_world["child"].pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the following:" in page
    assert "is already registered for this course." in page
    assert CourseRegistration.objects.count() == 1


def test_registration_outside_the_window_shows_why(client, school_world):
    now = timezone.now()
    course = make_course(
        school_world,
        registration_opens_at=now + datetime.timedelta(days=3),
        registration_closes_at=now + datetime.timedelta(days=9),
    )
    client.force_login(school_world["parent"])

    page = client.get(f"{BASE}{course.pk}/").content.decode()
    assert "Registration opens on" in page and 'name="student"' not in page
    response = client.post(f"{BASE}{course.pk}/register/", {"student": school_world["child"].pk})
    assert response.status_code == 200
    assert "Registration opens on" in response.content.decode()
    assert not CourseRegistration.objects.exists()


def test_cancelling_through_the_confirmation_page(client, school_world):
    course = make_course(school_world, capacity=1)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    waiting = courses.register(school_world["classmate_parent"], course, school_world["classmate"])
    client.force_login(school_world["parent"])

    page = client.get(f"{BASE}registrations/{registration.pk}/cancel/").content.decode()
    assert "The place goes to the first child on the waiting list." in page
    response = client.post(f"{BASE}registrations/{registration.pk}/cancel/", follow=True)

    assert "has been cancelled" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.REGISTERED


def test_a_cancelled_or_started_registration_cannot_be_cancelled_again(client, school_world):
    course = make_course(school_world)
    registration = courses.register(school_world["parent"], course, school_world["child"])
    Course.objects.filter(pk=course.pk).update(starts_on=timezone.localdate())
    client.force_login(school_world["parent"])

    response = client.post(f"{BASE}registrations/{registration.pk}/cancel/", follow=True)

    assert "can no longer be cancelled" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.REGISTERED
    assert "Cancel registration" not in client.get(BASE).content.decode()


def test_the_student_sees_own_registrations_but_cannot_register(client, school_world):
    course = make_course(school_world, capacity=0)
    courses.register(school_world["parent"], course, school_world["child"])
    client.force_login(school_world["child"])

    page = client.get(BASE).content.decode()

    assert "My courses" in page
    assert "1st on the waiting list" in page
    assert "Your guardians register you for courses" in page
    assert 'name="student"' not in client.get(f"{BASE}{course.pk}/").content.decode()


def test_a_teacher_gets_an_empty_page(client, school_world):
    make_course(school_world)
    client.force_login(school_world["teacher"])

    page = client.get(BASE).content.decode()

    assert "There is nothing to show for your account." in page
    assert "Schach" not in page


def test_the_german_page_is_unprefixed(client, school_world):
    make_course(school_world)
    school_world["parent"].language = "de"
    school_world["parent"].save()
    client.force_login(school_world["parent"])

    assert client.get("/account/school/courses/").status_code == 200


def test_the_list_costs_a_fixed_number_of_queries(client, school_world, django_assert_max_num_queries):
    client.force_login(school_world["parent"])

    def load():
        with django_assert_max_num_queries(30) as captured:
            assert client.get(BASE).status_code == 200
        return len(captured.captured_queries)

    make_course(school_world)
    load()  # the first request of a session fills caches (site, content types)
    few = load()
    for index in range(6):
        course = make_course(school_world, title=f"Kurs {index}", capacity=1)
        guardian, other = family(school_world)
        courses.register(guardian, course, other)
        courses.register(school_world["parent"], course, school_world["child"])
    sibling = UserFactory(language="en")
    Enrolment.objects.create(student=sibling, school_class=school_world["class_b"])
    Guardianship.objects.create(guardian=school_world["parent"], student=sibling)
    many = load()

    assert many == few


def test_the_course_page_costs_a_fixed_number_of_queries(client, school_world, django_assert_max_num_queries):
    course = make_course(school_world, capacity=1, fee_rappen=0)
    client.force_login(school_world["parent"])

    def load():
        with django_assert_max_num_queries(30) as captured:
            assert client.get(f"{BASE}{course.pk}/").status_code == 200
        return len(captured.captured_queries)

    load()  # the first request of a session fills caches (site, content types)
    few = load()
    for _ in range(5):
        guardian, other = family(school_world)
        courses.register(guardian, course, other)
    courses.register(school_world["parent"], course, school_world["child"])
    sibling = UserFactory(language="en")
    Enrolment.objects.create(student=sibling, school_class=school_world["class_a"])
    Guardianship.objects.create(guardian=school_world["parent"], student=sibling)

    assert load() <= few + 1  # the registration's fee row adds the payments prefetch once

"""Who sees and does what with grades: tables of role × record × action (DESIGN.md 5.4 and 7).

Records: a published Deutsch assessment of class 3a (grades for child and classmate), an unpublished Deutsch
assessment and an unpublished Musik assessment of 3a. `child` is in 3a; see tests/schools/conftest.py for the roles.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from schools import grades
from schools.models import Assessment, Grade

pytestmark = pytest.mark.django_db

LOGIN = "login"
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
    "head",
    "stranger",
    "anonymous",
)


@pytest.fixture
def records(school_world):
    w = school_world
    today = timezone.localdate()
    published = grades.save_assessment(
        w["teacher"],
        w["class_a"],
        subject="Deutsch",
        title="Diktat Herbst",
        date=today - datetime.timedelta(days=3),
        grades={w["child"].pk: ("5.25", "Sehr gut"), w["classmate"].pk: ("3.75", "")},
    )
    grades.publish(w["teacher"], published)
    draft = grades.save_assessment(
        w["teacher"],
        w["class_a"],
        subject="Deutsch",
        title="Aufsatz Entwurf",
        date=today,
        grades={w["child"].pk: ("2.5", ""), w["classmate"].pk: ("6", "")},
    )
    music = grades.save_assessment(
        w["subject_teacher"],
        w["class_a"],
        subject="Musik",
        title="Vorsingen",
        date=today,
        grades={w["child"].pk: ("4", "")},
    )
    return {"published": published, "draft": draft, "music": music}


def en(name, **kwargs):
    """The English address of a page (whatever language the previous request left active)."""
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def as_role(client, school_world, role):
    if role != "anonymous":
        client.force_login(school_world[role])
    return client


def outcome(response):
    if response.status_code == 302 and "/auth/login/" in response["Location"]:
        return LOGIN
    return response.status_code


# --- seeing a student's grades (Grade) ---------------------------------------------------------------------------

STUDENT_PAGE = {
    "parent": 200,
    "informed_parent": 404,  # information right only: the school does not allow it (the default)
    "other_parent": 404,
    "classmate_parent": 404,
    "teacher": 404,  # teachers see the class grid, not the family view
    "subject_teacher": 404,
    "other_teacher": 404,
    "child": 200,
    "classmate": 404,
    "other_child": 404,
    "head": 404,
    "stranger": 404,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_the_grades_of_a_child(client, school_world, records, role):
    url = en("school:grades_student", student_id=school_world["child"].pk)
    response = as_role(client, school_world, role).get(url)
    assert outcome(response) == STUDENT_PAGE[role]
    if response.status_code == 200:
        content = response.content.decode()
        assert "Diktat Herbst" in content and "5.25" in content and "Sehr gut" in content
        assert "3.75" not in content  # never a classmate's grade
        assert "Aufsatz Entwurf" not in content and "Vorsingen" not in content  # never unpublished


STUDENT_PAGE_SCHOOL_ALLOWS = {**STUDENT_PAGE, "informed_parent": 200}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_the_grades_when_the_school_lets_guardians_without_custody_see_them(
    client, school_world, records, role
):
    school_world["school"].grades_visible_without_custody = True
    school_world["school"].save()
    url = en("school:grades_student", student_id=school_world["child"].pk)
    response = as_role(client, school_world, role).get(url)
    assert outcome(response) == STUDENT_PAGE_SCHOOL_ALLOWS[role]


# --- seeing assessments (the class grid and the assessment form) -------------------------------------------------

CLASS_GRID = dict.fromkeys(ALL_ROLES, 404) | {"teacher": 200, "subject_teacher": 200, "anonymous": LOGIN}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_the_class_grid_with_unpublished_assessments(client, school_world, records, role):
    url = en("school:grades_class", class_id=school_world["class_a"].pk)
    response = as_role(client, school_world, role).get(url)
    assert outcome(response) == CLASS_GRID[role]
    if response.status_code == 200:
        content = response.content.decode()
        assert "Aufsatz Entwurf" in content and "Vorsingen" in content and "3.75" in content


# The Deutsch draft: the class teacher changes it; the Musik teacher sees it in the grid but may not change it.
EDIT_DEUTSCH = dict.fromkeys(ALL_ROLES, 404) | {"teacher": 200, "subject_teacher": 403, "anonymous": LOGIN}
# The Musik assessment: its teacher and the class teacher change it.
EDIT_MUSIK = dict.fromkeys(ALL_ROLES, 404) | {"teacher": 200, "subject_teacher": 200, "anonymous": LOGIN}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("record", "table"), [("draft", EDIT_DEUTSCH), ("music", EDIT_MUSIK)])
def test_who_opens_an_assessment_to_change_it(client, school_world, records, role, record, table):
    url = en("school:grades_edit", pk=records[record].pk)
    response = as_role(client, school_world, role).get(url)
    assert outcome(response) == table[role]


# --- acting on assessments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("record", "table"), [("draft", EDIT_DEUTSCH), ("music", EDIT_MUSIK)])
def test_who_publishes_an_assessment(client, school_world, records, role, record, table):
    assessment = records[record]
    url = en("school:grades_publish", pk=assessment.pk)
    response = as_role(client, school_world, role).post(url)
    expected = 302 if table[role] == 200 else table[role]
    assert outcome(response) == expected
    assessment.refresh_from_db()
    assert (assessment.published_at is not None) == (expected == 302)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_withdraws_a_published_assessment(client, school_world, records, role):
    assessment = records["published"]
    url = en("school:grades_withdraw", pk=assessment.pk)
    response = as_role(client, school_world, role).post(url)
    expected = 302 if EDIT_DEUTSCH[role] == 200 else EDIT_DEUTSCH[role]
    assert outcome(response) == expected
    assessment.refresh_from_db()
    assert (assessment.published_at is None) == (expected == 302)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_deletes_a_draft(client, school_world, records, role):
    assessment = records["draft"]
    url = en("school:grades_delete", pk=assessment.pk)
    response = as_role(client, school_world, role).post(url)
    expected = 302 if EDIT_DEUTSCH[role] == 200 else EDIT_DEUTSCH[role]
    assert outcome(response) == expected
    assert Assessment.objects.filter(pk=assessment.pk).exists() == (expected != 302)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_changes_grades_of_an_assessment(client, school_world, records, role):
    assessment, child = records["draft"], school_world["child"]
    url = en("school:grades_edit", pk=assessment.pk)
    data = {
        "subject": "Deutsch",
        "title": "Aufsatz Entwurf",
        "date": assessment.date.isoformat(),
        "weight": "1",
        f"grade_{child.pk}": "6",
        f"grade_{school_world['classmate'].pk}": "6",
    }
    response = as_role(client, school_world, role).post(url, data)
    expected = 302 if EDIT_DEUTSCH[role] == 200 else EDIT_DEUTSCH[role]
    assert outcome(response) == expected
    stored = Grade.objects.get(assessment=assessment, student=child).value
    assert stored == (Decimal("6") if expected == 302 else Decimal("2.5"))


# Creating: any teacher of the class in a subject of theirs; nobody else learns the class exists.
CREATE = dict.fromkeys(ALL_ROLES, 404) | {"teacher": 302, "subject_teacher": 302, "anonymous": LOGIN}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_creates_an_assessment(client, school_world, records, role):
    class_a, child = school_world["class_a"], school_world["child"]
    subject = "Musik" if role == "subject_teacher" else "Deutsch"
    url = en("school:grades_create", class_id=class_a.pk)
    data = {"subject": subject, "title": "Neu", "date": "2026-11-20", "weight": "1", f"grade_{child.pk}": "4.5"}
    response = as_role(client, school_world, role).post(url, data)
    assert outcome(response) == CREATE[role]
    assert Assessment.objects.filter(title="Neu").exists() == (CREATE[role] == 302)


def test_a_teacher_of_another_class_cannot_put_grades_into_this_one(client, school_world):
    """Even with a valid form, another class's teacher gets 404 and nothing is stored."""
    client.force_login(school_world["other_teacher"])
    url = en("school:grades_create", class_id=school_world["class_a"].pk)
    response = client.get(url)
    assert response.status_code == 404


def test_grades_visible_to_matches_the_pages(school_world, records):
    """The scoped queryset: teachers all grades of their classes; families published grades of their students."""
    w = school_world

    def seen(role):
        return set(grades.grades_visible_to(w[role]).values_list("assessment__title", "student_id"))

    child, classmate = w["child"].pk, w["classmate"].pk
    assert seen("parent") == {("Diktat Herbst", child)}
    assert seen("child") == {("Diktat Herbst", child)}
    assert seen("classmate") == {("Diktat Herbst", classmate)}
    assert seen("informed_parent") == set()
    assert seen("other_teacher") == set() and seen("stranger") == set() and seen("head") == set()
    assert len(seen("subject_teacher")) == 5 == len(seen("teacher"))

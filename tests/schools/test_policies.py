"""Who sees what of the school records: role × record × action, from enrolments, guardianships and assignments."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools import policies
from schools.models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    today = timezone.localdate()
    school = School.objects.create(name="Schulhaus Dorf", code="dorf")
    year = SchoolYear.objects.create(
        name="2026/27", starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=300)
    )
    class_a = SchoolClass.objects.create(school=school, school_year=year, name="3a")
    class_b = SchoolClass.objects.create(school=school, school_year=year, name="5b")
    people = {
        key: UserFactory()
        for key in (
            "child",
            "other_child",
            "parent",
            "other_parent",
            "informed_parent",
            "teacher",
            "other_teacher",
            "stranger",
        )
    }
    Enrolment.objects.create(student=people["child"], school_class=class_a)
    Enrolment.objects.create(student=people["other_child"], school_class=class_b)
    Guardianship.objects.create(guardian=people["parent"], student=people["child"])
    Guardianship.objects.create(guardian=people["other_parent"], student=people["other_child"])
    Guardianship.objects.create(
        guardian=people["informed_parent"], student=people["child"], has_custody=False, information_only=True
    )
    TeachingAssignment.objects.create(teacher=people["teacher"], school_class=class_a, is_class_teacher=True)
    TeachingAssignment.objects.create(teacher=people["other_teacher"], school_class=class_b, subjects="Musik")
    return {"school": school, "class_a": class_a, "class_b": class_b, **people}


# role (who asks) → expected answer about the child in class 3a and about class 3a itself
ROLES = {
    "parent of the child": "parent",
    "parent of another child": "other_parent",
    "parent with information right only": "informed_parent",
    "teacher of the class": "teacher",
    "teacher of another class": "other_teacher",
    "student of the class": "child",
    "student of another class": "other_child",
    "person without school role": "stranger",
    "anonymous": None,
}

#         role                                   sees child  sees 3a  acts   grades  grades*  teacher  class teacher
TABLE = [
    ("parent of the child",                      True,       True,    True,  True,   True,    False,   False),
    ("parent of another child",                  False,      False,   False, False,  False,   False,   False),
    ("parent with information right only",       True,       True,    False, False,  True,    False,   False),
    ("teacher of the class",                     True,       True,    False, True,   True,    True,    True),
    ("teacher of another class",                 False,      False,   False, False,  False,   False,   False),
    ("student of the class",                     True,       True,    False, True,   True,    False,   False),
    ("student of another class",                 False,      False,   False, False,  False,   False,   False),
    ("person without school role",               False,      False,   False, False,  False,   False,   False),
    ("anonymous",                                False,      False,   False, False,  False,   False,   False),
]  # fmt: skip
# grades* = grades when the school lets guardians without custody see them


def asker(world, role):
    key = ROLES[role]
    return AnonymousUser() if key is None else world[key]


@pytest.mark.parametrize(
    ("role", "sees_child", "sees_class", "acts", "grades", "grades_allowed", "teacher", "class_teacher"), TABLE
)
def test_policies_for_the_child_in_3a(
    world, role, sees_child, sees_class, acts, grades, grades_allowed, teacher, class_teacher
):
    user = asker(world, role)
    child, class_a = world["child"], world["class_a"]

    assert policies.students_visible_to(user).filter(pk=child.pk).exists() is sees_child
    assert policies.classes_visible_to(user).filter(pk=class_a.pk).exists() is sees_class
    assert policies.may_act_for_student(user, child) is acts
    assert policies.may_see_grades(user, child) is grades
    assert policies.is_teacher_of(user, class_a) is teacher
    assert policies.is_class_teacher_of(user, class_a) is class_teacher

    School.objects.filter(pk=world["school"].pk).update(grades_visible_without_custody=True)
    assert policies.may_see_grades(user, child) is grades_allowed


@pytest.mark.parametrize(
    ("role", "children"),
    [
        ("parent of the child", {"child"}),
        ("parent with information right only", {"child"}),
        ("parent of another child", {"other_child"}),
        ("teacher of the class", set()),
        ("student of the class", set()),
        ("anonymous", set()),
    ],
)
def test_children_of(world, role, children):
    expected = {world[key].pk for key in children}
    assert set(policies.children_of(asker(world, role)).values_list("pk", flat=True)) == expected


def test_each_person_sees_exactly_their_students_and_classes(world):
    def pks(queryset):
        return set(queryset.values_list("pk", flat=True))

    assert pks(policies.students_visible_to(world["teacher"])) == {world["child"].pk}
    assert pks(policies.students_visible_to(world["child"])) == {world["child"].pk}
    assert pks(policies.classes_visible_to(world["other_teacher"])) == {world["class_b"].pk}
    assert pks(policies.classes_visible_to(world["parent"])) == {world["class_a"].pk}


def test_only_current_enrolments_count(world):
    today = timezone.localdate()
    child, class_a = world["child"], world["class_a"]
    Enrolment.objects.filter(student=child).update(ends_on=today)
    assert policies.students_visible_to(world["teacher"]).filter(pk=child.pk).exists()

    Enrolment.objects.filter(student=child).update(ends_on=today - datetime.timedelta(days=1))
    assert not policies.students_visible_to(world["teacher"]).filter(pk=child.pk).exists()
    assert not policies.may_see_grades(world["teacher"], child)
    assert not policies.classes_visible_to(child).filter(pk=class_a.pk).exists()
    assert not policies.classes_visible_to(world["parent"]).filter(pk=class_a.pk).exists()
    # The guardianship itself does not end with the class.
    assert policies.children_of(world["parent"]).filter(pk=child.pk).exists()
    assert policies.may_act_for_student(world["parent"], child)


def test_a_guardian_who_also_teaches_the_class_sees_grades(world):
    TeachingAssignment.objects.create(teacher=world["informed_parent"], school_class=world["class_a"])
    assert policies.may_see_grades(world["informed_parent"], world["child"])


def test_query_counts_do_not_grow_with_children_and_classes(world):
    year = world["class_a"].school_year
    for number in range(5):
        school_class = SchoolClass.objects.create(school=world["school"], school_year=year, name=f"x{number}")
        TeachingAssignment.objects.create(teacher=world["teacher"], school_class=school_class)
        kid = UserFactory()
        Enrolment.objects.create(student=kid, school_class=school_class)
        Guardianship.objects.create(guardian=world["parent"], student=kid)

    for user in (world["teacher"], world["parent"], world["child"]):
        with CaptureQueriesContext(connection) as queries:
            list(policies.students_visible_to(user))
            list(policies.classes_visible_to(user))
            list(policies.children_of(user))
        assert len(queries) == 3
        with CaptureQueriesContext(connection) as queries:
            policies.may_act_for_student(user, world["child"])
            policies.may_see_grades(user, world["child"])
            policies.is_teacher_of(user, world["class_a"])
            policies.is_class_teacher_of(user, world["class_a"])
        assert len(queries) <= 7
    assert policies.students_visible_to(world["teacher"]).count() == 6
    assert policies.classes_visible_to(world["parent"]).count() == 6

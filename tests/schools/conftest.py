"""A small school every feature test can use: two classes, their children, guardians, teachers, a head."""

import datetime

import pytest
from django.utils import timezone, translation

from schools.models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term
from tests.factories import UserFactory

# Keys of `school_world` people, for authorisation tables: who may see what about `child` (class 3a).
ROLES = (
    "parent",  # custody of child
    "informed_parent",  # information right only, no custody, for child
    "other_parent",  # custody of other_child (class 5b)
    "classmate_parent",  # custody of classmate (class 3a)
    "teacher",  # class teacher of 3a (Deutsch, Mathematik)
    "subject_teacher",  # teaches Musik in 3a
    "other_teacher",  # class teacher of 5b
    "child",  # student of 3a
    "classmate",  # student of 3a
    "other_child",  # student of 5b
    "head",  # school management
    "stranger",  # no school role
)

SURNAMES = dict(
    zip(
        ROLES,
        (
            "Amstutz",
            "Brechbühl",
            "Cathomen",
            "Dällenbach",
            "Eggimann",
            "Flückiger",
            "Gubelmann",
            "Hodel",
            "Inäbnit",
            "Jeanneret",
            "Kobelt",
            "Lüthold",
        ),
        strict=True,
    )
)
FIRST_NAMES = dict(
    zip(
        ROLES,
        (
            "Annelies",
            "Beat",
            "Corina",
            "Daniel",
            "Esther",
            "Fabian",
            "Gabriela",
            "Hannah",
            "Ivo",
            "Jasmin",
            "Kurt",
            "Lorenz",
        ),
        strict=True,
    )
)


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Rules called directly (outside a request) speak English here, like the /en/ pages the tests request; a
    request still gets the language of its URL."""
    with translation.override("en"):
        yield


@pytest.fixture
def school_world(db):
    today = timezone.localdate()
    school = School.objects.create(name="Schulhaus Dorf", code="dorf", leave_half_days_by_class_teacher=4)
    year = SchoolYear.objects.create(
        name="2026/27", starts_on=today - datetime.timedelta(days=90), ends_on=today + datetime.timedelta(days=270)
    )
    term = Term.objects.create(
        school_year=year,
        name="1. Semester",
        starts_on=year.starts_on,
        ends_on=today + datetime.timedelta(days=80),
    )
    Term.objects.create(
        school_year=year, name="2. Semester", starts_on=term.ends_on + datetime.timedelta(days=1), ends_on=year.ends_on
    )
    class_a = SchoolClass.objects.create(school=school, school_year=year, name="3a", grade=3)
    class_b = SchoolClass.objects.create(school=school, school_year=year, name="5b", grade=5)
    # Fixed, distinct surnames: tests assert that one person's name is absent from another's page, which random
    # names from a short list would break now and then.
    people = {key: UserFactory(language="en", last_name=SURNAMES[key], first_name=FIRST_NAMES[key]) for key in ROLES}
    for key in ("child", "classmate"):
        Enrolment.objects.create(student=people[key], school_class=class_a, starts_on=year.starts_on)
    Enrolment.objects.create(student=people["other_child"], school_class=class_b, starts_on=year.starts_on)
    Guardianship.objects.create(guardian=people["parent"], student=people["child"])
    Guardianship.objects.create(
        guardian=people["informed_parent"], student=people["child"], has_custody=False, information_only=True
    )
    Guardianship.objects.create(guardian=people["classmate_parent"], student=people["classmate"])
    Guardianship.objects.create(guardian=people["other_parent"], student=people["other_child"])
    TeachingAssignment.objects.create(
        teacher=people["teacher"], school_class=class_a, is_class_teacher=True, subjects="Deutsch, Mathematik"
    )
    TeachingAssignment.objects.create(teacher=people["subject_teacher"], school_class=class_a, subjects="Musik")
    TeachingAssignment.objects.create(
        teacher=people["other_teacher"], school_class=class_b, is_class_teacher=True, subjects="Deutsch"
    )
    school.management.add(people["head"])
    return {"school": school, "year": year, "term": term, "class_a": class_a, "class_b": class_b, **people}

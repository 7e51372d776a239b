"""The demo school records: Schulhaus Dorf with 3a and 5b, the demo parent's two children and the demo teacher."""

import pytest
from django.utils import timezone

from account.demo_users import ensure_demo_users
from schools import policies
from schools.demo_content import ensure_demo_school_records
from schools.models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term

pytestmark = pytest.mark.django_db

MODELS = (School, SchoolYear, Term, SchoolClass, Enrolment, Guardianship, TeachingAssignment)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_school_records_are_idempotent():
    users = ensure_demo_users()
    ensure_demo_school_records(users)
    first = counts()
    ensure_demo_school_records(ensure_demo_users())
    assert counts() == first
    assert first == {
        "School": 1,
        "SchoolYear": 1,
        "Term": 2,
        "SchoolClass": 2,
        "Enrolment": 2,
        "Guardianship": 2,
        "TeachingAssignment": 2,
    }


def test_demo_relations():
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    today = timezone.localdate()
    school = School.objects.get(code="dorf")
    assert school.name == "Schulhaus Dorf"
    year = records["school_year"]
    assert year.starts_on <= today <= year.ends_on
    terms = list(year.terms.order_by("starts_on"))
    assert [term.name for term in terms] == ["1. Semester", "2. Semester"]
    assert terms[0].starts_on == year.starts_on and terms[1].ends_on == year.ends_on
    assert any(term.starts_on <= today <= term.ends_on for term in terms)

    class_3a = SchoolClass.objects.get(school=school, name="3a")
    class_5b = SchoolClass.objects.get(school=school, name="5b")
    lina, sara = records["children"]["lina"], users["student"]
    assert (lina.first_name, lina.last_name) == ("Lina", "Muster")
    assert list(class_3a.enrolments.values_list("student", flat=True)) == [lina.pk]
    assert list(class_5b.enrolments.values_list("student", flat=True)) == [sara.pk]

    parent, teacher = users["parent"], users["teacher"]
    assert set(policies.children_of(parent)) == {lina, sara}
    assert policies.may_act_for_student(parent, lina) and policies.may_act_for_student(parent, sara)
    assert policies.is_class_teacher_of(teacher, class_5b)
    assert policies.is_teacher_of(teacher, class_3a) and not policies.is_class_teacher_of(teacher, class_3a)
    assert TeachingAssignment.objects.get(teacher=teacher, school_class=class_3a).subject_list == ["Musik"]
    assert set(policies.classes_visible_to(sara)) == {class_5b}
    assert set(policies.students_visible_to(teacher)) == {lina, sara}

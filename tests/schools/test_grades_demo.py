"""The demo grades: class 5b with two subjects, three assessments (two published), Sara and two classmates."""

import pytest
from django.contrib.auth import get_user_model

from account.demo_users import ensure_demo_users
from schools import grades
from schools.demo_content import ensure_demo_school_records
from schools.demo_grades import ensure_demo_grades
from schools.models import Assessment, Enrolment, Grade

pytestmark = pytest.mark.django_db


def counts():
    return (
        Assessment.objects.count(),
        Grade.objects.count(),
        Enrolment.objects.count(),
        get_user_model().objects.count(),
    )


def test_demo_grades_are_idempotent_and_what_the_parent_sees():
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    ensure_demo_grades(records, users)
    first = counts()
    ensure_demo_grades(ensure_demo_school_records(users), users)
    assert counts() == first
    assert first[:2] == (3, 9)
    school_class = records["classes"]["5b"]
    assert set(Assessment.objects.values_list("subject", flat=True)) == {"Deutsch", "Mathematik"}
    assert Assessment.objects.filter(school_class=school_class, published_at__isnull=True).count() == 1
    assert grades.class_students(school_class).count() == 3
    sara = records["children"]["student"]
    report = grades.student_report(sara)
    assert [(entry["subject"], len(entry["grades"])) for entry in report] == [("Deutsch", 1), ("Mathematik", 1)]
    summary = grades.child_summary(users["parent"], sara)  # the Diktat was published 19 days ago
    assert (summary["count"], summary["latest"].assessment.title) == (1, "Test Brüche")
    assert grades.class_summary(users["teacher"], school_class)["unpublished"] == 1

"""Demo grades of Musterwil: class 5b has Deutsch and Mathematik assessments, two published and one not yet."""

import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone

from account.demo_users import DEMO_PASSWORD
from account.models import AssuranceLevel, User

from .models import Assessment, Enrolment, Grade

# Two classmates of Sara (student@musterwil.example) in 5b, so the teacher's grid has more than one row.
CLASSMATES = (
    ("noah.5b@musterwil.example", "Noah", "Beispiel"),
    ("mia.5b@musterwil.example", "Mia", "Probst"),
)

# (subject, title, days ago, weight, published, grades of Sara, Noah, Mia)
ASSESSMENTS = (
    ("Deutsch", "Diktat Herbst", 20, "1", True, ("5.5", "4.5", "5")),
    ("Mathematik", "Test Brüche", 9, "2", True, ("4.75", "5", "3.5")),
    ("Mathematik", "Lernkontrolle Geometrie", 2, "1", False, ("5", "4", "4.5")),
)


def _ensure_student(email, first_name, last_name):
    student = User.objects.filter(email__iexact=email).first()
    if student is None:
        student = User(email=email, first_name=first_name, last_name=last_name, language="de")
        student.assurance_level = max(student.assurance_level, AssuranceLevel.EMAIL)
        student.set_password(DEMO_PASSWORD)
        student.save()
    EmailAddress.objects.get_or_create(user=student, email=email, defaults={"verified": True, "primary": True})
    return student


def ensure_demo_grades(records, users):
    """Create the demo assessments of class 5b (idempotent); returns the assessments by title."""
    school_class = records["classes"]["5b"]
    teacher = users["teacher"]
    students = [records["children"]["student"]]
    for email, first_name, last_name in CLASSMATES:
        student = _ensure_student(email, first_name, last_name)
        Enrolment.objects.get_or_create(
            student=student, school_class=school_class, defaults={"starts_on": records["school_year"].starts_on}
        )
        students.append(student)
    today = timezone.localdate()
    assessments = {}
    for subject, title, days_ago, weight, published, values in ASSESSMENTS:
        date = today - datetime.timedelta(days=days_ago)
        assessment, _ = Assessment.objects.update_or_create(
            school_class=school_class,
            subject=subject,
            title=title,
            defaults={"teacher": teacher, "date": date, "weight": Decimal(weight)},
        )
        if published and assessment.published_at is None:
            # Published a day after it was written; the demo sends no notifications.
            assessment.published_at = timezone.now() - datetime.timedelta(days=max(days_ago - 1, 0))
            assessment.save(update_fields=["published_at"])
        elif not published and assessment.published_at is not None:
            assessment.published_at = None
            assessment.save(update_fields=["published_at"])
        for student, value in zip(students, values, strict=True):
            Grade.objects.update_or_create(assessment=assessment, student=student, defaults={"value": Decimal(value)})
        assessments[title] = assessment
    return assessments

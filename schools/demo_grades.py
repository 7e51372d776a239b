"""Demo grades of Musterwil: class 5b has Deutsch and Mathematik assessments, two published and one not yet."""

import datetime
from decimal import Decimal

from django.utils import timezone

from .demo_families import ensure_demo_families
from .models import Assessment, Grade

# Sara (student@musterwil.example) and two classmates of 5b from the demo families, so the grid has rows.
CLASSMATES = ("keller", "huber")

# (subject, title, days ago, weight, published, grades of Sara, Noah, Mia)
ASSESSMENTS = (
    ("Deutsch", "Diktat Herbst", 20, "1", True, ("5.5", "4.5", "5")),
    ("Mathematik", "Test Brüche", 9, "2", True, ("4.75", "5", "3.5")),
    ("Mathematik", "Lernkontrolle Geometrie", 2, "1", False, ("5", "4", "4.5")),
)


def ensure_demo_grades(records, users):
    """Create the demo assessments of class 5b (idempotent); returns the assessments by title."""
    school_class = records["classes"]["5b"]
    teacher = users["teacher"]
    families = ensure_demo_families(records)
    students = [records["children"]["student"]] + [families[key]["child"] for key in CLASSMATES]
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

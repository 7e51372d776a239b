"""The demo courses of Musterwil: a full chess course with Lina on its waiting list, and a course with free places.

"Schach für Einsteiger" (grades 3–6, 2 places, CHF 40) has its two places taken by children of two other demo
families; the demo parent has put Lina (3a) on the waiting list. "Theater-Werkstatt" (grades 1–6) has places left.
Registration windows and dates are relative to today and refreshed on every run; nothing is created twice.
"""

import datetime

from django.utils import timezone

from . import courses
from .demo_families import ensure_demo_families
from .models import Course, CourseRegistration

CHESS = "Schach für Einsteiger"
THEATRE = "Theater-Werkstatt"
# The demo families whose children hold the chess places (schools.demo_families).
CHESS_FAMILIES = ("meier", "huber")


def _course(school, title, **values):
    course, _ = Course.objects.update_or_create(school=school, title=title, defaults=values)
    return course


def _register_once(guardian, course, child):
    active = CourseRegistration.objects.filter(course=course, student=child, status__in=courses.ACTIVE).first()
    return active or courses.register(guardian, course, child)


def ensure_demo_courses(records, users):
    """Create or refresh the demo courses and registrations; returns {"chess", "theatre"}."""
    school = records["school"]
    now, today = timezone.now(), timezone.localdate()
    window = {
        "registration_opens_at": now - datetime.timedelta(days=7),
        "registration_closes_at": now + datetime.timedelta(days=21),
    }
    chess = _course(
        school,
        CHESS,
        description="Die Grundregeln des Schachspiels, erste Eröffnungen und kleine Turniere.",
        min_grade=3,
        max_grade=6,
        capacity=2,
        starts_on=today + datetime.timedelta(days=35),
        ends_on=today + datetime.timedelta(days=35 + 7 * 9),
        schedule="Mittwoch 13.30–15.00 Uhr, Bibliothek",
        fee_rappen=4000,
        **window,
    )
    theatre = _course(
        school,
        THEATRE,
        description="Spielen, improvisieren und am Ende ein kleines Stück aufführen.",
        min_grade=1,
        max_grade=6,
        capacity=12,
        starts_on=today + datetime.timedelta(days=42),
        ends_on=today + datetime.timedelta(days=42 + 7 * 11),
        schedule="Freitag 14.00–15.30 Uhr, Singsaal",
        fee_rappen=2500,
        **window,
    )
    families = ensure_demo_families(records)
    for key in CHESS_FAMILIES:
        _register_once(families[key]["guardian"], chess, families[key]["child"])
    _register_once(users["parent"], chess, records["children"]["lina"])
    return {"chess": chess, "theatre": theatre}

"""The demo courses of Musterwil: a full chess course with Lina on its waiting list, and a course with free places.

"Schach für Einsteiger" (grades 3–6, 2 places, CHF 40) has its two places taken by children of two other demo
families; the demo parent has put Lina (3a) on the waiting list. "Theater-Werkstatt" (grades 1–6) has places left.
Registration windows and dates are relative to today and refreshed on every run; nothing is created twice.
"""

import datetime

from allauth.account.models import EmailAddress
from django.utils import timezone

from account.demo_users import DEMO_PASSWORD
from account.models import AssuranceLevel, User

from . import courses
from .models import Course, CourseRegistration, Enrolment, Guardianship

CHESS = "Schach für Einsteiger"
THEATRE = "Theater-Werkstatt"
# Other families whose children hold the chess places: (child, guardian, class).
OTHER_FAMILIES = (
    (("noah.keller@musterwil.example", "Noah", "Keller"), ("eva.keller@musterwil.example", "Eva", "Keller"), "3a"),
    (("mia.huber@musterwil.example", "Mia", "Huber"), ("marc.huber@musterwil.example", "Marc", "Huber"), "5b"),
)


def _person(email, first_name, last_name):
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name, language="de")
        user.assurance_level = AssuranceLevel.EMAIL
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _course(school, title, **values):
    course, _ = Course.objects.update_or_create(school=school, title=title, defaults=values)
    return course


def _register_once(guardian, course, child):
    active = CourseRegistration.objects.filter(course=course, student=child, status__in=courses.ACTIVE).first()
    return active or courses.register(guardian, course, child)


def ensure_demo_courses(records, users):
    """Create or refresh the demo courses and registrations; returns {"chess", "theatre"}."""
    school, classes = records["school"], records["classes"]
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
    for child_data, guardian_data, class_name in OTHER_FAMILIES:
        child, guardian = _person(*child_data), _person(*guardian_data)
        Enrolment.objects.update_or_create(
            student=child,
            school_class=classes[class_name],
            defaults={"starts_on": records["school_year"].starts_on, "ends_on": None},
        )
        Guardianship.objects.update_or_create(
            guardian=guardian, student=child, defaults={"has_custody": True, "information_only": False}
        )
        _register_once(guardian, chess, child)
    _register_once(users["parent"], chess, records["children"]["lina"])
    return {"chess": chess, "theatre": theatre}

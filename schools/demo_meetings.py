"""Demo parent–teacher meetings: class 5b's "Elterngespräche" next week, two slots already booked."""

import datetime

from allauth.account.models import EmailAddress
from django.utils import timezone

from account.demo_users import DEMO_PASSWORD
from account.models import AssuranceLevel, User

from . import meetings
from .models import Enrolment, Guardianship
from .models.meetings import MeetingBooking, MeetingSeries, MeetingSlot

DEMO_SERIES_TITLE = "Elterngespräche"
# Another family of class 5b, so the teacher sees more than the demo parent's booking.
OTHER_FAMILY = {
    "child": ("noah.keller@musterwil.example", "Noah", "Keller"),
    "guardian": ("karin.keller@musterwil.example", "Karin", "Keller"),
}


def _ensure_person(email, first_name, last_name):
    person = User.objects.filter(email__iexact=email).first()
    if person is None:
        person = User(email=email, first_name=first_name, last_name=last_name, language="de")
        person.set_password(DEMO_PASSWORD)
    person.assurance_level = max(person.assurance_level, AssuranceLevel.EMAIL)
    person.save()
    EmailAddress.objects.update_or_create(user=person, email=email, defaults={"verified": True, "primary": True})
    return person


def _next_week_day(today):
    """Tuesday of next week."""
    return today + datetime.timedelta(days=7 - today.weekday() + 1)


def ensure_demo_meetings(records, users):
    """Create the demo series once (idempotent); returns it."""
    school_class, teacher = records["classes"]["5b"], users["teacher"]
    sara = records["children"]["student"]
    child = _ensure_person(*OTHER_FAMILY["child"])
    guardian = _ensure_person(*OTHER_FAMILY["guardian"])
    Enrolment.objects.get_or_create(
        student=child, school_class=school_class, defaults={"starts_on": records["school_year"].starts_on}
    )
    Guardianship.objects.get_or_create(
        guardian=guardian, student=child, defaults={"has_custody": True, "information_only": False}
    )

    series = MeetingSeries.objects.filter(school_class=school_class, title=DEMO_SERIES_TITLE).first()
    if series is not None:
        return series
    today = timezone.localdate()
    day = _next_week_day(today)
    deadline = meetings.local_datetime(min(today + datetime.timedelta(days=3), day - datetime.timedelta(days=1)),
                                       datetime.time(18, 0))  # fmt: skip
    series = MeetingSeries.objects.create(
        school_class=school_class,
        teacher=teacher,
        title=DEMO_SERIES_TITLE,
        description="Wir besprechen den Lernstand und die Ziele für das zweite Semester. "
        "Das Gespräch dauert 20 Minuten; Ihr Kind ist herzlich willkommen.",
        booking_deadline=deadline,
    )
    times = meetings.slot_times(day, datetime.time(16, 0), 20, 5, count=6)
    slots = MeetingSlot.objects.bulk_create(
        [MeetingSlot(series=series, starts_at=start, duration_minutes=20, location="Schulzimmer 5b") for start in times]
    )
    MeetingBooking.objects.create(series=series, slot=slots[1], student=sara, booked_by=users["parent"])
    MeetingBooking.objects.create(series=series, slot=slots[3], student=child, booked_by=guardian)
    return series

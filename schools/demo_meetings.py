"""Demo parent–teacher meetings: class 5b's "Elterngespräche" next week, two slots already booked."""

import datetime

from django.utils import timezone

from . import meetings
from .demo_families import ensure_demo_families
from .models.meetings import MeetingBooking, MeetingSeries, MeetingSlot

DEMO_SERIES_TITLE = "Elterngespräche"


def _next_week_day(today):
    """Tuesday of next week."""
    return today + datetime.timedelta(days=7 - today.weekday() + 1)


def ensure_demo_meetings(records, users):
    """Create the demo series once (idempotent); returns it."""
    school_class, teacher = records["classes"]["5b"], users["teacher"]
    sara = records["children"]["student"]
    # Another family of class 5b, so the teacher sees more than the demo parent's booking.
    keller = ensure_demo_families(records)["keller"]
    child, guardian = keller["child"], keller["guardian"]

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

"""A meeting series on class 3a of `school_world`, shared by the meeting tests."""

import datetime

from django.utils import timezone

from schools import meetings


def open_series(world, *, count=4, in_days=5, deadline_in_days=2, teacher="teacher", school_class="class_a"):
    """Four slots of 20 minutes with 5 minutes break from 14:00, `in_days` from today; deadline in two days."""
    day = timezone.localdate() + datetime.timedelta(days=in_days)
    return meetings.open_series(
        world[teacher],
        world[school_class],
        title="Elterngespräche",
        description="Bitte Zeugnis mitbringen.",
        booking_deadline=timezone.now() + datetime.timedelta(days=deadline_in_days),
        day=day,
        first_start=datetime.time(14, 0),
        length=20,
        pause=5,
        count=count,
        location="Zimmer 3a",
    )


def slots(series):
    return list(series.slots.order_by("starts_at"))


def close_booking(series):
    """Move the deadline into the past (as if time had passed)."""
    series.booking_deadline = timezone.now() - datetime.timedelta(minutes=1)
    series.save(update_fields=["booking_deadline"])

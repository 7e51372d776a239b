"""The demo meetings: class 5b's series next week, Sara's slot booked by the demo parent, another family booked."""

import pytest
from django.utils import timezone

from account.demo_users import ensure_demo_users
from schools import meetings
from schools.demo_content import ensure_demo_school_records
from schools.demo_meetings import ensure_demo_meetings
from schools.models import Enrolment, Guardianship
from schools.models.meetings import MeetingBooking, MeetingSeries, MeetingSlot

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (MeetingSeries, MeetingSlot, MeetingBooking, Enrolment, Guardianship)]


def test_demo_meetings_are_idempotent_and_bookable():
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    series = ensure_demo_meetings(records, users)
    first = counts()
    assert ensure_demo_meetings(ensure_demo_school_records(ensure_demo_users()), users) == series
    assert counts() == first

    now, today = timezone.now(), timezone.localdate()
    assert series.title == "Elterngespräche" and series.school_class == records["classes"]["5b"]
    assert series.teacher == users["teacher"] and now < series.booking_deadline
    starts = [timezone.localtime(slot.starts_at) for slot in series.slots.order_by("starts_at")]
    assert len(starts) == 6 and all(start > series.booking_deadline for start in starts)
    assert 1 <= (starts[0].date() - today).days <= 8 and starts[0].date().isocalendar()[1] != today.isocalendar()[1]
    sara = records["children"]["student"]
    bookings = {booking.student: booking for booking in series.bookings.select_related("student", "booked_by")}
    assert len(bookings) == 2
    assert bookings[sara].booked_by == users["parent"]
    other = next(booking for student, booking in bookings.items() if student != sara)
    assert other.booked_by != users["parent"] and meetings.policies.may_act_for_student(other.booked_by, other.student)
    # The demo parent sees the series of 5b and may move Sara's booking.
    assert meetings.series_visible_to(users["parent"]).filter(pk=series.pk).exists()
    assert meetings.may_manage(users["teacher"], series)

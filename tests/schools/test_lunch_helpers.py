"""Shared builders of the lunch table tests (no tests here)."""

import datetime

from django.utils import timezone

from schools.models import LunchBooking, LunchOffer


def make_offer(world, term=None, **fields):
    values = {
        "school": world["school"],
        "weekdays": "0,1,3,4",
        "price_rappen": 950,
        "cancellation_deadline": datetime.time(8, 0),
    }
    values.update(fields)
    return LunchOffer.objects.create(term=term or world["term"], **values)


def book(offer, student, *weekdays, since=None, by=None):
    """Bookings made at `since` (a date; default: before the term began, so every day of the term counts)."""
    since = since or offer.term.starts_on - datetime.timedelta(days=7)
    made = timezone.make_aware(datetime.datetime.combine(since, datetime.time(12)))
    bookings = []
    for weekday in weekdays:
        booking = LunchBooking.objects.create(offer=offer, student=student, weekday=weekday, booked_by=by)
        LunchBooking.objects.filter(pk=booking.pk).update(created_at=made)
        booking.refresh_from_db()
        bookings.append(booking)
    return bookings


def next_weekday(weekday, after=None, weeks=0):
    """The first date with this weekday strictly after `after` (default today), plus `weeks` weeks."""
    after = after or timezone.localdate()
    days = (weekday - after.weekday()) % 7 or 7
    return after + datetime.timedelta(days=days + 7 * weeks)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

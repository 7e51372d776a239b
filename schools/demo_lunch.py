"""Demo lunch table of Schulhaus Dorf: the offer (Mo, Di, Do, Fr, CHF 9.50, cancel until 08:00) for each term,
Lina booked Monday and Thursday, Sara Tuesday, one cancellation next week, last month's invoice of the demo parent.

Idempotent: running it again creates nothing new (the invoice is billed once per month).
"""

import datetime

from django.utils import timezone

from . import lunch
from .models import LunchBooking, LunchCancellation, LunchOffer

DEMO_WEEKDAYS = "0,1,3,4"
DEMO_PRICE_RAPPEN = 950
DEMO_DEADLINE = datetime.time(8, 0)
DEMO_BOOKINGS = (("lina", 0), ("lina", 3), ("student", 1))


def ensure_demo_lunch(records, users):
    """Returns {"offers": [...], "bookings": [...], "cancellation": …, "invoices": [...]}."""
    school, parent = records["school"], users["parent"]
    today = timezone.localdate()
    offers = []
    for term in records["terms"]:
        offer, _created = LunchOffer.objects.get_or_create(
            school=school,
            term=term,
            defaults={
                "weekdays": DEMO_WEEKDAYS,
                "price_rappen": DEMO_PRICE_RAPPEN,
                "cancellation_deadline": DEMO_DEADLINE,
                "location": "Mehrzweckraum Schulhaus Dorf",
            },
        )
        offers.append(offer)
    bookings = []
    for offer in offers:
        for child_key, weekday in DEMO_BOOKINGS:
            booking, created = LunchBooking.objects.get_or_create(
                offer=offer, student=records["children"][child_key], weekday=weekday, defaults={"booked_by": parent}
            )
            if created:
                # Booked before the term began, so the whole term (and last month) counts.
                made = datetime.datetime.combine(offer.term.starts_on - datetime.timedelta(days=7), datetime.time(12))
                LunchBooking.objects.filter(pk=booking.pk).update(created_at=timezone.make_aware(made))
            bookings.append(booking)

    # One of Lina's Mondays next week is cancelled by the parent.
    next_monday = today + datetime.timedelta(days=7 - today.weekday())
    cancellation = None
    offer = next((o for o in offers if o.term.starts_on <= next_monday <= o.term.ends_on), None)
    if offer is not None:
        cancellation, _created = LunchCancellation.objects.get_or_create(
            offer=offer,
            student=records["children"]["lina"],
            date=next_monday,
            defaults={"reason": LunchCancellation.Reason.GUARDIAN, "cancelled_by": parent},
        )

    # Last month's lunches are billed (to the demo parent, the paying guardian of both children).
    last_month = lunch.month_start(lunch.month_start(today) - lunch.ONE_DAY)
    invoices = lunch.bill_month(school, last_month)
    return {"offers": offers, "bookings": bookings, "cancellation": cancellation, "invoices": invoices}

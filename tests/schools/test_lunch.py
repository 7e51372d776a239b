"""Rules of the lunch table: bookings per weekday, cancelling until the deadline, absences, monthly invoices."""

import datetime

import pytest
from django.utils import timezone

from schools import lunch, summaries
from schools.models import (
    Absence,
    Enrolment,
    Guardianship,
    LunchBooking,
    LunchCancellation,
    LunchInvoice,
)
from schools.signals import absence_reported
from services.models import Case, Payment
from tests.factories import UserFactory
from tests.schools.test_lunch_helpers import at, book, make_offer, next_weekday

pytestmark = pytest.mark.django_db

R = LunchCancellation.Reason


def term_days(offer, student):
    bookings = LunchBooking.objects.filter(offer=offer, student=student).select_related("offer__term")
    cancellations = lunch.cancellations_between([student.pk], offer.term.starts_on, offer.term.ends_on)
    return lunch.lunch_days(list(bookings), cancellations, offer.term.starts_on, offer.term.ends_on)


# --- booking weekdays ------------------------------------------------------------------------------------------


def test_a_guardian_books_weekdays_from_the_first_day_still_cancellable(school_world):
    offer, child = make_offer(school_world), school_world["child"]

    added, removed = lunch.set_weekdays(school_world["parent"], child, offer, [0, 3])

    assert (added, removed) == ([0, 3], [])
    assert sorted(LunchBooking.objects.filter(student=child).values_list("weekday", flat=True)) == [0, 3]
    assert lunch.active_weekdays(offer, child) == [0, 3]
    first = lunch.first_cancellable_day(offer)
    days = [day for day, _b, _c in term_days(offer, child)]
    assert days and days[0] >= first and {day.weekday() for day in days} == {0, 3}
    # Saving the same days again changes nothing.
    assert lunch.set_weekdays(school_world["parent"], child, offer, [3, 0]) == ([], [])


def test_a_booking_made_after_the_deadline_starts_the_next_day(school_world):
    offer = make_offer(school_world)
    monday = next_weekday(0)
    booking = book(offer, school_world["child"], 0, since=monday)[0]
    LunchBooking.objects.filter(pk=booking.pk).update(created_at=at(monday, 8, 30))
    booking.refresh_from_db()
    assert lunch.booking_starts_on(booking) == monday + datetime.timedelta(days=1)
    LunchBooking.objects.filter(pk=booking.pk).update(created_at=at(monday, 7, 30))
    booking.refresh_from_db()
    assert lunch.booking_starts_on(booking) == monday


def test_a_day_the_offer_does_not_serve_cannot_be_booked(school_world):
    offer = make_offer(school_world)
    with pytest.raises(lunch.LunchError, match="not served"):
        lunch.set_weekdays(school_world["parent"], school_world["child"], offer, [2])
    assert not LunchBooking.objects.exists()


def test_only_a_guardian_who_may_act_books(school_world):
    offer = make_offer(school_world)
    for role in ("informed_parent", "teacher", "child", "other_parent", "stranger"):
        with pytest.raises(lunch.LunchError, match="guardian with custody"):
            lunch.set_weekdays(school_world[role], school_world["child"], offer, [0])
    assert not LunchBooking.objects.exists()


def test_an_offer_of_a_past_term_or_another_school_is_not_open(school_world):
    from schools.models import School, Term

    past = Term.objects.create(
        school_year=school_world["year"],
        name="Sommerkurs",
        starts_on=school_world["year"].starts_on - datetime.timedelta(days=60),
        ends_on=school_world["year"].starts_on - datetime.timedelta(days=30),
    )
    other_school = School.objects.create(name="Schulhaus Berg", code="berg")
    for offer in (make_offer(school_world, term=past), make_offer(school_world, school=other_school)):
        with pytest.raises(lunch.LunchError, match="not open"):
            lunch.set_weekdays(school_world["parent"], school_world["child"], offer, [0])


def test_the_offers_are_the_current_term_then_the_next(school_world):
    from schools.models import Term

    current = make_offer(school_world)
    following = make_offer(school_world, term=Term.objects.get(name="2. Semester"))
    assert list(lunch.offers_for(school_world["child"])) == [current, following]


def test_removing_a_weekday_keeps_the_days_before_and_cancels_the_rest(school_world):
    offer, child, parent = make_offer(school_world), school_world["child"], school_world["parent"]
    book(offer, child, 0, 3)
    now = at(timezone.localdate(), 12)

    added, removed = lunch.set_weekdays(parent, child, offer, [3], now=now)

    assert (added, removed) == ([], [0])
    first = lunch.first_cancellable_day(offer, now)
    mondays = [(day, c) for day, b, c in term_days(offer, child) if b.weekday == 0]
    assert all(c is None for day, c in mondays if day < first)  # eaten and billed
    assert [day for day, c in mondays if day < first]  # the term has Mondays before today
    assert all(c is not None and c.reason == R.GUARDIAN for day, c in mondays if day >= first)
    assert lunch.active_weekdays(offer, child, now) == [3]

    # Booking Monday again books its remaining days again; the days in between stay as they were.
    assert lunch.set_weekdays(parent, child, offer, [0, 3], now=now) == ([0], [])
    mondays = [(day, c) for day, b, c in term_days(offer, child) if b.weekday == 0]
    assert all(c is None for day, c in mondays)
    assert LunchBooking.objects.filter(student=child).count() == 2


def test_removing_a_weekday_that_had_no_lunch_yet_deletes_the_booking(school_world):
    offer, child, parent = make_offer(school_world), school_world["child"], school_world["parent"]
    lunch.set_weekdays(parent, child, offer, [0, 1])
    lunch.cancel_day(parent, child, next_weekday(1, weeks=1))

    assert lunch.set_weekdays(parent, child, offer, [0]) == ([], [1])

    assert list(LunchBooking.objects.filter(student=child).values_list("weekday", flat=True)) == [0]
    assert not LunchCancellation.objects.filter(student=child).exists()


# --- cancelling a day ------------------------------------------------------------------------------------------


def test_cancelling_a_day_until_the_deadline_on_the_day_itself(school_world):
    offer, child, parent = make_offer(school_world), school_world["child"], school_world["parent"]
    book(offer, child, 0)
    monday = next_weekday(0)

    with pytest.raises(lunch.LunchError, match="Too late: lunch on .* can only be cancelled until 08:00"):
        lunch.cancel_day(parent, child, monday, now=at(monday, 8, 0))
    assert not LunchCancellation.objects.exists()

    cancellation = lunch.cancel_day(parent, child, monday, now=at(monday, 7, 59))
    assert (cancellation.reason, cancellation.cancelled_by, cancellation.date) == (R.GUARDIAN, parent, monday)
    # Again: the same cancellation, nothing new (also when it is too late by now).
    assert lunch.cancel_day(parent, child, monday, now=at(monday, 9, 0)).pk == cancellation.pk
    assert LunchCancellation.objects.count() == 1


def test_a_past_day_or_a_day_without_lunch_cannot_be_cancelled(school_world):
    offer, child, parent = make_offer(school_world), school_world["child"], school_world["parent"]
    book(offer, child, 0)
    last_monday = next_weekday(0) - datetime.timedelta(days=7)
    with pytest.raises(lunch.LunchError, match="Too late"):
        lunch.cancel_day(parent, child, last_monday)
    with pytest.raises(lunch.LunchError, match="no lunch booked"):
        lunch.cancel_day(parent, child, next_weekday(1))
    with pytest.raises(lunch.LunchError, match="guardian with custody"):
        lunch.cancel_day(school_world["informed_parent"], child, next_weekday(0, weeks=1))
    assert not LunchCancellation.objects.exists()


# --- absences --------------------------------------------------------------------------------------------------


def absence(world, starts_on, ends_on, kind=Absence.Kind.ABSENCE):
    return Absence.objects.create(
        student=world["child"],
        school_class=world["class_a"],
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        half_days=4,
        reason="illness",
        source=Absence.Source.GUARDIAN,
        reported_by=world["parent"],
    )


def test_a_reported_absence_cancels_the_lunches_still_cancellable(school_world):
    offer, child = make_offer(school_world), school_world["child"]
    book(offer, child, 0, 1, 3, 4)
    today = timezone.localdate()
    starts_on, ends_on = today - datetime.timedelta(days=6), today + datetime.timedelta(days=10)

    absence_reported.send(sender=Absence, absence=absence(school_world, starts_on, ends_on))

    first = lunch.first_cancellable_day(offer)
    days = [(day, c) for day, _b, c in term_days(offer, child) if starts_on <= day <= ends_on]
    assert [day for day, c in days if day >= first]
    for day, cancellation in days:
        if day >= first:
            assert cancellation is not None and cancellation.reason == R.ABSENCE, day
        else:
            assert cancellation is None, day  # past the deadline: stays billed
    count = LunchCancellation.objects.count()
    # The same absence again (e.g. widened) creates nothing twice.
    absence_reported.send(sender=Absence, absence=absence(school_world, starts_on, ends_on))
    assert LunchCancellation.objects.count() == count


def test_a_late_arrival_does_not_cancel_lunch(school_world):
    offer = make_offer(school_world)
    book(offer, school_world["child"], 0, 1, 3, 4)
    monday = next_weekday(0)
    absence_reported.send(sender=Absence, absence=absence(school_world, monday, monday, kind=Absence.Kind.LATE))
    assert not LunchCancellation.objects.exists()


# --- invoices --------------------------------------------------------------------------------------------------


def month_days(start, weekdays):
    end = lunch.month_end(start)
    day, days = start, []
    while day <= end:
        if day.weekday() in weekdays:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def test_a_month_is_billed_once_per_family_with_a_line_per_child_and_day(school_world, mailoutbox):
    offer, child, parent = make_offer(school_world), school_world["child"], school_world["parent"]
    sibling = UserFactory(first_name="Zoe", last_name="Zwilling", language="en")
    Enrolment.objects.create(student=sibling, school_class=school_world["class_b"])
    Guardianship.objects.create(guardian=parent, student=sibling)
    # A second guardian with custody (a higher id) does not pay; the informed parent never does.
    Guardianship.objects.create(guardian=UserFactory(), student=child)
    book(offer, child, 0, 3)
    book(offer, sibling, 1)
    month = lunch.month_start(lunch.month_start(timezone.localdate()) - datetime.timedelta(days=1))
    child_days = month_days(month, {0, 3})
    cancelled = child_days.pop(1)
    LunchCancellation.objects.create(offer=offer, student=child, date=cancelled, reason=R.ABSENCE)
    sibling_days = month_days(month, {1})

    invoices = lunch.bill_month(school_world["school"], month)

    assert len(invoices) == 1
    invoice = LunchInvoice.objects.get()
    assert (invoice.guardian, invoice.month, invoice.school) == (parent, month, school_world["school"])
    assert invoice.amount_rappen == 950 * (len(child_days) + len(sibling_days))
    child_name, sibling_name = child.get_full_name(), sibling.get_full_name()
    assert sorted((line["student"], line["date"]) for line in invoice.lines) == sorted(
        [(child_name, day.isoformat()) for day in child_days]
        + [(sibling_name, day.isoformat()) for day in sibling_days]
    )
    assert all(line["amount_rappen"] == 950 for line in invoice.lines)
    assert cancelled.isoformat() not in {line["date"] for line in invoice.lines if line["student"] == child_name}
    case = invoice.case
    assert case.owner_user == parent and case.fee_rappen == invoice.amount_rappen
    assert case.title == f"Lunch table Schulhaus Dorf, {month:%m.%Y}"
    assert Payment.objects.get(case=case).amount_rappen == invoice.amount_rappen
    assert f"{len(child_days)} lunches" in case.data["line_0"] or f"{len(child_days)} lunches" in case.data["line_1"]

    # Billed once: again (and the daily job on any day of the next month) creates nothing.
    assert lunch.bill_month(school_world["school"], month) == []
    next_month = lunch.month_end(month) + datetime.timedelta(days=1)
    assert lunch.bill_previous_month(today=next_month + datetime.timedelta(days=3)) == 0
    assert LunchInvoice.objects.count() == 1 and Case.objects.count() == 1


def test_the_paying_guardian_has_custody_and_is_not_only_informed(school_world):
    offer, other_child = make_offer(school_world), school_world["other_child"]
    Guardianship.objects.filter(guardian=school_world["other_parent"]).update(information_only=True)
    payer = UserFactory()
    Guardianship.objects.create(guardian=payer, student=other_child)
    book(offer, other_child, 4)

    assert lunch.bill_previous_month() == 1
    assert LunchInvoice.objects.get().guardian == payer


def test_no_invoice_for_a_month_without_lunch(school_world):
    offer, child = make_offer(school_world), school_world["child"]
    book(offer, child, 0)
    month = lunch.month_start(lunch.month_start(timezone.localdate()) - datetime.timedelta(days=1))
    for day in month_days(month, {0}):
        LunchCancellation.objects.create(offer=offer, student=child, date=day, reason=R.SCHOOL)
    assert lunch.bill_month(school_world["school"], month) == []
    # A child without a guardian who pays is not billed either (and nothing breaks).
    Guardianship.objects.filter(student=school_world["classmate"]).delete()
    book(offer, school_world["classmate"], 1)
    assert lunch.bill_month(school_world["school"], month) == []
    assert not LunchInvoice.objects.exists() and not Case.objects.exists()


# --- kitchen list and summary ----------------------------------------------------------------------------------


def test_the_kitchen_list_has_who_eats_with_the_class_and_the_cancelled_apart(school_world):
    offer = make_offer(school_world)
    for role in ("child", "classmate", "other_child"):
        book(offer, school_world[role], 0)
    book(offer, school_world["classmate"], 1)
    monday = next_weekday(0, weeks=1)
    LunchCancellation.objects.create(offer=offer, student=school_world["classmate"], date=monday, reason=R.GUARDIAN)

    result = lunch.kitchen_list(school_world["school"], monday)

    assert result["served"]
    eating = [(e["student"], e["class_name"]) for e in result["eating"]]
    assert eating == [(school_world["child"], "3a"), (school_world["other_child"], "5b")]
    assert [(e["student"], e["reason"]) for e in result["cancelled"]] == [
        (school_world["classmate"], "Cancelled by a guardian")
    ]
    assert not lunch.kitchen_list(school_world["school"], next_weekday(2))["served"]


def test_the_child_summary_shows_this_weeks_lunch_days(school_world):
    offer, child = make_offer(school_world), school_world["child"]
    book(offer, child, 0, 1, 3, 4)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    thursday = monday + datetime.timedelta(days=3)
    LunchCancellation.objects.create(offer=offer, student=child, date=thursday, reason=R.ABSENCE)

    summary = lunch.child_summary(school_world["parent"], child)

    assert [(d["date"], d["cancelled"]) for d in summary["days"]] == [
        (monday + datetime.timedelta(days=n), n == 3) for n in (0, 1, 3, 4)
    ]
    assert lunch.child_summary(child, child) == summary
    assert lunch.child_summary(school_world["stranger"], child) is None
    assert lunch.child_summary(school_world["parent"], school_world["classmate"]) is None
    assert any(entry["key"] == "lunch" for entry in summaries.for_child(school_world["parent"], child))

"""Business rules of the lunch table (Mittagstisch): weekday bookings per term, single-day cancellations until the
offer's deadline, lunches cancelled by reported absences, monthly invoices per family, the kitchen list.

How a lunch day is decided (the invoice, the kitchen list and the pages all use `lunch_days`): a child eats on a
day if a booking of the offer exists for that weekday, the day lies in the offer's term, the offer still serves on
that weekday, the day is not before the booking started (`booking_starts_on`: the first day that could still be
cancelled when the booking was made) and there is no cancellation of that child for that day.

Changing the weekdays affects future days only. The model keeps no end date on a booking, so removing a weekday
does not delete a booking that already had lunch days: it cancels (reason "guardian") every remaining day of that
weekday in the term from the first day still cancellable; the days before stay booked and are billed. A booking
that had no lunch day yet is simply deleted. Booking the weekday again removes those guardian cancellations from
the first day still cancellable on (single days the guardian cancelled before on that weekday are booked again).
"""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policies, summaries
from .models import Guardianship, LunchBooking, LunchCancellation, LunchInvoice, LunchOffer, School, TeachingAssignment
from .signals import absence_reported

logger = logging.getLogger(__name__)

UPCOMING_DAYS = 28  # the guardian's page lists the lunch days of the next four weeks
ONE_DAY = datetime.timedelta(days=1)
WEEKDAY_NAMES = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
KITCHEN_PERMISSION = "schools.view_lunchbooking"


class LunchError(Exception):
    """A lunch action that the rules do not allow; the message is translated and meant for the person."""


def _user_model():
    return get_user_model()


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def money(rappen):
    return f"CHF {rappen / 100:.2f}"


def weekday_name(weekday):
    return str(WEEKDAY_NAMES[weekday])


def swiss_date(day):
    return day.strftime("%d.%m.%Y")


def month_start(day):
    return day.replace(day=1)


def month_end(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - ONE_DAY


# --- deadlines -------------------------------------------------------------------------------------------------


def first_cancellable_day(offer, now=None):
    """Today while it is before the offer's deadline (local time), else tomorrow."""
    now = timezone.localtime(now) if now is not None else timezone.localtime()
    return now.date() if now.time() < offer.cancellation_deadline else now.date() + ONE_DAY


def is_cancellable(offer, day, now=None):
    """A day can be cancelled if it is after today, or today before the offer's cancellation deadline."""
    return day >= first_cancellable_day(offer, now)


def booking_starts_on(booking):
    """The first day a booking counts: the day it was made if that was before the deadline, else the next day;
    never before the term starts."""
    starts = first_cancellable_day(booking.offer, booking.created_at)
    return max(starts, booking.offer.term.starts_on)


# --- lunch days ------------------------------------------------------------------------------------------------


def _weekday_dates(weekday, start, end):
    """The dates of one weekday (0 = Monday) from start to end, both included."""
    day = start + datetime.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        yield day
        day += datetime.timedelta(days=7)


def booked_dates(booking, start, end):
    """The days of a booking between start and end (cancellations not considered); needs offer and term loaded."""
    offer = booking.offer
    if booking.weekday not in offer.weekday_list:
        return []
    start = max(start, booking_starts_on(booking), offer.term.starts_on)
    end = min(end, offer.term.ends_on)
    return list(_weekday_dates(booking.weekday, start, end))


def cancellations_between(students, start, end):
    """{(student_id, date): cancellation} of the students between start and end (one query)."""
    rows = LunchCancellation.objects.filter(student__in=students, date__gte=start, date__lte=end)
    return {(row.student_id, row.date): row for row in rows}


def bookings_between(students, start, end, school=None):
    """Bookings whose offer's term overlaps start..end (one query, offers and terms loaded)."""
    bookings = LunchBooking.objects.filter(
        student__in=students, offer__term__starts_on__lte=end, offer__term__ends_on__gte=start
    ).select_related("offer__term", "offer__school")
    if school is not None:
        bookings = bookings.filter(offer__school=school)
    return bookings


def lunch_days(bookings, cancellations, start, end):
    """[(day, booking, cancellation or None)] sorted by day, for each booked day between start and end."""
    days = []
    for booking in bookings:
        for day in booked_dates(booking, start, end):
            days.append((day, booking, cancellations.get((booking.student_id, day))))
    days.sort(key=lambda entry: (entry[0], entry[1].student_id))
    return days


def upcoming_days(student, days=UPCOMING_DAYS, today=None):
    """The child's lunch days of the next weeks, each as a dict for the page (three queries)."""
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=days - 1)
    bookings = list(bookings_between([student.pk], today, end))
    cancellations = cancellations_between([student.pk], today, end)
    return [
        {
            "date": day,
            "weekday": weekday_name(day.weekday()),
            "offer": booking.offer,
            "cancellation": cancellation,
            "cancellable": cancellation is None and is_cancellable(booking.offer, day),
        }
        for day, booking, cancellation in lunch_days(bookings, cancellations, today, end)
    ]


# --- who and which offer ---------------------------------------------------------------------------------------


def lunch_students(user):
    """Whose lunch a person sees: their children (any guardianship) and themself while enrolled."""
    User = _user_model()
    if not _person(user):
        return User.objects.none()
    return User.objects.filter(
        Q(pk__in=Guardianship.objects.filter(guardian=user).values("student"))
        | Q(pk=user.pk, pk__in=policies.current_enrolments().values("student"))
    )


def current_class(student, today=None):
    """The child's current class (the latest school year's, if the child is in two)."""
    enrolment = (
        policies.current_enrolments(today)
        .filter(student=student)
        .select_related("school_class__school", "school_class__school_year")
        .order_by("-school_class__school_year__starts_on", "-pk")
        .first()
    )
    return enrolment.school_class if enrolment else None


def offers_for(student, today=None):
    """The offers a child can be booked for: of the school of the child's current class, for the term containing
    today and the terms after it (first the current one)."""
    today = today or timezone.localdate()
    school_class = current_class(student, today)
    if school_class is None:
        return LunchOffer.objects.none()
    return (
        LunchOffer.objects.filter(school=school_class.school, term__ends_on__gte=today)
        .select_related("term", "school")
        .order_by("term__starts_on")
    )


def active_weekdays(offer, student, now=None):
    """The weekdays the child is booked on from now on (a removed weekday, whose remaining days are all cancelled,
    does not count)."""
    bookings = list(LunchBooking.objects.filter(offer=offer, student=student).select_related("offer__term"))
    if not bookings:
        return []
    start = first_cancellable_day(offer, now)
    cancelled = set(
        LunchCancellation.objects.filter(
            offer=offer, student=student, date__gte=start, date__lte=offer.term.ends_on
        ).values_list("date", flat=True)
    )
    active = []
    for booking in bookings:
        remaining = booked_dates(booking, start, offer.term.ends_on)
        if not remaining or any(day not in cancelled for day in remaining):
            active.append(booking.weekday)
    return sorted(active)


# --- actions of a guardian -------------------------------------------------------------------------------------


def _check_may_act(user, student):
    if not policies.may_act_for_student(user, student):
        raise LunchError(_("Only a guardian with custody can book or cancel lunches for this child."))


def set_weekdays(user, student, offer, weekdays, now=None):
    """Book the child on exactly these weekdays of the offer from now on; returns (added, removed) weekdays."""
    _check_may_act(user, student)
    if not offers_for(student).filter(pk=offer.pk).exists():
        raise LunchError(_("This lunch offer is not open for booking for this child."))
    wanted = {int(day) for day in weekdays}
    if not wanted <= set(offer.weekday_list):
        raise LunchError(_("Lunch is not served on one of the chosen days."))
    start = first_cancellable_day(offer, now)
    end = offer.term.ends_on
    with transaction.atomic():
        # Serialise changes of one child's bookings (on PostgreSQL; SQLite writes one at a time anyway).
        list(LunchBooking.objects.select_for_update().filter(offer=offer, student=student))
        active = set(active_weekdays(offer, student, now))
        bookings = {b.weekday: b for b in LunchBooking.objects.filter(offer=offer, student=student)}
        added, removed = sorted(wanted - active), sorted(active - wanted)
        for weekday in added:
            if weekday not in bookings:
                LunchBooking.objects.create(offer=offer, student=student, weekday=weekday, booked_by=user)
            # Booking a weekday again books its remaining days again.
            LunchCancellation.objects.filter(
                offer=offer,
                student=student,
                reason=LunchCancellation.Reason.GUARDIAN,
                date__gte=start,
                date__iso_week_day=weekday + 1,
            ).delete()
        for weekday in removed:
            booking = bookings[weekday]
            booking.offer = offer
            if booking_starts_on(booking) >= start:
                # No lunch day has passed yet: nothing to bill, the booking goes.
                booking.delete()
                LunchCancellation.objects.filter(
                    offer=offer, student=student, date__gte=start, date__iso_week_day=weekday + 1
                ).delete()
                continue
            LunchCancellation.objects.bulk_create(
                [
                    LunchCancellation(
                        offer=offer,
                        student=student,
                        date=day,
                        reason=LunchCancellation.Reason.GUARDIAN,
                        cancelled_by=user,
                    )
                    for day in booked_dates(booking, start, end)
                ],
                ignore_conflicts=True,
            )
    logger.info(
        "lunch bookings of student %s for offer %s changed by user %s: added %s, removed %s",
        student.pk,
        offer.pk,
        user.pk,
        added,
        removed,
    )
    return added, removed


def cancel_day(user, student, day, now=None):
    """Cancel the child's lunch on one day until the deadline; cancelling a cancelled day changes nothing."""
    _check_may_act(user, student)
    with transaction.atomic():
        days = lunch_days(
            bookings_between([student.pk], day, day), cancellations_between([student.pk], day, day), day, day
        )
        if not days:
            raise LunchError(_("There is no lunch booked on %(date)s.") % {"date": swiss_date(day)})
        _day, booking, cancellation = days[0]
        if cancellation is not None:
            return cancellation
        if not is_cancellable(booking.offer, day, now):
            raise LunchError(
                _("Too late: lunch on %(date)s can only be cancelled until %(time)s on the day itself.")
                % {
                    "date": swiss_date(day),
                    "time": booking.offer.cancellation_deadline.strftime("%H:%M"),
                }
            )
        try:
            with transaction.atomic():
                cancellation = LunchCancellation.objects.create(
                    offer=booking.offer,
                    student=student,
                    date=day,
                    reason=LunchCancellation.Reason.GUARDIAN,
                    cancelled_by=user,
                )
        except IntegrityError:  # cancelled at the same moment by the other guardian
            return LunchCancellation.objects.get(offer=booking.offer, student=student, date=day)
    logger.info("lunch of student %s on %s cancelled by user %s", student.pk, day, user.pk)
    return cancellation


# --- absences --------------------------------------------------------------------------------------------------


def cancel_for_absence(student, starts_on, ends_on, by=None, now=None):
    """Cancel the child's lunches within an absence that are still cancellable; days past the deadline stay
    billed. Returns the cancellations created."""
    days = lunch_days(
        bookings_between([student.pk], starts_on, ends_on),
        cancellations_between([student.pk], starts_on, ends_on),
        starts_on,
        ends_on,
    )
    new = [
        LunchCancellation(
            offer=booking.offer, student=student, date=day, reason=LunchCancellation.Reason.ABSENCE, cancelled_by=by
        )
        for day, booking, cancellation in days
        if cancellation is None and is_cancellable(booking.offer, day, now)
    ]
    if new:
        LunchCancellation.objects.bulk_create(new, ignore_conflicts=True)
        logger.info("absence of student %s (%s–%s): %s lunch(es) cancelled", student.pk, starts_on, ends_on, len(new))
    return new


@receiver(absence_reported, dispatch_uid="schools.lunch.absence_cancels_lunch")
def absence_cancels_lunch(sender, absence, **kwargs):
    if getattr(absence, "kind", "absence") == "late":
        return  # a late arrival still eats
    cancel_for_absence(absence.student, absence.starts_on, absence.ends_on, by=getattr(absence, "reported_by", None))


# --- invoices --------------------------------------------------------------------------------------------------


def paying_guardians(student_ids):
    """{student_id: guardian}: the guardian with custody and not information-only with the lowest id."""
    payers = {}
    rows = (
        Guardianship.objects.filter(student__in=student_ids, has_custody=True, information_only=False)
        .select_related("guardian")
        .order_by("guardian_id")
    )
    for row in rows:
        payers.setdefault(row.student_id, row.guardian)
    return payers


def bill_month(school, month):
    """Invoice one month of lunches of a school: one LunchInvoice and one bill (case with QR-bill payment) per
    paying guardian; a family already invoiced for the month is skipped. Returns the invoices created."""
    from services import cases  # the portal's bills; imported here so the models load without services

    start, end = month_start(month), month_end(month)
    bookings = list(
        LunchBooking.objects.filter(
            offer__school=school, offer__term__starts_on__lte=end, offer__term__ends_on__gte=start
        ).select_related("offer__term", "student")
    )
    student_ids = {booking.student_id for booking in bookings}
    cancellations = cancellations_between(student_ids, start, end)
    per_student = defaultdict(list)
    students = {}
    for day, booking, cancellation in lunch_days(bookings, cancellations, start, end):
        if cancellation is None:
            per_student[booking.student_id].append((day, booking.offer.price_rappen))
            students[booking.student_id] = booking.student
    payers = paying_guardians(list(per_student))
    per_guardian = defaultdict(list)
    for student_id, days in per_student.items():
        guardian = payers.get(student_id)
        if guardian is None:
            logger.warning("lunch %s %s: student %s has no guardian who pays; not billed", school.pk, start, student_id)
            continue
        per_guardian[guardian].append((students[student_id], days))
    billed = set(
        LunchInvoice.objects.filter(school=school, month=start, guardian__in=list(per_guardian)).values_list(
            "guardian_id", flat=True
        )
    )
    invoices = []
    for guardian, children in sorted(per_guardian.items(), key=lambda item: item[0].pk):
        if guardian.pk in billed:
            continue
        children.sort(key=lambda item: (item[0].last_name, item[0].first_name, item[0].pk))
        try:
            invoices.append(_invoice(cases, school, guardian, start, children))
        except IntegrityError:
            logger.info("lunch %s %s: guardian %s was invoiced meanwhile", school.pk, start, guardian.pk)
    return invoices


def _invoice(cases, school, guardian, start, children):
    lines, case_lines, amount = [], [], 0
    with translation.override(guardian.language or settings.LANGUAGE_CODE):
        for student, days in children:
            name = student.get_full_name() or student.email
            subtotal = sum(price for _day, price in days)
            amount += subtotal
            lines += [{"student": name, "date": day.isoformat(), "amount_rappen": price} for day, price in days]
            case_lines.append(
                (
                    name,
                    _("%(count)s lunches, %(amount)s: %(dates)s")
                    % {
                        "count": len(days),
                        "amount": money(subtotal),
                        "dates": ", ".join(day.strftime("%d.%m.%Y") for day, _price in days),
                    },
                )
            )
        title = _("Lunch table %(school)s, %(month)s") % {"school": school.name, "month": start.strftime("%m.%Y")}
    with transaction.atomic():
        case = cases.bill(
            guardian, title, amount, key=f"lunch:{school.pk}:{guardian.pk}:{start:%Y-%m}", lines=case_lines
        )
        invoice = LunchInvoice.objects.create(
            school=school, guardian=guardian, month=start, amount_rappen=amount, lines=lines, case=case
        )
    logger.info("lunch invoice %s: school %s, guardian %s, %s, %s", invoice.pk, school.pk, guardian.pk, start, amount)
    return invoice


def bill_previous_month(today=None):
    """Daily job: invoice last month's lunches of every school (a month is billed once per family)."""
    today = today or timezone.localdate()
    month = month_start(month_start(today) - ONE_DAY)
    end = month_end(month)
    schools = School.objects.filter(
        lunch_offers__term__starts_on__lte=end, lunch_offers__term__ends_on__gte=month
    ).distinct()
    invoices = []
    for school in schools:
        invoices += bill_month(school, month)
    logger.info("lunch billing of %s: %s invoice(s)", month.strftime("%Y-%m"), len(invoices))
    return len(invoices)


# --- kitchen list ----------------------------------------------------------------------------------------------


def kitchen_schools(user, today=None):
    """Schools whose kitchen list a person may open: the school management, teachers of a class of the school
    (this school year or later), and back-office staff allowed to see lunch bookings (all schools)."""
    if not _person(user):
        return School.objects.none()
    if (user.is_staff or user.is_superuser) and user.has_perm(KITCHEN_PERMISSION):
        return School.objects.all()
    today = today or timezone.localdate()
    taught = TeachingAssignment.objects.filter(teacher=user, school_class__school_year__ends_on__gte=today).values(
        "school_class__school"
    )
    return School.objects.filter(Q(management=user) | Q(pk__in=taught)).distinct()


def kitchen_list(school, day):
    """Who eats at the school's lunch table on a day (with their class) and who is cancelled (fixed queries)."""
    offer = (
        LunchOffer.objects.filter(school=school, term__starts_on__lte=day, term__ends_on__gte=day)
        .select_related("term")
        .first()
    )
    result = {"offer": offer, "eating": [], "cancelled": [], "served": False}
    if offer is None or day.weekday() not in offer.weekday_list:
        return result
    result["served"] = True
    bookings = list(LunchBooking.objects.filter(offer=offer, weekday=day.weekday()).select_related("student"))
    for booking in bookings:
        booking.offer = offer
    cancellations = {
        row.student_id: row
        for row in LunchCancellation.objects.filter(offer=offer, date=day, student__in=[b.student_id for b in bookings])
    }
    classes = {}
    enrolments = (
        policies.current_enrolments(day)
        .filter(student__in=[b.student_id for b in bookings], school_class__school=school)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day))
        .select_related("school_class")
        .order_by("school_class__school_year__starts_on")
    )
    for enrolment in enrolments:
        classes[enrolment.student_id] = enrolment.school_class.name
    for booking in bookings:
        if day not in booked_dates(booking, day, day):
            continue
        entry = {"student": booking.student, "class_name": classes.get(booking.student_id, "")}
        cancellation = cancellations.get(booking.student_id)
        if cancellation is None:
            result["eating"].append(entry)
        else:
            entry["reason"] = cancellation.get_reason_display()
            result["cancelled"].append(entry)
    for key in ("eating", "cancelled"):
        result[key].sort(key=lambda e: (e["class_name"], e["student"].last_name, e["student"].first_name))
    return result


# --- overview summary ------------------------------------------------------------------------------------------


def child_summary(viewer, student):
    """This week's lunch days of the child, cancelled ones marked (three queries); None without lunch this week."""
    if not _person(viewer):
        return None
    if viewer.pk != student.pk and not Guardianship.objects.filter(guardian=viewer, student=student).exists():
        return None
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    sunday = monday + datetime.timedelta(days=6)
    days = lunch_days(
        list(bookings_between([student.pk], monday, sunday)),
        cancellations_between([student.pk], monday, sunday),
        monday,
        sunday,
    )
    if not days:
        return None
    return {
        "days": [
            {"date": day, "weekday": weekday_name(day.weekday()), "cancelled": cancellation is not None}
            for day, _booking, cancellation in days
        ]
    }


summaries.register_child("lunch", "schools/lunch/summary_child.html", child_summary, order=60)

"""Parent–teacher meetings (Elterngespräche): a teacher opens a series of slots for a class, a guardian books one.

Who does what (DESIGN.md 5.4, docs/schools/meetings.md):

- a teacher of the class opens a series, adds slots and deletes free ones; the series' teacher also cancels
  bookings; every teacher of the class sees who booked;
- a guardian who may act for a child (custody, not information only) books one slot per child and series, cancels
  or moves the booking until the booking deadline;
- guardians with an information right only and the students themselves see the booked time, nothing more;
- other guardians see free and taken slots, never who took them.

One booking per slot and one per child and series are kept by the database (a one-to-one slot and a unique
constraint), not by checks in Python: two guardians clicking at once cannot both get a slot.
"""

import csv
import datetime as dt
import io
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from account import notifications

from . import policies, summaries
from .models import Guardianship, SchoolClass, TeachingAssignment
from .models.meetings import MeetingBooking, MeetingSeries, MeetingSlot

logger = logging.getLogger(__name__)

KIND = "school"
# More slots at once would be a typing error rather than an afternoon of meetings.
MAX_SLOTS_AT_ONCE = 60
CSV_DELIMITER = ";"  # what Excel expects in de-CH
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class MeetingError(Exception):
    """A booking or a change that the rules refuse; the message is translated and shown to the person."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = str(message)
        self.field = field

    def __str__(self):
        return self.message


# --- time helpers ------------------------------------------------------------------------------------------------


def local_tz():
    return timezone.get_default_timezone()


def local_datetime(day, time):
    """The aware date and time of `day` at `time` in the municipality's time zone (Europe/Zurich)."""
    return timezone.make_aware(dt.datetime.combine(day, time), local_tz())


def slot_end(slot):
    return slot.starts_at + dt.timedelta(minutes=slot.duration_minutes)


def slot_times(day, first_start, length, pause=0, count=None, until=None):
    """Start times of `count` slots (or as many as end by `until`) of `length` minutes with `pause` between."""
    if length <= 0:
        raise MeetingError(_("A meeting lasts at least one minute."), field="length")
    if pause < 0:
        raise MeetingError(_("The break between meetings cannot be negative."), field="pause")
    if count is None and until is None:
        raise MeetingError(_("Give the number of meetings or the time the last one ends."), field="count")
    start = local_datetime(day, first_start)
    step = dt.timedelta(minutes=length + pause)
    times = []
    if count is not None:
        if count < 1:
            raise MeetingError(_("Create at least one meeting."), field="count")
        if count > MAX_SLOTS_AT_ONCE:
            raise MeetingError(
                _("At most %(max)d meetings can be created at once.") % {"max": MAX_SLOTS_AT_ONCE}, field="count"
            )
        times = [start + index * step for index in range(count)]
    else:
        end = local_datetime(day, until)
        current = start
        while current + dt.timedelta(minutes=length) <= end and len(times) <= MAX_SLOTS_AT_ONCE:
            times.append(current)
            current += step
        if not times:
            raise MeetingError(_("No meeting fits between the first start and the end time."), field="until")
        if len(times) > MAX_SLOTS_AT_ONCE:
            raise MeetingError(
                _("At most %(max)d meetings can be created at once.") % {"max": MAX_SLOTS_AT_ONCE}, field="until"
            )
    return times


# --- who sees what -----------------------------------------------------------------------------------------------


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def taught_classes(user):
    """Classes the person has a teaching assignment in: they open series there and see who booked."""
    if not _person(user):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(pk__in=TeachingAssignment.objects.filter(teacher=user).values("school_class"))


def series_visible_to(user):
    """Series of the classes the person sees (policies.classes_visible_to): teachers, guardians, students."""
    if not _person(user):
        return MeetingSeries.objects.none()
    return MeetingSeries.objects.filter(school_class__in=policies.classes_visible_to(user))


def series_taught_by(user):
    """Series of the classes the person teaches: they see every slot with who booked."""
    return MeetingSeries.objects.filter(school_class__in=taught_classes(user))


def bookings_visible_to(user):
    """The booking of a child to its guardians (also information only) and to the child; all to the class's teachers."""
    if not _person(user):
        return MeetingBooking.objects.none()
    return MeetingBooking.objects.filter(
        Q(student=user)
        | Q(student__in=Guardianship.objects.filter(guardian=user).values("student"))
        | Q(series__school_class__in=taught_classes(user))
    )


def may_manage(user, series):
    """Open slots, delete free ones, cancel bookings at any time: the series' teacher while teaching the class."""
    return _person(user) and series.teacher_id == user.pk and policies.is_teacher_of(user, series.school_class)


def is_open(series, now=None):
    return (now or timezone.now()) <= series.booking_deadline


# --- the teacher: series and slots -------------------------------------------------------------------------------


def _check_slot_values(location, online_url):
    if not (location or "").strip() and not (online_url or "").strip():
        raise MeetingError(_("Give a place or an online meeting link."), field="location")


def _overlapping(series, times, length):
    """The first new start time that overlaps an existing slot of the series, or None."""
    existing = [(slot.starts_at, slot_end(slot)) for slot in series.slots.all()]
    for start in times:
        end = start + dt.timedelta(minutes=length)
        for other_start, other_end in existing:
            if start < other_end and other_start < end:
                return start
    return None


def _create_slots(series, times, length, location, online_url):
    now = timezone.now()
    if times[0] <= now:
        raise MeetingError(_("Meetings can only be planned in the future."), field="day")
    clash = _overlapping(series, times, length)
    if clash is not None:
        raise MeetingError(
            _("The meeting at %(time)s overlaps a meeting already planned.")
            % {"time": timezone.localtime(clash).strftime("%d.%m.%Y %H:%M")},
            field="first_start",
        )
    return MeetingSlot.objects.bulk_create(
        [
            MeetingSlot(
                series=series,
                starts_at=start,
                duration_minutes=length,
                location=(location or "").strip(),
                online_url=(online_url or "").strip(),
            )
            for start in times
        ]
    )


def open_series(
    teacher,
    school_class,
    *,
    title,
    booking_deadline,
    day,
    first_start,
    length,
    pause=0,
    count=None,
    until=None,
    location="",
    online_url="",
    description="",
):
    """A teacher of the class opens a series with generated slots; returns the series."""
    if not policies.is_teacher_of(teacher, school_class):
        raise MeetingError(_("Only teachers of the class can plan meetings for it."))
    _check_slot_values(location, online_url)
    times = slot_times(day, first_start, length, pause, count=count, until=until)
    if booking_deadline <= timezone.now():
        raise MeetingError(_("The booking deadline must be in the future."), field="booking_deadline")
    if booking_deadline > times[0]:
        raise MeetingError(_("The booking deadline must be before the first meeting."), field="booking_deadline")
    with transaction.atomic():
        series = MeetingSeries.objects.create(
            school_class=school_class,
            teacher=teacher,
            title=title.strip(),
            description=(description or "").strip(),
            booking_deadline=booking_deadline,
        )
        _create_slots(series, times, length, location, online_url)
    logger.info(
        "meeting series %s opened by user %s for class %s with %d slots",
        series.pk,
        teacher.pk,
        school_class.pk,
        len(times),
    )
    return series


def update_series(teacher, series, *, title, description, booking_deadline):
    if not may_manage(teacher, series):
        raise MeetingError(_("Only the teacher who planned these meetings can change them."))
    series.title, series.description, series.booking_deadline = (
        title.strip(),
        (description or "").strip(),
        booking_deadline,
    )
    series.save(update_fields=["title", "description", "booking_deadline"])
    logger.info("meeting series %s changed by user %s", series.pk, teacher.pk)
    return series


def add_slots(
    teacher, series, *, day, first_start, length, pause=0, count=None, until=None, location="", online_url=""
):
    """More slots for an existing series; returns the new slots."""
    if not may_manage(teacher, series):
        raise MeetingError(_("Only the teacher who planned these meetings can add times."))
    _check_slot_values(location, online_url)
    times = slot_times(day, first_start, length, pause, count=count, until=until)
    with transaction.atomic():
        # Lock the series so two parallel additions do not both pass the overlap check.
        MeetingSeries.objects.select_for_update().filter(pk=series.pk).first()
        slots = _create_slots(series, times, length, location, online_url)
    logger.info("user %s added %d slots to meeting series %s", teacher.pk, len(slots), series.pk)
    return slots


def delete_slot(teacher, slot):
    """Delete a free slot; a booked slot is refused (cancel the booking first)."""
    if not may_manage(teacher, slot.series):
        raise MeetingError(_("Only the teacher who planned these meetings can delete times."))
    with transaction.atomic():
        # A booking committed before this lock is seen below; one committing later fails its foreign key check
        # (it waits for this lock at commit and finds the slot gone), so no booking is ever lost silently.
        locked = MeetingSlot.objects.select_for_update().filter(pk=slot.pk).first()
        if locked is None:
            return False
        if MeetingBooking.objects.filter(slot=locked).exists():
            raise MeetingError(
                _(
                    "This time is booked and cannot be deleted. "
                    "Cancel the booking first if the meeting cannot take place."
                )
            )
        locked.delete()
    logger.info("user %s deleted free meeting slot %s of series %s", teacher.pk, slot.pk, slot.series_id)
    return True


# --- guardians: booking, cancelling, moving ----------------------------------------------------------------------


def _check_may_book(user, series, student, now):
    if not policies.may_act_for_student(user, student):
        raise MeetingError(_("Only a guardian with custody can book meetings for this child."))
    if not policies.current_enrolments().filter(student=student, school_class=series.school_class).exists():
        raise MeetingError(_("These meetings are for another class."))
    if not is_open(series, now):
        raise MeetingError(
            _("Booking closed on %(deadline)s. Please contact the teacher.")
            % {"deadline": timezone.localtime(series.booking_deadline).strftime("%d.%m.%Y %H:%M")}
        )


def _check_slot(series, slot, now):
    if slot.series_id != series.pk:
        raise MeetingError(_("Please choose a time of these meetings."), field="slot")
    if slot.starts_at <= now:
        raise MeetingError(_("This time is over. Please choose another."), field="slot")


def _insert_booking(series, slot, student, user):
    """Insert in a savepoint; the database decides who gets the slot. Returns the booking or raises MeetingError."""
    try:
        with transaction.atomic():
            return MeetingBooking.objects.create(series=series, slot=slot, student=student, booked_by=user)
    except IntegrityError:
        if MeetingBooking.objects.filter(series=series, student=student).exists():
            raise MeetingError(
                _("%(name)s is already booked in this series.") % {"name": student.first_name or student}
            ) from None
        raise MeetingError(_("This slot has just been taken, please choose another."), field="slot") from None


def book(user, slot, student):
    """The guardian books `slot` for `student`; returns the booking."""
    series = slot.series
    now = timezone.now()
    _check_may_book(user, series, student, now)
    _check_slot(series, slot, now)
    try:
        with transaction.atomic():
            booking = _insert_booking(series, slot, student, user)
            _confirm(booking, user, cancelled=False)
    except IntegrityError:
        # The teacher deleted the slot meanwhile: the foreign key is checked when the transaction commits.
        raise MeetingError(_("This time is no longer available, please choose another."), field="slot") from None
    logger.info("user %s booked meeting slot %s for student %s", user.pk, slot.pk, student.pk)
    return booking


def rebook(user, booking, new_slot):
    """Move a booking to another free slot of the same series, atomically: if the new slot is taken the old stays."""
    series = booking.series
    now = timezone.now()
    _check_may_book(user, series, booking.student, now)
    _check_slot(series, new_slot, now)
    if new_slot.pk == booking.slot_id:
        return booking
    try:
        with transaction.atomic():
            old = MeetingBooking.objects.select_for_update().filter(pk=booking.pk).first()
            if old is None:
                raise MeetingError(_("This booking has been cancelled in the meantime."))
            old_slot_id = old.slot_id
            old.delete()
            # Raising here rolls back the whole block: the old booking is kept.
            new = _insert_booking(series, new_slot, booking.student, user)
            _confirm(new, user, cancelled=False, moved=True)
    except IntegrityError:
        raise MeetingError(_("This time is no longer available, please choose another."), field="slot") from None
    logger.info(
        "user %s moved the meeting of student %s from slot %s to %s",
        user.pk,
        booking.student_id,
        old_slot_id,
        new_slot.pk,
    )
    return new


def cancel(user, booking):
    """A guardian who may act cancels until the deadline; the series' teacher cancels at any time."""
    series = booking.series
    by_teacher = may_manage(user, series)
    if not by_teacher:
        if not policies.may_act_for_student(user, booking.student):
            raise MeetingError(_("Only a guardian with custody can cancel this booking."))
        if not is_open(series):
            raise MeetingError(
                _("Changes were possible until %(deadline)s. Please contact the teacher.")
                % {"deadline": timezone.localtime(series.booking_deadline).strftime("%d.%m.%Y %H:%M")}
            )
    with transaction.atomic():
        deleted, _details = MeetingBooking.objects.filter(pk=booking.pk).delete()
        if deleted:
            _confirm(booking, booking.booked_by, cancelled=True, by_teacher=by_teacher)
            if booking.booked_by_id != user.pk and not by_teacher:
                _confirm(booking, user, cancelled=True)
    logger.info("user %s cancelled meeting booking %s (slot %s)", user.pk, booking.pk, booking.slot_id)
    return bool(deleted)


# --- notifications, reminders, calendar ----------------------------------------------------------------------------


def _language(user):
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def format_slot(slot):
    start = timezone.localtime(slot.starts_at, local_tz())
    return f"{start:%d.%m.%Y %H:%M}–{timezone.localtime(slot_end(slot), local_tz()):%H:%M}"


def slot_place(slot):
    return ", ".join(part for part in (slot.location, slot.online_url) if part)


def _confirm(booking, recipient, *, cancelled, moved=False, by_teacher=False):
    series, slot, student = booking.series, booking.slot, booking.student
    with translation.override(_language(recipient)):
        values = {
            "title": series.title,
            "name": student.first_name or str(student),
            "time": format_slot(slot),
            "place": slot_place(slot),
            "teacher": str(series.teacher),
        }
        if cancelled:
            title = _("Meeting cancelled: %(title)s for %(name)s") % values
            if by_teacher:
                body = (
                    _(
                        "The teacher %(teacher)s cancelled the meeting on %(time)s. "
                        "Please choose another time or contact the teacher."
                    )
                    % values
                )
            else:
                body = _("The meeting on %(time)s has been cancelled.") % values
            url = reverse("school:meetings_series", kwargs={"pk": series.pk})
        else:
            title = (
                _("Meeting moved: %(title)s for %(name)s") if moved else _("Meeting booked: %(title)s for %(name)s")
            ) % values
            body = _("%(time)s with %(teacher)s, %(place)s. Add it to your calendar with the link.") % values
            url = reverse("school:meetings_ics", kwargs={"pk": booking.pk})
        notifications.notify(recipient, KIND, title, body, url=url)


def send_reminders(today=None):
    """Remind the booking guardian of meetings tomorrow (local date), once per booking; returns how many were sent.

    Scheduled daily (django-q2: "schools.meetings.send_reminders"); safe to run twice or in parallel.
    """
    today = today or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    start = local_datetime(tomorrow, dt.time.min)
    end = local_datetime(tomorrow + dt.timedelta(days=1), dt.time.min)
    due = (
        MeetingBooking.objects.filter(reminded_at__isnull=True, slot__starts_at__gte=start, slot__starts_at__lt=end)
        .select_related("slot", "series__teacher", "student", "booked_by")
        .order_by("slot__starts_at", "pk")
    )
    sent = 0
    for booking in due:
        with transaction.atomic():
            # Claim first: a parallel run updates nothing and sends nothing.
            claimed = MeetingBooking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not claimed:
                continue
            recipient = booking.booked_by
            with translation.override(_language(recipient)):
                values = {
                    "title": booking.series.title,
                    "name": booking.student.first_name or str(booking.student),
                    "time": format_slot(booking.slot),
                    "place": slot_place(booking.slot),
                    "teacher": str(booking.series.teacher),
                }
                notifications.notify(
                    recipient,
                    KIND,
                    _("Tomorrow: %(title)s for %(name)s") % values,
                    _("Reminder: meeting on %(time)s with %(teacher)s, %(place)s.") % values,
                    url=reverse("school:meetings_ics", kwargs={"pk": booking.pk}),
                )
            sent += 1
    logger.info("meeting reminders for %s: %d sent", tomorrow, sent)
    return sent


def booking_uid(booking, host):
    """Stable for the child's meeting in the series: moving the booking updates the calendar entry."""
    return f"school-meeting-{booking.series_id}-{booking.student_id}@{host}"


def booking_calendar(booking, host, url=""):
    """The booking as an iCalendar file (bytes): local times with the Europe/Zurich time zone."""
    from icalendar import Calendar, Event

    slot, series = booking.slot, booking.series
    calendar = Calendar()
    calendar.add("prodid", "-//Gemeindeportal//Elterngespraeche//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking, host))
    event.add("dtstamp", booking.booked_at or timezone.now())
    event.add("dtstart", timezone.localtime(slot.starts_at, local_tz()))
    event.add("dtend", timezone.localtime(slot_end(slot), local_tz()))
    event.add("summary", f"{series.title}: {booking.student.first_name or booking.student}")
    description = [str(series.teacher)]
    if series.description:
        description.append(series.description)
    event.add("description", "\n".join(description))
    if slot.location or slot.online_url:
        event.add("location", slot.location or slot.online_url)
    if slot.online_url:
        event.add("url", slot.online_url)
    elif url:
        event.add("url", url)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- export ------------------------------------------------------------------------------------------------------


def _cell(value):
    value = str(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def export_rows(series):
    """Rows of the bookings export: every slot, with child, guardian and e-mail where booked."""
    slots = series.slots.select_related("booking__student", "booking__booked_by").order_by("starts_at", "pk")
    for slot in slots:
        booking = getattr(slot, "booking", None)
        start = timezone.localtime(slot.starts_at, local_tz())
        yield [
            start.strftime("%d.%m.%Y"),
            start.strftime("%H:%M"),
            str(slot.duration_minutes),
            slot_place(slot),
            str(booking.student) if booking else "",
            str(booking.booked_by) if booking else "",
            booking.booked_by.email if booking else "",
        ]


def export_csv(series):
    """Semicolon-separated UTF-8 with a byte order mark, as Excel opens it in Switzerland."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow([_("Date"), _("Time"), _("Length (minutes)"), _("Place"), _("Child"), _("Guardian"), _("E-mail")])
    for row in export_rows(series):
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- lists and summaries -------------------------------------------------------------------------------------------


def with_counts(queryset):
    return queryset.annotate(
        slot_count=Count("slots", distinct=True),
        booked_count=Count("bookings", distinct=True),
        first_start=Min("slots__starts_at"),
        last_start=Max("slots__starts_at"),
    )


def upcoming(queryset, now=None):
    """Series still relevant: a slot in the future (or no slot yet and the deadline ahead)."""
    now = now or timezone.now()
    slots = MeetingSlot.objects.filter(series=OuterRef("pk"))
    return queryset.filter(
        Q(Exists(slots.filter(starts_at__gte=now))) | (Q(booking_deadline__gte=now) & ~Q(Exists(slots)))
    )


def child_summary(viewer, student):
    """The child's next booked meeting, else an open series of the child's class still to book."""
    now = timezone.now()
    booking = (
        MeetingBooking.objects.filter(student=student, slot__starts_at__gte=now)
        .select_related("slot", "series")
        .order_by("slot__starts_at")
        .first()
    )
    if booking is not None:
        return {
            "booking": booking,
            "time": format_slot(booking.slot),
            "url": reverse("school:meetings_series", kwargs={"pk": booking.series_id}) + f"?student={student.pk}",
        }
    classes = policies.current_enrolments().filter(student=student).values("school_class")
    series = (
        MeetingSeries.objects.filter(school_class__in=classes, booking_deadline__gte=now)
        .exclude(bookings__student=student)
        .order_by("booking_deadline", "pk")
        .first()
    )
    if series is None:
        return None
    return {
        "series": series,
        "can_book": policies.may_act_for_student(viewer, student),
        "url": reverse("school:meetings_series", kwargs={"pk": series.pk}) + f"?student={student.pk}",
    }


def class_summary(teacher, school_class):
    """Open series of the class with how many of their slots are booked."""
    series = list(
        with_counts(upcoming(MeetingSeries.objects.filter(school_class=school_class))).order_by(
            "booking_deadline", "pk"
        )
    )
    if not series:
        return None
    return {
        "series": [
            {
                "series": item,
                "booked": item.booked_count,
                "total": item.slot_count,
                "url": reverse("school:meetings_series", kwargs={"pk": item.pk}),
            }
            for item in series
        ],
        "url": reverse("school:meetings") + f"?class={school_class.pk}",
    }


summaries.register_child("meetings", "schools/meetings/summary_child.html", child_summary, order=20)
summaries.register_class("meetings", "schools/meetings/summary_class.html", class_summary, order=20)

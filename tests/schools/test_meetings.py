"""Rules of the parent–teacher meetings: slots, booking, moving, cancelling, deadlines, reminders, iCal, export."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from icalendar import Calendar

from account.models import Notification
from schools import meetings
from schools.models.meetings import MeetingBooking, MeetingSeries, MeetingSlot
from tests.schools.test_meetings_helpers import close_booking, open_series, slots

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")


# --- slots ----------------------------------------------------------------------------------------------------------


def test_slot_times_by_count_follow_one_another_with_breaks():
    day = datetime.date(2030, 3, 12)
    times = meetings.slot_times(day, datetime.time(14, 0), 20, 5, count=3)
    assert [t.astimezone(ZURICH).strftime("%H:%M") for t in times] == ["14:00", "14:25", "14:50"]
    assert all(t.astimezone(ZURICH).date() == day for t in times)


def test_slot_times_by_end_time_keep_only_meetings_that_end_in_time():
    times = meetings.slot_times(datetime.date(2030, 3, 12), datetime.time(14, 0), 20, 10, until=datetime.time(15, 30))
    # 14:00, 14:30, 15:00 (ends 15:20); 15:30 would end at 15:50
    assert [t.astimezone(ZURICH).strftime("%H:%M") for t in times] == ["14:00", "14:30", "15:00"]


def test_slot_times_in_summer_time_are_local_times():
    [start] = meetings.slot_times(datetime.date(2030, 7, 1), datetime.time(8, 0), 20, count=1)
    assert start.astimezone(datetime.UTC).hour == 6  # CEST is UTC+2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "count"),
        ({"count": 0}, "count"),
        ({"count": meetings.MAX_SLOTS_AT_ONCE + 1}, "count"),
        ({"until": datetime.time(14, 10)}, "until"),
    ],
)
def test_slot_times_refuse_impossible_plans(kwargs, field):
    with pytest.raises(meetings.MeetingError) as error:
        meetings.slot_times(datetime.date(2030, 3, 12), datetime.time(14, 0), 20, 5, **kwargs)
    assert error.value.field == field


def test_a_teacher_of_the_class_opens_a_series_with_local_times(school_world):
    series = open_series(school_world, teacher="subject_teacher")
    times = [slot.starts_at.astimezone(ZURICH).strftime("%H:%M") for slot in slots(series)]
    assert times == ["14:00", "14:25", "14:50", "15:15"]
    assert {slot.location for slot in slots(series)} == {"Zimmer 3a"}
    assert {slot.duration_minutes for slot in slots(series)} == {20}


@pytest.mark.parametrize("role", ["other_teacher", "parent", "head", "stranger"])
def test_only_teachers_of_the_class_open_a_series(school_world, role):
    with pytest.raises(meetings.MeetingError):
        open_series(school_world, teacher=role)
    assert not MeetingSeries.objects.exists()


def test_the_deadline_must_be_before_the_first_meeting(school_world):
    with pytest.raises(meetings.MeetingError) as error:
        open_series(school_world, in_days=2, deadline_in_days=3)
    assert error.value.field == "booking_deadline"


def test_added_slots_must_not_overlap_planned_ones(school_world):
    series = open_series(school_world)
    first = slots(series)[0]
    day = timezone.localtime(first.starts_at).date()
    with pytest.raises(meetings.MeetingError, match="overlaps"):
        meetings.add_slots(
            school_world["teacher"], series, day=day, first_start=datetime.time(14, 10), length=20, count=1,
            location="Zimmer 3a",
        )  # fmt: skip
    added = meetings.add_slots(
        school_world["teacher"], series, day=day, first_start=datetime.time(16, 0), length=30, count=2, location="Aula"
    )
    assert len(added) == 2 and series.slots.count() == 6


def test_a_free_slot_is_deleted_a_booked_one_refused(school_world):
    series = open_series(school_world)
    booked, free = slots(series)[:2]
    meetings.book(school_world["parent"], booked, school_world["child"])
    with pytest.raises(meetings.MeetingError, match="booked and cannot be deleted"):
        meetings.delete_slot(school_world["teacher"], booked)
    assert MeetingBooking.objects.filter(slot=booked).exists()
    assert meetings.delete_slot(school_world["teacher"], free) is True
    assert not MeetingSlot.objects.filter(pk=free.pk).exists()


def test_only_the_series_teacher_deletes_slots(school_world):
    series = open_series(school_world)
    with pytest.raises(meetings.MeetingError):
        meetings.delete_slot(school_world["subject_teacher"], slots(series)[0])
    assert series.slots.count() == 4


# --- booking ----------------------------------------------------------------------------------------------------------


def test_a_guardian_with_custody_books_a_slot_and_is_notified(
    school_world, django_capture_on_commit_callbacks, mailoutbox
):
    series = open_series(school_world)
    slot = slots(series)[1]
    with django_capture_on_commit_callbacks(execute=True):
        booking = meetings.book(school_world["parent"], slot, school_world["child"])
    assert (booking.slot, booking.student, booking.booked_by) == (slot, school_world["child"], school_world["parent"])
    notification = Notification.objects.get(user=school_world["parent"])
    assert notification.title == f"Meeting booked: Elterngespräche for {school_world['child'].first_name}"
    assert "14:25" in notification.body and "Zimmer 3a" in notification.body
    assert notification.url == f"/en/account/school/meetings/bookings/{booking.pk}/meeting.ics"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [school_world["parent"].email]
    assert f"/bookings/{booking.pk}/meeting.ics" in mailoutbox[0].body


def test_a_taken_slot_is_refused_by_the_database(school_world):
    series = open_series(school_world)
    slot = slots(series)[0]
    meetings.book(school_world["classmate_parent"], slot, school_world["classmate"])
    with pytest.raises(meetings.MeetingError, match="This slot has just been taken, please choose another") as error:
        meetings.book(school_world["parent"], slot, school_world["child"])
    assert error.value.field == "slot"
    assert MeetingBooking.objects.get().student == school_world["classmate"]


def test_one_booking_per_child_and_series(school_world):
    series = open_series(school_world)
    first, second = slots(series)[:2]
    meetings.book(school_world["parent"], first, school_world["child"])
    with pytest.raises(meetings.MeetingError, match="already booked in this series"):
        meetings.book(school_world["parent"], second, school_world["child"])
    assert MeetingBooking.objects.count() == 1


@pytest.mark.parametrize("role", ["informed_parent", "classmate_parent", "teacher", "child", "stranger"])
def test_only_guardians_who_may_act_book(school_world, role):
    series = open_series(school_world)
    with pytest.raises(meetings.MeetingError):
        meetings.book(school_world[role], slots(series)[0], school_world["child"])
    assert not MeetingBooking.objects.exists()


def test_a_child_of_another_class_cannot_be_booked(school_world):
    series = open_series(school_world)
    with pytest.raises(meetings.MeetingError, match="another class"):
        meetings.book(school_world["other_parent"], slots(series)[0], school_world["other_child"])


def test_after_the_deadline_nothing_changes(school_world):
    series = open_series(school_world)
    first, second = slots(series)[:2]
    booking = meetings.book(school_world["parent"], first, school_world["child"])
    close_booking(series)
    booking.series.refresh_from_db()
    for action in (
        lambda: meetings.book(school_world["classmate_parent"], second, school_world["classmate"]),
        lambda: meetings.rebook(school_world["parent"], booking, second),
        lambda: meetings.cancel(school_world["parent"], booking),
    ):
        with pytest.raises(meetings.MeetingError, match="until|closed"):
            action()
    assert list(MeetingBooking.objects.values_list("slot", "student")) == [(first.pk, school_world["child"].pk)]


def test_the_teacher_cancels_after_the_deadline_and_the_guardian_is_told(school_world):
    series = open_series(school_world)
    booking = meetings.book(school_world["parent"], slots(series)[0], school_world["child"])
    close_booking(series)
    booking.series.refresh_from_db()
    assert meetings.cancel(school_world["teacher"], booking) is True
    assert not MeetingBooking.objects.exists()
    latest = Notification.objects.filter(user=school_world["parent"]).latest("pk")
    assert latest.title.startswith("Meeting cancelled") and "cancelled the meeting" in latest.body


def test_a_guardian_cancels_until_the_deadline(school_world):
    series = open_series(school_world)
    booking = meetings.book(school_world["parent"], slots(series)[0], school_world["child"])
    assert meetings.cancel(school_world["parent"], booking) is True
    assert not MeetingBooking.objects.exists()
    assert Notification.objects.filter(user=school_world["parent"], title__startswith="Meeting cancelled").count() == 1


def test_rebooking_moves_to_a_free_slot(school_world):
    series = open_series(school_world)
    first, _taken, third = slots(series)[:3]
    booking = meetings.book(school_world["parent"], first, school_world["child"])
    moved = meetings.rebook(school_world["parent"], booking, third)
    assert list(MeetingBooking.objects.values_list("slot", "student")) == [(third.pk, school_world["child"].pk)]
    assert moved.pk != booking.pk
    assert Notification.objects.filter(user=school_world["parent"], title__startswith="Meeting moved").count() == 1


def test_rebooking_to_a_taken_slot_keeps_the_old_booking(school_world):
    series = open_series(school_world)
    first, taken = slots(series)[:2]
    booking = meetings.book(school_world["parent"], first, school_world["child"])
    meetings.book(school_world["classmate_parent"], taken, school_world["classmate"])
    with pytest.raises(meetings.MeetingError, match="just been taken"):
        meetings.rebook(school_world["parent"], booking, taken)
    assert MeetingBooking.objects.get(student=school_world["child"]).pk == booking.pk
    assert MeetingBooking.objects.get(student=school_world["child"]).slot == first


def test_a_past_slot_cannot_be_booked(school_world):
    series = open_series(school_world)
    past = MeetingSlot.objects.create(
        series=series, starts_at=timezone.now() - datetime.timedelta(hours=1), location="Zimmer 3a"
    )
    with pytest.raises(meetings.MeetingError, match="over"):
        meetings.book(school_world["parent"], past, school_world["child"])


# --- reminders ---------------------------------------------------------------------------------------------------


def _booking_at(world, series, starts_at, student="child", guardian="parent"):
    slot = MeetingSlot.objects.create(series=series, starts_at=starts_at, location="Zimmer 3a")
    return MeetingBooking.objects.create(slot=slot, series=series, student=world[student], booked_by=world[guardian])


def test_reminders_go_once_to_the_booking_guardian_the_day_before(school_world):
    series = open_series(school_world)
    today = datetime.date(2030, 3, 11)
    tomorrow_morning = datetime.datetime(2030, 3, 12, 7, 30, tzinfo=ZURICH)
    tomorrow = _booking_at(school_world, series, tomorrow_morning)
    _booking_at(school_world, series, tomorrow_morning + datetime.timedelta(days=1), "classmate", "classmate_parent")
    # 23:30 local today is tomorrow in UTC-less thinking but not tomorrow here: no reminder.
    late_today = MeetingSeries.objects.create(
        school_class=series.school_class, teacher=series.teacher, title="Other", booking_deadline=timezone.now()
    )
    _booking_at(school_world, late_today, datetime.datetime(2030, 3, 11, 23, 30, tzinfo=ZURICH))

    assert meetings.send_reminders(today=today) == 1
    assert meetings.send_reminders(today=today) == 0
    reminders = Notification.objects.filter(title__startswith="Tomorrow")
    assert [(n.user, n.title) for n in reminders] == [
        (school_world["parent"], f"Tomorrow: Elterngespräche for {school_world['child'].first_name}")
    ]
    assert "12.03.2030 07:30" in reminders[0].body
    tomorrow.refresh_from_db()
    assert tomorrow.reminded_at is not None
    assert MeetingBooking.objects.filter(reminded_at__isnull=False).count() == 1


# --- iCal and export ---------------------------------------------------------------------------------------------


def test_the_ical_invitation_has_local_times_and_a_stable_uid(school_world):
    series = open_series(school_world)
    first, _second, third = slots(series)[:3]
    booking = meetings.book(school_world["parent"], first, school_world["child"])
    calendar = Calendar.from_ical(meetings.booking_calendar(booking, "portal.example", url="https://portal.example/x"))
    [event] = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Zurich"
    assert start.astimezone(ZURICH).strftime("%H:%M") == "14:00" and end - start == datetime.timedelta(minutes=20)
    assert str(event["SUMMARY"]) == f"Elterngespräche: {school_world['child'].first_name}"
    assert str(event["LOCATION"]) == "Zimmer 3a"
    assert str(event["URL"]) == "https://portal.example/x"
    assert calendar.walk("VTIMEZONE"), "the time zone is described for calendar apps"
    moved = meetings.rebook(school_world["parent"], booking, third)
    moved_event = Calendar.from_ical(meetings.booking_calendar(moved, "portal.example")).walk("VEVENT")[0]
    assert str(moved_event["UID"]) == str(event["UID"])
    assert moved_event.decoded("DTSTART").astimezone(ZURICH).strftime("%H:%M") == "14:50"


def test_the_export_is_semicolon_csv_with_bom_for_excel(school_world):
    series = open_series(school_world)
    first, second = slots(series)[:2]
    school_world["child"].first_name, school_world["child"].last_name = "Lina", "=Muster"
    school_world["child"].save()
    meetings.book(school_world["parent"], second, school_world["child"])
    with translation.override("en"):
        content = meetings.export_csv(series)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Time", "Length (minutes)", "Place", "Child", "Guardian", "E-mail"]
    day = timezone.localtime(first.starts_at).strftime("%d.%m.%Y")
    assert rows[1] == [day, "14:00", "20", "Zimmer 3a", "", "", ""]
    parent = school_world["parent"]
    assert rows[2] == [day, "14:25", "20", "Zimmer 3a", "Lina =Muster", str(parent), parent.email]
    assert len(rows) == 5


def test_export_cells_that_look_like_formulas_are_neutralised(school_world):
    series = open_series(school_world)
    school_world["child"].first_name, school_world["child"].last_name = "=HYPERLINK(1)", "X"
    school_world["child"].save()
    meetings.book(school_world["parent"], slots(series)[0], school_world["child"])
    rows = list(csv.reader(io.StringIO(meetings.export_csv(series).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][4] == "'=HYPERLINK(1) X"


# --- summaries ---------------------------------------------------------------------------------------------------


def test_child_summary_shows_the_series_to_book_then_the_booking(school_world, django_assert_max_num_queries):
    series = open_series(school_world)
    with django_assert_max_num_queries(3):
        summary = meetings.child_summary(school_world["parent"], school_world["child"])
    assert summary["series"] == series and summary["can_book"] is True
    assert summary["url"].endswith(f"/account/school/meetings/{series.pk}/?student={school_world['child'].pk}")
    assert meetings.child_summary(school_world["informed_parent"], school_world["child"])["can_book"] is False
    booking = meetings.book(school_world["parent"], slots(series)[2], school_world["child"])
    with django_assert_max_num_queries(3):
        summary = meetings.child_summary(school_world["parent"], school_world["child"])
    assert summary["booking"] == booking and "14:50" in summary["time"]
    assert meetings.child_summary(school_world["other_parent"], school_world["other_child"]) is None


def test_class_summary_counts_booked_slots(school_world, django_assert_max_num_queries):
    series = open_series(school_world)
    open_series(school_world, in_days=8, deadline_in_days=4)
    meetings.book(school_world["parent"], slots(series)[0], school_world["child"])
    with django_assert_max_num_queries(2):
        summary = meetings.class_summary(school_world["teacher"], school_world["class_a"])
    assert [(item["series"].pk, item["booked"], item["total"]) for item in summary["series"]][0] == (series.pk, 1, 4)
    assert len(summary["series"]) == 2
    assert meetings.class_summary(school_world["other_teacher"], school_world["class_b"]) is None


def test_summaries_are_registered():
    from schools import summaries

    assert "meetings" in summaries._child and "meetings" in summaries._class


def test_summary_templates_render_a_short_block(school_world):
    from django.template.loader import render_to_string

    series = open_series(school_world)
    child = school_world["child"]
    with translation.override("en"):
        to_book = render_to_string(
            "schools/meetings/summary_child.html",
            {"summary": meetings.child_summary(school_world["parent"], child), "student": child},
        )
        meetings.book(school_world["parent"], slots(series)[1], child)
        booked = render_to_string(
            "schools/meetings/summary_child.html",
            {"summary": meetings.child_summary(school_world["parent"], child), "student": child},
        )
        per_class = render_to_string(
            "schools/meetings/summary_class.html",
            {
                "summary": meetings.class_summary(school_world["teacher"], school_world["class_a"]),
                "school_class": school_world["class_a"],
            },
        )
    assert "<h3>Parent–teacher meeting</h3>" in to_book and "please book by" in to_book and "Book a time" in to_book
    assert "booked for" in booked and "14:25" in booked and f"/meetings/{series.pk}/?student={child.pk}" in booked
    assert "Elterngespräche" in per_class and "1 of 4 times booked" in per_class

"""The meeting pages: who sees and does what (authorisation tables), what each person sees, query counts."""

import datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from schools import meetings
from schools.models import Enrolment, Guardianship
from schools.models.meetings import MeetingBooking, MeetingSeries, MeetingSlot
from tests.factories import UserFactory
from tests.schools.conftest import ROLES
from tests.schools.test_meetings_helpers import close_booking, open_series, slots

pytestmark = pytest.mark.django_db

BASE = "/en/account/school/meetings"
ALL = (*ROLES, "anonymous")
LOGIN = "login"  # anonymous: sent to the login page


@pytest.fixture
def world(school_world):
    """Series on 3a by its class teacher: the classmate booked slot 2, the child slot 1; slots 3 and 4 free."""
    series = open_series(school_world)
    first, second, third, fourth = slots(series)
    child_booking = meetings.book(school_world["parent"], first, school_world["child"])
    classmate_booking = meetings.book(school_world["classmate_parent"], second, school_world["classmate"])
    return {
        **school_world,
        "series": series,
        "slots": [first, second, third, fourth],
        "child_booking": child_booking,
        "classmate_booking": classmate_booking,
    }


def as_role(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    return client


def outcome(response):
    if response.status_code == 302 and "/auth/login/" in response["Location"]:
        return LOGIN
    return response.status_code


# --- authorisation tables ------------------------------------------------------------------------------------------

# The series of class 3a (GET): 200 for whoever belongs to the class; whether the page names who booked.
SEE_SERIES = {
    #  role                 status  names who booked
    "parent":               (200,   False),
    "informed_parent":      (200,   False),
    "other_parent":         (404,   False),
    "classmate_parent":     (200,   False),
    "teacher":              (200,   True),
    "subject_teacher":      (200,   True),
    "other_teacher":        (404,   False),
    "child":                (200,   False),
    "classmate":            (200,   False),
    "other_child":          (404,   False),
    "head":                 (404,   False),
    "stranger":             (404,   False),
    "anonymous":            (LOGIN, False),
}  # fmt: skip


@pytest.mark.parametrize("role", ALL)
def test_who_sees_the_series(client, world, role):
    expected_status, names_who_booked = SEE_SERIES[role]
    response = as_role(client, world, role).get(f"{BASE}/{world['series'].pk}/")
    assert outcome(response) == expected_status
    if expected_status == 200:
        content = response.content.decode()
        assert "Elterngespräche" in content
        # Families see another family's slot only as taken; teachers see who booked it.
        other_child, other_guardian = ("child", "parent") if "classmate" in role else ("classmate", "classmate_parent")
        assert (world[other_guardian].email in content) is names_who_booked
        assert (world[other_child].get_full_name() in content) is names_who_booked


# The child's booking (the .ics download is the booking's own page): guardians, the child, teachers of the class.
SEE_BOOKING = {
    "parent": 200, "informed_parent": 200, "other_parent": 404, "classmate_parent": 404, "teacher": 200,
    "subject_teacher": 200, "other_teacher": 404, "child": 200, "classmate": 404, "other_child": 404, "head": 404,
    "stranger": 404, "anonymous": LOGIN,
}  # fmt: skip


@pytest.mark.parametrize("role", ALL)
def test_who_sees_the_childs_booking(client, world, role):
    response = as_role(client, world, role).get(f"{BASE}/bookings/{world['child_booking'].pk}/meeting.ics")
    assert outcome(response) == SEE_BOOKING[role]
    if SEE_BOOKING[role] == 200:
        assert response["Content-Type"].startswith("text/calendar")
        Calendar.from_ical(response.content)


# Booking a free slot for the child (POST): only the guardian with custody who is not information only.
BOOK = {
    "parent": 302, "informed_parent": 403, "other_parent": 404, "classmate_parent": 404, "teacher": 403,
    "subject_teacher": 403, "other_teacher": 404, "child": 403, "classmate": 404, "other_child": 404, "head": 404,
    "stranger": 404, "anonymous": LOGIN,
}  # fmt: skip


@pytest.mark.parametrize("role", ALL)
def test_who_books_for_the_child(client, world, role):
    MeetingBooking.objects.filter(pk=world["child_booking"].pk).delete()
    free = world["slots"][2]
    response = as_role(client, world, role).post(
        f"{BASE}/{world['series'].pk}/book/", {"student": world["child"].pk, f"child-{world['child'].pk}-slot": free.pk}
    )
    assert outcome(response) == BOOK[role]
    booked = MeetingBooking.objects.filter(student=world["child"]).first()
    assert (booked is not None and booked.slot == free) is (BOOK[role] == 302)


# Cancelling the child's booking (POST): the guardian who may act, and the series' teacher.
CANCEL = {
    "parent": 302, "informed_parent": 403, "other_parent": 404, "classmate_parent": 404, "teacher": 302,
    "subject_teacher": 403, "other_teacher": 404, "child": 403, "classmate": 404, "other_child": 404, "head": 404,
    "stranger": 404, "anonymous": LOGIN,
}  # fmt: skip


@pytest.mark.parametrize("role", ALL)
def test_who_cancels_the_childs_booking(client, world, role):
    response = as_role(client, world, role).post(f"{BASE}/bookings/{world['child_booking'].pk}/cancel/")
    assert outcome(response) == CANCEL[role]
    assert MeetingBooking.objects.filter(pk=world["child_booking"].pk).exists() is (CANCEL[role] != 302)


# Managing the series: export (GET) for every teacher of the class; adding and deleting slots only its teacher.
#  role                  export  add slots (GET)  delete a free slot (POST)  plan a new series for 3a (GET)
MANAGE = {
    "parent":           (403,    403,             403,                        403),
    "informed_parent":  (403,    403,             403,                        403),
    "other_parent":     (404,    404,             404,                        404),
    "classmate_parent": (403,    403,             403,                        403),
    "teacher":          (200,    200,             302,                        200),
    "subject_teacher":  (200,    403,             403,                        200),
    "other_teacher":    (404,    404,             404,                        404),
    "child":            (403,    403,             403,                        403),
    "classmate":        (403,    403,             403,                        403),
    "other_child":      (404,    404,             404,                        404),
    "head":             (404,    404,             404,                        404),
    "stranger":         (404,    404,             404,                        404),
    "anonymous":        (LOGIN,  LOGIN,           LOGIN,                      LOGIN),
}  # fmt: skip


@pytest.mark.parametrize("role", ALL)
def test_who_manages_the_series(client, world, role):
    export, add, delete, new = MANAGE[role]
    series, free = world["series"], world["slots"][3]
    client = as_role(client, world, role)
    response = client.get(f"{BASE}/{series.pk}/export.csv")
    assert outcome(response) == export
    if export == 200:
        assert world["child"].get_full_name() in response.content.decode("utf-8-sig")
    assert outcome(client.get(f"{BASE}/{series.pk}/slots/add/")) == add
    assert outcome(client.get(f"{BASE}/{series.pk}/edit/")) == add
    assert outcome(client.post(f"{BASE}/{series.pk}/slots/{free.pk}/delete/")) == delete
    assert MeetingSlot.objects.filter(pk=free.pk).exists() is (delete != 302)
    assert outcome(client.get(f"{BASE}/new/{world['class_a'].pk}/")) == new


@pytest.mark.parametrize("role", ALL)
def test_everyone_logged_in_has_the_overview(client, world, role):
    response = as_role(client, world, role).get(f"{BASE}/")
    assert outcome(response) == (LOGIN if role == "anonymous" else 200)
    if role == "anonymous":
        return
    # The series shows to those of class 3a (teachers with the number of booked times).
    belongs = SEE_SERIES[role][0] == 200
    assert (f"{BASE}/{world['series'].pk}/" in response.content.decode()) is belongs
    if role in ("teacher", "subject_teacher"):
        assert "2 of 4 times booked" in response.content.decode()


# --- what people see and do ----------------------------------------------------------------------------------------


def test_the_guardian_sees_free_and_taken_never_who(client, world):
    client.force_login(world["parent"])
    content = client.get(f"{BASE}/{world['series'].pk}/").content.decode()
    assert "your booking" in content and "taken" in content and "free" in content
    assert world["classmate"].get_full_name() not in content
    assert world["classmate_parent"].get_full_name() not in content
    assert "Move to another time" in content and "Cancel booking" in content
    assert f"/bookings/{world['child_booking'].pk}/meeting.ics" in content


def test_the_informed_guardian_sees_the_booked_time_but_cannot_book(client, world):
    client.force_login(world["informed_parent"])
    content = client.get(f"{BASE}/{world['series'].pk}/").content.decode()
    assert "Booked:" in content and "14:00" in content
    assert "Only a guardian with custody can book" in content
    assert "Book this time" not in content and "Cancel booking" not in content and "Move booking" not in content


def test_the_student_sees_their_own_booked_time(client, world):
    client.force_login(world["child"])
    content = client.get(f"{BASE}/{world['series'].pk}/").content.decode()
    assert "My meeting" in content and "Booked:" in content and "14:00" in content
    assert "Cancel booking" not in content and "Choose a time" not in content


def test_the_teacher_sees_who_booked_and_who_has_not(client, world):
    extra = UserFactory(language="en", first_name="Noa", last_name="Ohnetermin")
    Enrolment.objects.create(student=extra, school_class=world["class_a"])
    client.force_login(world["teacher"])
    content = client.get(f"{BASE}/{world['series'].pk}/").content.decode()
    assert world["child"].get_full_name() in content and world["parent"].email in content
    assert "2 of 4 booked" in content
    assert "Not booked yet" in content and "Noa Ohnetermin" in content


def test_booking_through_the_page(client, world, django_capture_on_commit_callbacks, mailoutbox):
    MeetingBooking.objects.filter(pk=world["child_booking"].pk).delete()
    client.force_login(world["parent"])
    field = f"child-{world['child'].pk}-slot"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{BASE}/{world['series'].pk}/book/", {"student": world["child"].pk, field: world["slots"][3].pk}
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Booked:" in page and "15:15" in page
    assert MeetingBooking.objects.get(student=world["child"]).slot == world["slots"][3]
    assert [m.to for m in mailoutbox] == [[world["parent"].email]]


def test_moving_through_the_page(client, world):
    client.force_login(world["parent"])
    field = f"child-{world['child'].pk}-slot"
    response = client.post(
        f"{BASE}/{world['series'].pk}/book/", {"student": world["child"].pk, field: world["slots"][2].pk}
    )
    assert response.status_code == 302
    assert MeetingBooking.objects.get(student=world["child"]).slot == world["slots"][2]
    assert "Moved:" in client.get(response["Location"]).content.decode()


def test_a_slot_taken_meanwhile_is_refused_with_a_clear_message(client, world):
    MeetingBooking.objects.filter(pk=world["child_booking"].pk).delete()
    client.force_login(world["parent"])
    field = f"child-{world['child'].pk}-slot"
    # The classmate's slot (taken since the page was loaded).
    response = client.post(
        f"{BASE}/{world['series'].pk}/book/", {"student": world["child"].pk, field: world["slots"][1].pk}
    )
    assert response.status_code == 200
    assert "This slot has just been taken, please choose another." in response.content.decode()
    assert not MeetingBooking.objects.filter(student=world["child"]).exists()


def test_after_the_deadline_the_page_says_so_and_nothing_changes(client, world):
    close_booking(world["series"])
    client.force_login(world["parent"])
    content = client.get(f"{BASE}/{world['series'].pk}/").content.decode()
    assert "Please contact the teacher for changes" in content and "Cancel booking" not in content
    field = f"child-{world['child'].pk}-slot"
    response = client.post(
        f"{BASE}/{world['series'].pk}/book/", {"student": world["child"].pk, field: world["slots"][3].pk}, follow=True
    )
    assert "Booking closed on" in response.content.decode()
    response = client.post(f"{BASE}/bookings/{world['child_booking'].pk}/cancel/", follow=True)
    assert "Please contact the teacher" in response.content.decode()
    assert MeetingBooking.objects.get(student=world["child"]).slot == world["slots"][0]


def test_deleting_a_booked_slot_is_refused_with_a_message(client, world):
    client.force_login(world["teacher"])
    response = client.post(f"{BASE}/{world['series'].pk}/slots/{world['slots'][0].pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert MeetingSlot.objects.filter(pk=world["slots"][0].pk).exists()


def test_the_teacher_opens_a_series_through_the_form(client, school_world):
    client.force_login(school_world["teacher"])
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "title": "Standortgespräche",
        "description": "",
        "booking_deadline": f"{day - datetime.timedelta(days=3):%Y-%m-%d}T18:00",
        "day": f"{day:%Y-%m-%d}",
        "first_start": "13:30",
        "count": "",
        "until": "15:00",
        "length": "25",
        "pause": "5",
        "location": "Zimmer 3a",
        "online_url": "",
    }
    response = client.post(f"{BASE}/new/{school_world['class_a'].pk}/", data)
    series = MeetingSeries.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/meetings/{series.pk}/")
    times = [timezone.localtime(slot.starts_at).strftime("%H:%M") for slot in series.slots.order_by("starts_at")]
    assert times == ["13:30", "14:00", "14:30"]
    assert series.teacher == school_world["teacher"] and series.school_class == school_world["class_a"]


def test_a_wrong_series_form_keeps_what_was_typed(client, school_world):
    client.force_login(school_world["teacher"])
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        f"{BASE}/new/{school_world['class_a'].pk}/",
        {
            "title": "Standortgespräche",
            "booking_deadline": f"{day + datetime.timedelta(days=1):%Y-%m-%d}T18:00",
            "day": f"{day:%Y-%m-%d}",
            "first_start": "13:30",
            "length": "25",
            "pause": "5",
            "location": "",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200 and not MeetingSeries.objects.exists()
    assert "Give the number of meetings or the time the last one ends." in content
    assert "Give a place or an online meeting link." in content
    assert 'value="Standortgespräche"' in content and 'value="13:30"' in content


def test_adding_times_through_the_form(client, world):
    client.force_login(world["teacher"])
    day = timezone.localtime(world["slots"][0].starts_at).date()
    response = client.post(
        f"{BASE}/{world['series'].pk}/slots/add/",
        {"day": f"{day:%Y-%m-%d}", "first_start": "16:00", "count": "2", "length": "20", "pause": "0",
         "location": "", "online_url": "https://meet.example/abc"},
    )  # fmt: skip
    assert response.status_code == 302
    added = world["series"].slots.filter(online_url="https://meet.example/abc").order_by("starts_at")
    assert [timezone.localtime(slot.starts_at).strftime("%H:%M") for slot in added] == ["16:00", "16:20"]


# --- queries do not grow with records ------------------------------------------------------------------------------


def _more_series(world, how_many):
    for index in range(how_many):
        series = open_series(world, in_days=10 + index, deadline_in_days=3 + index)
        meetings.book(world["parent"], slots(series)[0], world["child"])


@pytest.mark.parametrize("role", ["parent", "teacher"])
def test_the_overview_queries_do_not_grow(client, world, role, django_assert_max_num_queries):
    client.force_login(world[role])
    with django_assert_max_num_queries(40) as few:
        client.get(f"{BASE}/")
    baseline = len(few.captured_queries)
    _more_series(world, 3)
    second_child = UserFactory(language="en")
    Enrolment.objects.create(student=second_child, school_class=world["class_a"])
    Guardianship.objects.create(guardian=world["parent"], student=second_child)
    with django_assert_max_num_queries(baseline):
        response = client.get(f"{BASE}/")
    assert response.status_code == 200
    assert response.content.decode().count("Elterngespräche") >= 4


@pytest.mark.parametrize("role", ["parent", "teacher"])
def test_the_series_page_queries_do_not_grow(client, world, role, django_assert_max_num_queries):
    client.force_login(world[role])
    with django_assert_max_num_queries(40) as few:
        client.get(f"{BASE}/{world['series'].pk}/")
    baseline = len(few.captured_queries)
    meetings.add_slots(
        world["teacher"], world["series"], day=timezone.localdate() + datetime.timedelta(days=6),
        first_start=datetime.time(8, 0), length=20, count=6, location="Zimmer 3a",
    )  # fmt: skip
    for key in ("other_child", "stranger"):
        Enrolment.objects.create(student=world[key], school_class=world["class_a"])
    meetings.book(world["other_parent"], world["series"].slots.order_by("-starts_at").first(), world["other_child"])
    with django_assert_max_num_queries(baseline):
        response = client.get(f"{BASE}/{world['series'].pk}/")
    assert response.status_code == 200
    assert response.content.decode().count("data-slot=") == 10

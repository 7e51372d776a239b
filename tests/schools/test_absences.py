"""Absences and leave requests: what guardians, teachers, the management and students see and do, what is stored,
which events, notifications and e-mails go out."""

import datetime

import pytest
from django.utils import timezone

from account.models import Notification
from integrations.models import Event
from schools import absences, summaries
from schools.models import Absence, Enrolment, Guardianship, LeaveRequest, ReasonCategory, Term
from schools.signals import absence_reported
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def url(path=""):
    return f"/en/account/school/absences/{path}"


@pytest.fixture
def signals():
    received = []

    def receiver(sender, absence, **kwargs):
        received.append(absence.pk)

    absence_reported.connect(receiver, dispatch_uid="test-absences")
    yield received
    absence_reported.disconnect(dispatch_uid="test-absences")


def report(client, world, **data):
    today = TODAY().isoformat()
    values = {"starts_on": today, "ends_on": today, "half_days": "2", "reason": "illness", "note": ""} | data
    client.force_login(world["parent"])
    return client.post(url(f"child/{world['child'].pk}/report/"), values)


def make_absence(world, student="child", days_ago=0, status=Absence.Status.REPORTED, **fields):
    day = TODAY() - datetime.timedelta(days=days_ago)
    values = {
        "starts_on": day,
        "ends_on": day,
        "half_days": 2,
        "reason": ReasonCategory.ILLNESS,
        "source": Absence.Source.GUARDIAN,
        "status": status,
    } | fields
    school_class = world["class_a"] if student in ("child", "classmate") else world["class_b"]
    return Absence.objects.create(student=world[student], school_class=school_class, **values)


# --- guardian reports ----------------------------------------------------------------------------------------------


def test_guardian_reports_an_absence(client, school_world, signals, django_capture_on_commit_callbacks, mailoutbox):
    world = school_world
    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, world, half_days="1", reason="appointment", note="Dentist at 10, back at 11")
    assert response.status_code == 302
    absence = Absence.objects.get(student=world["child"])
    assert (absence.status, absence.source, absence.kind) == ("reported", "guardian", "absence")
    assert (absence.school_class, absence.half_days, absence.reported_by) == (world["class_a"], 1, world["parent"])
    assert signals == [absence.pk]

    event = Event.objects.get(type="absence.reported")
    assert event.record_type == "absences" and event.subject_id == str(absence.pk)
    # Ids and codes only: names, dates, the reason and the note are fetched through the API.
    assert event.data == {
        "absenceId": absence.pk,
        "studentId": world["child"].pk,
        "classId": world["class_a"].pk,
        "classExternalId": None,
        "kind": "absence",
        "source": "guardian",
    }

    # The class teacher hears of it (in the inbox and by e-mail), the subject teacher does not.
    assert list(Notification.objects.values_list("user", flat=True)) == [world["teacher"].pk]
    assert [m.to for m in mailoutbox] == [[world["teacher"].email]]
    assert "Absence reported" in mailoutbox[0].subject

    page = client.get(response["Location"]).content.decode()
    assert "Reported, not yet assessed" in page and "Dentist at 10, back at 11" in page


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"starts_on": "2026-01-10", "ends_on": "2026-01-09"}, "ends_on", "must not be before the first day"),
        ({"half_days": "3"}, "half_days", "at most 2 half-days"),
        ({"reason": "flu"}, "reason", "Select a valid choice"),
    ],
)
def test_report_errors_keep_the_input(client, school_world, data, field, message):
    response = report(client, school_world, note="Bring the reading book", **data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert "Bring the reading book" in response.content.decode()
    assert not Absence.objects.exists()


def test_report_too_late_and_overlapping(client, school_world):
    long_ago = (TODAY() - datetime.timedelta(days=31)).isoformat()
    response = report(client, school_world, starts_on=long_ago, ends_on=long_ago)
    assert "up to 30 days afterwards" in response.content.decode()
    assert report(client, school_world).status_code == 302
    response = report(client, school_world)
    assert response.status_code == 200 and "is already recorded" in response.content.decode()
    assert Absence.objects.count() == 1


def test_information_only_guardian_sees_but_cannot_report(client, school_world):
    make_absence(school_world)
    client.force_login(school_world["informed_parent"])
    page = client.get(url(f"child/{school_world['child'].pk}/")).content.decode()
    assert "Reported, not yet assessed" in page and "Report an absence" not in page
    response = client.get(url(f"child/{school_world['child'].pk}/report/"))
    assert response.status_code == 403 and "Only a guardian with custody" in response.content.decode()


# --- teachers ------------------------------------------------------------------------------------------------------


def test_teacher_assesses_and_guardians_hear_once_of_unexcused(client, school_world, mailoutbox):
    world = school_world
    absence = make_absence(world)
    client.force_login(world["teacher"])
    class_page = url(f"class/{world['class_a'].pk}/")
    assert f'data-absence="{absence.pk}"' in client.get(class_page).content.decode()

    response = client.post(url(f"{absence.pk}/assess/"), {"status": "unexcused", "next": class_page})
    assert response.status_code == 302 and response["Location"] == class_page
    absence.refresh_from_db()
    assert absence.status == "unexcused" and absence.guardians_notified_at is not None
    notified = set(Notification.objects.values_list("user", flat=True))
    assert notified == {world["parent"].pk, world["informed_parent"].pk}

    client.post(url(f"{absence.pk}/assess/"), {"status": "excused"})
    client.post(url(f"{absence.pk}/assess/"), {"status": "unexcused"})
    assert Notification.objects.count() == 2  # once per absence

    client.force_login(world["parent"])
    assert "Unexcused" in client.get(url(f"child/{world['child'].pk}/")).content.decode()


def test_assess_rejects_other_status_and_foreign_next(client, school_world):
    absence = make_absence(school_world)
    client.force_login(school_world["teacher"])
    response = client.post(url(f"{absence.pk}/assess/"), {"status": "reported", "next": "https://evil.example/"})
    assert response["Location"] == url(f"{absence.pk}/")
    absence.refresh_from_db()
    assert absence.status == "reported"


def test_teacher_records_late_arrival_and_unexcused_absence(
    client, school_world, signals, django_capture_on_commit_callbacks
):
    world = school_world
    client.force_login(world["subject_teacher"])
    record = url(f"class/{world['class_a'].pk}/record/")
    today = TODAY().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            record,
            {"student": world["child"].pk, "kind": "late", "starts_on": today, "minutes_late": "15"}
            | {"reason": "other", "status": "excused"},
        )
        assert response.status_code == 302
        response = client.post(
            record,
            {"student": world["child"].pk, "kind": "absence", "starts_on": today, "ends_on": today, "half_days": "1"}
            | {"reason": "other", "status": "unexcused"},
        )
        assert response.status_code == 302
    late, absent = Absence.objects.order_by("pk")
    assert (late.kind, late.minutes_late, late.half_days, late.source) == ("late", 15, 0, "teacher")
    assert (absent.kind, absent.status, absent.half_days) == ("absence", "unexcused", 1)
    assert signals == [absent.pk]  # a late arrival cancels no lunch
    assert Event.objects.filter(type="absence.reported").count() == 2
    assert Notification.objects.filter(user=world["parent"], title__contains="Unexcused absence").count() == 1


def test_record_form_errors(client, school_world):
    world = school_world
    client.force_login(world["teacher"])
    record = url(f"class/{world['class_a'].pk}/record/")
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        record,
        {"student": world["child"].pk, "kind": "late", "starts_on": tomorrow, "minutes_late": "5"}
        | {"reason": "other", "status": "excused", "note": "Bus late"},
    )
    assert "cannot lie in the future" in response.content.decode() and "Bus late" in response.content.decode()
    response = client.post(
        record,
        {"student": world["other_child"].pk, "kind": "absence", "starts_on": tomorrow}
        | {"reason": "other", "status": "excused"},
    )
    form = response.context["form"]
    assert "student" in form.errors and "half_days" in form.errors and "ends_on" in form.errors
    assert not Absence.objects.exists()


def test_class_page_queries_do_not_grow(client, school_world, django_assert_max_num_queries):
    world = school_world
    client.force_login(world["teacher"])
    page = url(f"class/{world['class_a'].pk}/")
    make_absence(world)
    with django_assert_max_num_queries(30) as few:
        client.get(page)
    for index in range(8):
        student = UserFactory(language="en")
        Enrolment.objects.create(student=student, school_class=world["class_a"])
        Absence.objects.create(
            student=student,
            school_class=world["class_a"],
            starts_on=TODAY(),
            ends_on=TODAY(),
            half_days=1,
            reason="illness",
            source="guardian",
            status=["reported", "excused", "unexcused"][index % 3],
        )
        absences.request_leave(
            world["parent"],
            world["child"],
            starts_on=TODAY() + datetime.timedelta(days=20 + 3 * index),
            ends_on=TODAY() + datetime.timedelta(days=20 + 3 * index),
            half_days=1,
            reason="Family",
        )
    with django_assert_max_num_queries(len(few)):
        response = client.get(page)
    assert response.content.decode().count("data-absence=") == 9 + 4  # term list + the reported ones to assess


def test_entry_pages_per_role(client, school_world, django_assert_max_num_queries):
    world = school_world
    client.force_login(world["parent"])
    response = client.get(url(f"?student={world['child'].pk}"))
    assert response["Location"] == url(f"child/{world['child'].pk}/")
    assert client.get(url(f"?student={world['other_child'].pk}")).status_code == 404
    assert client.get(url(f"?class={world['class_a'].pk}")).status_code == 404
    with django_assert_max_num_queries(40) as few:
        assert world["child"].get_full_name() in client.get(url()).content.decode()
    for _ in range(3):  # more children, one of them in the other class, one who left the school
        child = UserFactory(language="en")
        Guardianship.objects.create(guardian=world["parent"], student=child)
        Enrolment.objects.create(student=child, school_class=world["class_b"])
    Guardianship.objects.create(guardian=world["parent"], student=UserFactory(language="en"))
    with django_assert_max_num_queries(len(few)):
        assert client.get(url()).content.decode().count('<li class="card">') == 5

    client.force_login(world["teacher"])
    assert client.get(url(f"?class={world['class_a'].pk}"))["Location"] == url(f"class/{world['class_a'].pk}/")
    assert "My classes" in client.get(url()).content.decode()

    client.force_login(world["stranger"])
    assert "No child, class or school is linked" in client.get(url()).content.decode()


# --- leave requests ------------------------------------------------------------------------------------------------


def ask(client, world, half_days, days_ahead=7, reason="Grandmother's 80th birthday"):
    start = TODAY() + datetime.timedelta(days=days_ahead)
    end = start + datetime.timedelta(days=max(0, (half_days - 1) // 2))
    client.force_login(world["parent"])
    return client.post(
        url(f"child/{world['child'].pk}/leave/"),
        {"starts_on": start.isoformat(), "ends_on": end.isoformat(), "half_days": str(half_days), "reason": reason},
    )


def test_leave_up_to_the_limit_goes_to_the_class_teacher(client, school_world, mailoutbox):
    world = school_world
    response = ask(client, world, 4)
    leave = LeaveRequest.objects.get()
    assert response["Location"] == url(f"leave/{leave.pk}/")
    assert (leave.decided_by_role, leave.status) == ("class_teacher", "pending")
    event = Event.objects.get(type="leave_request.submitted")
    assert event.record_type == "absences" and event.subject_id == str(leave.pk)
    assert event.data == {
        "leaveRequestId": leave.pk,
        "studentId": world["child"].pk,
        "classId": world["class_a"].pk,
        "classExternalId": None,
    }
    assert list(Notification.objects.values_list("user", flat=True)) == [world["teacher"].pk]

    client.force_login(world["teacher"])
    page = client.get(url(f"leave/{leave.pk}/")).content.decode()
    assert "Save decision" in page
    assert client.post(url(f"leave/{leave.pk}/decide/"), {"decision": "approve", "reason": "family"}).status_code == 302
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by) == ("approved", world["teacher"])
    absence = Absence.objects.get()
    assert (absence.source, absence.status, absence.reason) == ("leave", "excused", "family")
    assert (absence.starts_on, absence.ends_on, absence.half_days) == (leave.starts_on, leave.ends_on, 4)
    approved = Notification.objects.filter(title__startswith="Leave approved")
    assert set(approved.values_list("user", flat=True)) == {world["parent"].pk, world["informed_parent"].pk}

    # Decided once: a second decision is refused with a message.
    response = client.post(url(f"leave/{leave.pk}/decide/"), {"decision": "decline", "note": "No"}, follow=True)
    assert "no longer pending" in response.content.decode()


def test_leave_above_the_limit_goes_to_the_management(client, school_world):
    world = school_world
    ask(client, world, 5)
    leave = LeaveRequest.objects.get()
    assert leave.decided_by_role == "management"
    assert list(Notification.objects.values_list("user", flat=True)) == [world["head"].pk]

    client.force_login(world["teacher"])
    response = client.post(url(f"leave/{leave.pk}/decide/"), {"decision": "approve", "reason": "family"})
    assert response.status_code == 403 and "decided by the school management" in response.content.decode()
    assert "Save decision" not in client.get(url(f"leave/{leave.pk}/")).content.decode()

    client.force_login(world["head"])
    index = client.get(url()).content.decode()
    assert "Leave requests for the school management" in index and f'data-leave="{leave.pk}"' in index
    response = client.post(url(f"leave/{leave.pk}/decide/"), {"decision": "decline", "reason": "family"})
    assert response.status_code == 400 and "Please say why the leave is declined" in response.content.decode()
    client.post(url(f"leave/{leave.pk}/decide/"), {"decision": "decline", "note": "Exam week"})
    leave.refresh_from_db()
    assert (leave.status, leave.decision_note) == ("declined", "Exam week")
    assert not Absence.objects.exists()
    assert f'data-leave="{leave.pk}"' not in client.get(url()).content.decode()
    client.force_login(world["parent"])
    page = client.get(url(f"leave/{leave.pk}/")).content.decode()
    assert "Declined" in page and "Exam week" in page


def test_leave_errors_and_withdrawal(client, school_world):
    world = school_world
    response = ask(client, world, 2, days_ahead=-1, reason="Holiday")
    assert "must not be in the past" in response.content.decode() and "Holiday" in response.content.decode()
    ask(client, world, 2)
    response = ask(client, world, 2)
    assert "already a leave request" in response.content.decode()
    leave = LeaveRequest.objects.get()
    assert client.post(url(f"leave/{leave.pk}/withdraw/")).status_code == 302
    leave.refresh_from_db()
    assert leave.status == "withdrawn"
    response = client.post(url(f"leave/{leave.pk}/withdraw/"), follow=True)
    assert "no longer pending" in response.content.decode()
    assert ask(client, world, 2).status_code == 302  # a withdrawn request no longer blocks the dates


# --- totals and summaries ------------------------------------------------------------------------------------------


def test_term_totals(school_world):
    world = school_world
    term = world["term"]
    second = Term.objects.get(name="2. Semester")
    make_absence(world, status="excused", half_days=3, days_ago=3, ends_on=TODAY() - datetime.timedelta(days=2))
    make_absence(world, status="unexcused", half_days=1, days_ago=5)
    make_absence(world, status="reported", half_days=2, days_ago=6)
    make_absence(world, status="excused", kind="late", half_days=0, minutes_late=5, days_ago=7)
    make_absence(world, status="unexcused", kind="late", half_days=0, minutes_late=5, days_ago=8)
    make_absence(world, student="classmate", status="excused", half_days=2, days_ago=3)
    # Overlapping the end of the term: counted in both terms.
    make_absence(
        world, status="excused", half_days=4, starts_on=term.ends_on, ends_on=term.ends_on + datetime.timedelta(days=1)
    )
    totals = absences.term_totals(world["child"], term)
    assert totals == absences.Totals(excused=7, unexcused=1, reported=2, late=2)
    assert absences.term_totals(world["child"], second) == absences.Totals(excused=4)
    rows = dict(absences.class_term_totals(world["class_a"], term))
    assert rows[world["child"]] == totals and rows[world["classmate"]] == absences.Totals(excused=2)


def test_class_page_shows_totals_of_the_chosen_term(client, school_world):
    world = school_world
    second = Term.objects.get(name="2. Semester")
    make_absence(world, status="excused", half_days=2, starts_on=second.starts_on, ends_on=second.starts_on)
    client.force_login(world["teacher"])
    page = url(f"class/{world['class_a'].pk}/")
    first = client.get(page)
    assert first.context["term"] == world["term"]
    assert dict(first.context["totals"])[world["child"]].excused == 0
    chosen = client.get(f"{page}?term={second.pk}")
    assert chosen.context["term"] == second
    assert dict(chosen.context["totals"])[world["child"]].excused == 2
    assert f'data-student="{world["child"].pk}"' in chosen.content.decode()


def test_guardian_and_student_see_their_totals(client, school_world):
    world = school_world
    make_absence(world, status="unexcused", half_days=3, ends_on=TODAY() + datetime.timedelta(days=1))
    for role in ("parent", "child"):
        client.force_login(world[role])
        response = client.get(url(f"child/{world['child'].pk}/"))
        first = response.context["terms"][0]
        assert first["term"] == world["term"] and first["totals"].unexcused == 3
        assert 'data-total="unexcused">3<' in response.content.decode()


def test_summaries(school_world, django_assert_max_num_queries):
    world = school_world
    make_absence(world, status="excused", half_days=2)
    make_absence(world, status="reported", half_days=1, days_ago=2)
    absences.request_leave(
        world["parent"], world["child"], starts_on=TODAY(), ends_on=TODAY(), half_days=2, reason="Move"
    )
    with django_assert_max_num_queries(6):
        child = absences.child_summary(world["parent"], world["child"])
    assert child["term"] == world["term"] and child["totals"].excused == 2 and child["open_requests"] == 1
    assert absences.child_summary(world["stranger"], world["child"]) is None
    assert absences.class_summary(world["teacher"], world["class_a"]) == {"to_assess": 1, "to_decide": 1}
    assert absences.class_summary(world["subject_teacher"], world["class_a"]) == {"to_assess": 1, "to_decide": 0}
    assert absences.class_summary(world["other_teacher"], world["class_a"]) is None
    keys = [entry["key"] for entry in summaries.for_class(world["teacher"], world["class_a"])]
    assert "absences" in keys


def test_summary_templates_render(school_world):
    from django.template.loader import render_to_string
    from django.utils import translation

    world = school_world
    make_absence(world, status="reported")
    with translation.override("en"):
        child = render_to_string(
            "schools/absences/summary_child.html",
            {"summary": absences.child_summary(world["parent"], world["child"]), "student": world["child"]},
        )
        school_class = render_to_string(
            "schools/absences/summary_class.html",
            {"summary": absences.class_summary(world["teacher"], world["class_a"]), "school_class": world["class_a"]},
        )
    assert "<h3>Absences</h3>" in child and "0 excused and 0 unexcused half-days" in child
    assert "1 reported absence to assess." in school_class
    assert url(f"class/{world['class_a'].pk}/") in school_class

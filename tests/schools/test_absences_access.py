"""Who sees and does what with absences and leave requests: role × record × action (DESIGN.md 5.4 and 7).

The records belong to `child` (class 3a of `school_world`). A record one may not see answers 404, a visible record
one may not act on 403, anonymous visitors go to the login.
"""

import datetime

import pytest
from django.utils import timezone

from schools import absences
from schools.models import Absence, LeaveRequest, ReasonCategory

pytestmark = pytest.mark.django_db

ALL_ROLES = (
    "parent",
    "informed_parent",
    "other_parent",
    "classmate_parent",
    "teacher",
    "subject_teacher",
    "other_teacher",
    "child",
    "classmate",
    "other_child",
    "head",
    "stranger",
    "anonymous",
)

SEE, HIDDEN, LOGIN = 200, 404, "login"
DONE, FORBIDDEN = 302, 403


def table(**expected):
    assert set(expected) == set(ALL_ROLES), set(ALL_ROLES) ^ set(expected)
    return pytest.mark.parametrize("role,expected", list(expected.items()))


def client_for(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    return client


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302 and "/auth/login/" in response["Location"]
    else:
        assert response.status_code == expected, response.content[:2000]


@pytest.fixture
def absence(school_world):
    today = timezone.localdate()
    return Absence.objects.create(
        student=school_world["child"],
        school_class=school_world["class_a"],
        starts_on=today,
        ends_on=today,
        half_days=2,
        reason=ReasonCategory.ILLNESS,
        note="Homework please via the classmate",
        source=Absence.Source.GUARDIAN,
        status=Absence.Status.REPORTED,
        reported_by=school_world["parent"],
    )


def make_leave(world, half_days):
    today = timezone.localdate()
    return LeaveRequest.objects.create(
        student=world["child"],
        school_class=world["class_a"],
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=12),
        half_days=half_days,
        reason="Wedding of the aunt",
        requested_by=world["parent"],
        decided_by_role=absences.route(world["school"], half_days),
    )


@pytest.fixture
def leave(school_world):
    return make_leave(school_world, 2)


@pytest.fixture
def management_leave(school_world):
    return make_leave(school_world, 6)


# --- absences ----------------------------------------------------------------------------------------------------


@table(
    parent=SEE,
    informed_parent=SEE,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=SEE,
    subject_teacher=SEE,
    other_teacher=HIDDEN,
    child=SEE,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_see_absence_detail(client, school_world, absence, role, expected):
    response = client_for(client, school_world, role).get(f"/en/account/school/absences/{absence.pk}/")
    check(response, expected)
    if expected == SEE:
        assert "Homework please via the classmate" in response.content.decode()


@table(
    parent=SEE,
    informed_parent=SEE,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=HIDDEN,  # teachers see the class's absences on the class page
    subject_teacher=HIDDEN,
    other_teacher=HIDDEN,
    child=SEE,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_see_child_page(client, school_world, absence, leave, role, expected):
    child = school_world["child"]
    response = client_for(client, school_world, role).get(f"/en/account/school/absences/child/{child.pk}/")
    check(response, expected)
    if expected == SEE:
        content = response.content.decode()
        assert f'data-absence="{absence.pk}"' in content
        assert f'data-leave="{leave.pk}"' in content


@table(
    parent=HIDDEN,
    informed_parent=HIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=SEE,
    subject_teacher=SEE,
    other_teacher=HIDDEN,
    child=HIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_see_class_page(client, school_world, absence, role, expected):
    """Only the teachers of the class have its page; guardians and students see the child's page."""
    class_a = school_world["class_a"]
    response = client_for(client, school_world, role).get(f"/en/account/school/absences/class/{class_a.pk}/")
    check(response, expected)
    if expected == SEE:
        assert f'data-absence="{absence.pk}"' in response.content.decode()


@table(
    parent=FORBIDDEN,
    informed_parent=FORBIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=DONE,
    subject_teacher=DONE,
    other_teacher=HIDDEN,
    child=FORBIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_assess_absence(client, school_world, absence, role, expected):
    response = client_for(client, school_world, role).post(
        f"/en/account/school/absences/{absence.pk}/assess/", {"status": "excused"}
    )
    check(response, expected)
    absence.refresh_from_db()
    assert absence.status == (Absence.Status.EXCUSED if expected == DONE else Absence.Status.REPORTED)


@table(
    parent=DONE,
    informed_parent=FORBIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=HIDDEN,
    subject_teacher=HIDDEN,
    other_teacher=HIDDEN,
    child=FORBIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_report_absence(client, school_world, role, expected):
    child = school_world["child"]
    today = timezone.localdate().isoformat()
    response = client_for(client, school_world, role).post(
        f"/en/account/school/absences/child/{child.pk}/report/",
        {"starts_on": today, "ends_on": today, "half_days": "2", "reason": "illness", "note": ""},
    )
    check(response, expected)
    assert Absence.objects.filter(student=child).count() == (1 if expected == DONE else 0)


@table(
    parent=HIDDEN,
    informed_parent=HIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=DONE,
    subject_teacher=DONE,
    other_teacher=HIDDEN,
    child=HIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_record_absence(client, school_world, role, expected):
    class_a, child = school_world["class_a"], school_world["child"]
    today = timezone.localdate().isoformat()
    response = client_for(client, school_world, role).post(
        f"/en/account/school/absences/class/{class_a.pk}/record/",
        {"student": child.pk, "kind": "late", "starts_on": today, "minutes_late": "10", "reason": "other"}
        | {"status": "excused"},
    )
    check(response, expected)
    assert Absence.objects.filter(student=child, kind=Absence.Kind.LATE).count() == (1 if expected == DONE else 0)


# --- leave requests ----------------------------------------------------------------------------------------------


@table(
    parent=SEE,
    informed_parent=SEE,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=SEE,
    subject_teacher=SEE,
    other_teacher=HIDDEN,
    child=SEE,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,  # the class teacher decides this one
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_see_leave_request(client, school_world, leave, role, expected):
    response = client_for(client, school_world, role).get(f"/en/account/school/absences/leave/{leave.pk}/")
    check(response, expected)
    if expected == SEE:
        assert "Wedding of the aunt" in response.content.decode()


@table(
    parent=SEE,
    informed_parent=SEE,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=SEE,
    subject_teacher=SEE,
    other_teacher=HIDDEN,
    child=SEE,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=SEE,  # the school management decides this one
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_see_management_leave_request(client, school_world, management_leave, role, expected):
    response = client_for(client, school_world, role).get(f"/en/account/school/absences/leave/{management_leave.pk}/")
    check(response, expected)


@table(
    parent=FORBIDDEN,
    informed_parent=FORBIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=DONE,
    subject_teacher=FORBIDDEN,
    other_teacher=HIDDEN,
    child=FORBIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_decide_class_teacher_leave(client, school_world, leave, role, expected):
    response = client_for(client, school_world, role).post(
        f"/en/account/school/absences/leave/{leave.pk}/decide/", {"decision": "approve", "reason": "family"}
    )
    check(response, expected)
    leave.refresh_from_db()
    assert leave.status == (LeaveRequest.Status.APPROVED if expected == DONE else LeaveRequest.Status.PENDING)
    assert Absence.objects.filter(source=Absence.Source.LEAVE).exists() == (expected == DONE)


@table(
    parent=FORBIDDEN,
    informed_parent=FORBIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=FORBIDDEN,
    subject_teacher=FORBIDDEN,
    other_teacher=HIDDEN,
    child=FORBIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=DONE,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_decide_management_leave(client, school_world, management_leave, role, expected):
    response = client_for(client, school_world, role).post(
        f"/en/account/school/absences/leave/{management_leave.pk}/decide/",
        {"decision": "decline", "reason": "family", "note": "Not during the exams."},
    )
    check(response, expected)
    management_leave.refresh_from_db()
    assert management_leave.status == (
        LeaveRequest.Status.DECLINED if expected == DONE else LeaveRequest.Status.PENDING
    )


@table(
    parent=DONE,
    informed_parent=FORBIDDEN,  # sees the child, may not act
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=HIDDEN,
    subject_teacher=HIDDEN,
    other_teacher=HIDDEN,
    child=FORBIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_ask_for_leave(client, school_world, role, expected):
    child = school_world["child"]
    start = timezone.localdate() + datetime.timedelta(days=7)
    response = client_for(client, school_world, role).post(
        f"/en/account/school/absences/child/{child.pk}/leave/",
        {"starts_on": start.isoformat(), "ends_on": start.isoformat(), "half_days": "2", "reason": "Baptism"},
    )
    check(response, expected)
    assert LeaveRequest.objects.filter(student=child).count() == (1 if expected == DONE else 0)


@table(
    parent=DONE,
    informed_parent=FORBIDDEN,
    other_parent=HIDDEN,
    classmate_parent=HIDDEN,
    teacher=FORBIDDEN,
    subject_teacher=FORBIDDEN,
    other_teacher=HIDDEN,
    child=FORBIDDEN,
    classmate=HIDDEN,
    other_child=HIDDEN,
    head=HIDDEN,
    stranger=HIDDEN,
    anonymous=LOGIN,
)
def test_withdraw_leave(client, school_world, leave, role, expected):
    response = client_for(client, school_world, role).post(f"/en/account/school/absences/leave/{leave.pk}/withdraw/")
    check(response, expected)
    leave.refresh_from_db()
    assert leave.status == (LeaveRequest.Status.WITHDRAWN if expected == DONE else LeaveRequest.Status.PENDING)

"""The demo absences: Sara (5b) and Lina (3a), the pending leave request for the demo teacher, idempotent."""

import pytest

from account.demo_users import ensure_demo_users
from schools import absences
from schools.demo_absences import ensure_demo_absences
from schools.demo_content import ensure_demo_school_records
from schools.models import Absence, LeaveRequest

pytestmark = pytest.mark.django_db


def test_demo_absences(client):
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    demo = ensure_demo_absences(records, users)
    ensure_demo_absences(ensure_demo_school_records(users), users)
    assert (Absence.objects.count(), LeaveRequest.objects.count()) == (4, 1)

    sara, lina = records["children"]["student"], records["children"]["lina"]
    statuses = sorted(Absence.objects.filter(student=sara).values_list("kind", "status"))
    assert statuses == [("absence", "excused"), ("absence", "reported"), ("late", "excused")]
    assert list(Absence.objects.filter(student=lina).values_list("status", flat=True)) == ["excused"]
    for absence in Absence.objects.all():
        assert absence.starts_on.weekday() < 5 and absence.ends_on.weekday() < 5
        assert records["school_year"].starts_on <= absence.starts_on <= absence.ends_on

    leave = demo["sara_leave"]
    assert (leave.status, leave.half_days, leave.decided_by_role) == ("pending", 2, "class_teacher")
    assert absences.may_decide_leave(users["teacher"], leave)
    assert users["admin"] in records["school"].management.all()
    assert absences.class_summary(users["teacher"], records["classes"]["5b"]) == {"to_assess": 1, "to_decide": 1}

    client.force_login(users["teacher"])
    page = client.get(f"/en/account/school/absences/class/{records['classes']['5b'].pk}/").content.decode()
    assert f'data-absence="{demo["sara_reported"].pk}"' in page

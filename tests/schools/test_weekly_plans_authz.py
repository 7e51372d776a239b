"""Who sees and does what with weekly plans: one table per record type and action, every role of the test school.

The plans belong to class 3a (the class of `child` and `classmate`). "login" means the anonymous visitor is sent
to the login page; 404 means the record is not revealed; 403 means the person sees the plan but may not do this.
"""

import datetime

import pytest

from schools import weekly_plans
from schools.models.weekly_plans import PlanAcknowledgement, WeeklyPlan
from tests.schools.conftest import ROLES
from tests.schools.test_weekly_plans import make_plan, monday, pdf_upload, private_storage, task_post  # noqa: F401

pytestmark = pytest.mark.django_db

PEOPLE = (*ROLES, "anonymous")
L = "login"

# role: (see published plan, see draft, see acknowledgements, edit published, publish draft, delete draft,
#        acknowledge for child, create plan for 3a)
TABLE = {
    #                   published draft  acks  edit  publish delete ack   create
    "parent":           (200,     404,   False, 403, 404,    404,   302,  403),
    "informed_parent":  (200,     404,   False, 403, 404,    404,   302,  403),
    "other_parent":     (404,     404,   False, 404, 404,    404,   404,  403),
    "classmate_parent": (200,     404,   False, 403, 404,    404,   403,  403),
    "teacher":          (200,     200,   True,  302, 302,    302,   403,  302),
    "subject_teacher":  (200,     200,   True,  302, 302,    302,   403,  302),
    "other_teacher":    (404,     404,   False, 404, 404,    404,   404,  200),
    "child":            (200,     404,   False, 403, 404,    404,   403,  403),
    "classmate":        (200,     404,   False, 403, 404,    404,   403,  403),
    "other_child":      (404,     404,   False, 404, 404,    404,   404,  403),
    "head":             (404,     404,   False, 404, 404,    404,   404,  403),
    "stranger":         (404,     404,   False, 404, 404,    404,   404,  403),
    "anonymous":        (L,       L,     False, L,   L,      L,     L,    L),
}  # fmt: skip


def test_the_table_covers_every_role():
    assert set(TABLE) == set(PEOPLE)


def status(response):
    if response.status_code == 302 and "/auth/login/" in response["Location"]:
        return L
    return response.status_code


def as_role(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    return client


@pytest.fixture
def plans(school_world):
    published = make_plan(school_world)
    attachment = weekly_plans.add_attachment(published, pdf_upload())
    draft = make_plan(school_world, published=False, week=monday() + datetime.timedelta(days=7), title="Entwurf")
    draft_attachment = weekly_plans.add_attachment(draft, pdf_upload("entwurf.pdf"))
    weekly_plans.acknowledge(school_world["parent"], published, school_world["child"])
    return {"published": published, "attachment": attachment, "draft": draft, "draft_attachment": draft_attachment}


@pytest.mark.parametrize("role", PEOPLE)
def test_seeing_plans_their_tasks_and_files(client, school_world, plans, role):
    expected_published, expected_draft, sees_acks = TABLE[role][:3]
    client = as_role(client, school_world, role)
    published, draft = plans["published"], plans["draft"]

    response = client.get(f"/en/account/school/plans/{published.pk}/")
    assert status(response) == expected_published
    content = response.content.decode() if response.status_code == 200 else ""
    assert ("Seite 12, Aufgaben 1–4" in content) is (expected_published == 200)  # a task
    parent = school_world["parent"]
    assert (f'data-acknowledged-by="{parent.pk}"' in content) is sees_acks
    response = client.get(f"/en/account/school/plans/{published.pk}/files/{plans['attachment'].pk}/")
    assert status(response) == expected_published

    assert status(client.get(f"/en/account/school/plans/{draft.pk}/")) == expected_draft
    response = client.get(f"/en/account/school/plans/{draft.pk}/files/{plans['draft_attachment'].pk}/")
    assert status(response) == expected_draft
    # A file of another plan is not reached through a visible plan.
    response = client.get(f"/en/account/school/plans/{published.pk}/files/{plans['draft_attachment'].pk}/")
    assert status(response) in (404, L)

    listing = client.get("/en/account/school/plans/")
    if role == "anonymous":
        assert status(listing) == L
    else:
        listed = listing.content.decode()
        assert (f"/en/account/school/plans/{published.pk}/" in listed) is (expected_published == 200)
        assert (f"/en/account/school/plans/{draft.pk}/" in listed) is (expected_draft == 200)


@pytest.mark.parametrize("role", PEOPLE)
def test_editing_a_published_plan(client, school_world, plans, role):
    expected = TABLE[role][3]
    plan = plans["published"]
    rows = [{"subject": "Englisch", "day": "", "kind": "compulsory", "description": "Vocabulary"}]
    response = as_role(client, school_world, role).post(
        f"/en/account/school/plans/{plan.pk}/edit/", {"title": "Geändert", "notes": "", **task_post(rows)}
    )
    assert status(response) == expected
    plan.refresh_from_db()
    assert (plan.title == "Geändert") is (expected == 302)
    assert (list(plan.tasks.values_list("subject", flat=True)) == ["Englisch"]) is (expected == 302)
    if role != "anonymous" and expected != 302:
        assert status(client.get(f"/en/account/school/plans/{plan.pk}/edit/")) == expected


@pytest.mark.parametrize("role", PEOPLE)
def test_publishing_and_deleting_a_draft(client, school_world, plans, role):
    draft = plans["draft"]
    client = as_role(client, school_world, role)
    assert status(client.post(f"/en/account/school/plans/{draft.pk}/publish/")) == TABLE[role][4]
    draft.refresh_from_db()
    assert (draft.published_at is not None) is (TABLE[role][4] == 302)

    other_draft = make_plan(school_world, published=False, week=monday() + datetime.timedelta(days=14))
    assert status(client.post(f"/en/account/school/plans/{other_draft.pk}/delete/")) == TABLE[role][5]
    assert WeeklyPlan.objects.filter(pk=other_draft.pk).exists() is (TABLE[role][5] != 302)


@pytest.mark.parametrize("role", PEOPLE)
def test_acknowledging_for_the_child(client, school_world, plans, role):
    PlanAcknowledgement.objects.all().delete()
    plan, child = plans["published"], school_world["child"]
    response = as_role(client, school_world, role).post(
        f"/en/account/school/plans/{plan.pk}/acknowledge/", {"student": child.pk}
    )
    assert status(response) == TABLE[role][6]
    stored = PlanAcknowledgement.objects.filter(plan=plan, student=child)
    if TABLE[role][6] == 302:
        assert list(stored.values_list("guardian", flat=True)) == [school_world[role].pk]
    else:
        assert not stored.exists()


@pytest.mark.parametrize("role", PEOPLE)
def test_making_a_plan_for_class_3a(client, school_world, role):
    rows = [{"subject": "Musik", "day": "", "kind": "compulsory", "description": "Lied üben"}]
    data = {"school_class": school_world["class_a"].pk, "week": monday().isoformat(), "title": "", **task_post(rows)}
    response = as_role(client, school_world, role).post("/en/account/school/plans/new/", data)
    assert status(response) == TABLE[role][7]
    assert WeeklyPlan.objects.filter(school_class=school_world["class_a"]).exists() is (TABLE[role][7] == 302)
    if TABLE[role][7] == 200:
        assert "Select a valid choice" in response.content.decode()


def test_a_guardian_cannot_acknowledge_for_another_child_or_a_draft(client, school_world, plans):
    client.force_login(school_world["parent"])
    published, draft = plans["published"], plans["draft"]
    response = client.post(
        f"/en/account/school/plans/{published.pk}/acknowledge/", {"student": school_world["classmate"].pk}
    )
    assert response.status_code == 403
    response = client.post(f"/en/account/school/plans/{draft.pk}/acknowledge/", {"student": school_world["child"].pk})
    assert response.status_code == 404
    assert client.post(f"/en/account/school/plans/{published.pk}/acknowledge/", {"student": "x"}).status_code == 403
    assert client.get(f"/en/account/school/plans/{published.pk}/acknowledge/").status_code == 405
    assert PlanAcknowledgement.objects.filter(guardian=school_world["parent"]).count() == 1


def test_a_student_who_left_the_class_no_longer_sees_its_plans(client, school_world, plans):
    from django.utils import timezone

    from schools.models import Enrolment

    Enrolment.objects.filter(student=school_world["child"]).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    for role in ("child", "parent", "informed_parent"):
        client.force_login(school_world[role])
        assert client.get(f"/en/account/school/plans/{plans['published'].pk}/").status_code == 404

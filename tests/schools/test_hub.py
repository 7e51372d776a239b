"""The school overview /account/school/: whose cards each person sees, the feature summaries, links, query counts."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.template import Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools import summaries
from schools.models import Enrolment, Guardianship, SchoolClass, SchoolYear, TeachingAssignment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HUB_URL = "/en/account/school/"
NAMES = {"child": "Anouk", "classmate": "Bruno", "other_child": "Carla"}

# Who sees which cards on the overview: children (by first name), their own card, classes they teach
# ("3a*" = marked as class teacher). None: the friendly "nothing linked" page.
OVERVIEW = {
    "parent": {"children": {"Anouk"}},
    "informed_parent": {"children": {"Anouk"}},
    "other_parent": {"children": {"Carla"}},
    "classmate_parent": {"children": {"Bruno"}},
    "teacher": {"classes": {"3a*"}},
    "subject_teacher": {"classes": {"3a"}},
    "other_teacher": {"classes": {"5b*"}},
    "child": {"own": {"3a"}},
    "classmate": {"own": {"3a"}},
    "other_child": {"own": {"5b"}},
    "head": None,
    "stranger": None,
}


@pytest.fixture(autouse=True)
def no_feature_summaries(monkeypatch):
    """The features (written separately) register their own summaries; these tests register examples instead."""
    monkeypatch.setattr(summaries, "_child", {})
    monkeypatch.setattr(summaries, "_class", {})


@pytest.fixture
def world(school_world):
    for key, name in NAMES.items():
        person = school_world[key]
        person.first_name, person.last_name = name, "Hubtest"
        person.save()
    return school_world


def cards(response):
    """What the overview shows: {"children": {first names}, "own": {class names}, "classes": {class names}}."""
    html = BeautifulSoup(response.content.decode(), "html.parser")
    found = {"children": set(), "own": set(), "classes": set()}
    for card in html.select("main li.card, li.card"):
        heading_id = card["aria-labelledby"]
        heading = card.find(id=heading_id).get_text(" ", strip=True)
        if heading_id.startswith("school-class-"):
            marker = "*" if "Class teacher" in card.get_text() else ""
            found["classes"].add(heading.removeprefix("Class ") + marker)
        elif heading == "My school":
            found["own"].add(card.p.get_text(" ", strip=True).split(",")[0].removeprefix("Class "))
        else:
            found["children"].add(heading.split()[0])
    return {key: value for key, value in found.items() if value}


@pytest.mark.parametrize("role", OVERVIEW)
def test_overview_shows_each_person_only_their_children_own_school_and_classes(client, world, role):
    client.force_login(world[role])
    response = client.get(HUB_URL)
    assert response.status_code == 200
    expected = OVERVIEW[role]
    if expected is None:
        assert "No school records are linked to your account." in response.content.decode()
        assert world[role].email in response.content.decode()
        assert cards(response) == {}
    else:
        assert "No school records are linked" not in response.content.decode()
        assert cards(response) == expected
    text = response.content.decode()
    for key, name in NAMES.items():
        if key == role:
            continue  # the header names the person logged in
        visible = name in expected.get("children", set()) if expected else False
        assert (f"{name} Hubtest" in text) == visible, key


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    response = client.get(HUB_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/auth/login/")


def test_a_teacher_who_is_also_a_parent_sees_both_parts(client, world):
    teacher = world["other_teacher"]
    Guardianship.objects.create(guardian=teacher, student=world["classmate"])
    client.force_login(teacher)
    assert cards(client.get(HUB_URL)) == {"children": {"Bruno"}, "classes": {"5b*"}}


def test_cards_name_class_and_school_and_link_to_the_six_feature_pages(client, world):
    client.force_login(world["parent"])
    html = BeautifulSoup(client.get(HUB_URL).content.decode(), "html.parser")
    card = html.select_one("li.card")
    assert "Class 3a, Schulhaus Dorf" in card.get_text(" ", strip=True)
    child_id = world["child"].pk
    assert [a["href"] for a in card.select("nav a")] == [
        f"/en/account/school/{prefix}/?student={child_id}"
        for prefix in ("plans", "meetings", "grades", "absences", "courses", "lunch")
    ]

    client.force_login(world["teacher"])
    html = BeautifulSoup(client.get(HUB_URL).content.decode(), "html.parser")
    card = html.select_one("li.card")
    assert "Schulhaus Dorf" in card.get_text()
    assert "Deutsch, Mathematik" in card.get_text()
    assert f"/en/account/school/meetings/?class={world['class_a'].pk}" in [a["href"] for a in card.select("nav a")]


def test_grades_link_only_where_the_guardian_may_see_grades(client, world):
    client.force_login(world["informed_parent"])
    response = client.get(HUB_URL)
    assert "Information right only" in response.content.decode()
    assert "/grades/" not in response.content.decode()

    world["school"].grades_visible_without_custody = True
    world["school"].save()
    assert "/grades/?student=" in client.get(HUB_URL).content.decode()


def test_classes_of_school_years_that_are_over_are_not_shown(client, world):
    today = timezone.localdate()
    old_year = SchoolYear.objects.create(
        name="2020/21", starts_on=today - datetime.timedelta(days=2000), ends_on=today - datetime.timedelta(days=1600)
    )
    old_class = SchoolClass.objects.create(school=world["school"], school_year=old_year, name="1x")
    TeachingAssignment.objects.create(teacher=world["teacher"], school_class=old_class, is_class_teacher=True)
    client.force_login(world["teacher"])
    assert cards(client.get(HUB_URL)) == {"classes": {"3a*"}}


def test_a_child_who_left_the_school_keeps_a_card_without_class(client, world):
    Enrolment.objects.filter(student=world["child"]).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(world["parent"])
    response = client.get(HUB_URL)
    assert cards(response) == {"children": {"Anouk"}}
    assert "Not enrolled in a class at the moment." in response.content.decode()
    client.force_login(world["child"])
    assert "No school records are linked" in client.get(HUB_URL).content.decode()


@pytest.fixture
def registered_summaries(monkeypatch):
    """A child and a class summary as a feature would register them (without queries of their own)."""
    summaries.register_child(
        "example",
        Template("<h3>Example plan</h3><p>{{ summary.text }} for {{ student.first_name }}</p>"),
        lambda viewer, student: {"text": f"Plan seen by {viewer.pk}"} if student.first_name != "Bruno" else None,
    )
    summaries.register_class(
        "example",
        Template("<h3>Example bookings</h3><p>{{ summary.count }} bookings in {{ school_class.name }}</p>"),
        lambda teacher, school_class: {"count": 3},
    )


def test_registered_summaries_are_shown_in_each_card(client, world, registered_summaries):
    client.force_login(world["parent"])
    text = client.get(HUB_URL).content.decode()
    assert f"Plan seen by {world['parent'].pk} for Anouk" in text

    client.force_login(world["classmate_parent"])
    text = client.get(HUB_URL).content.decode()
    assert "Example plan" not in text  # the feature answered None for Bruno

    client.force_login(world["other_teacher"])
    assert "3 bookings in 5b" in client.get(HUB_URL).content.decode()

    client.force_login(world["child"])
    assert f"Plan seen by {world['child'].pk} for Anouk" in client.get(HUB_URL).content.decode()


def _count_queries(client, user):
    client.force_login(user)
    client.get(HUB_URL)  # warm up the session and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HUB_URL).status_code == 200
    return len(queries)


def test_the_overview_needs_the_same_queries_for_many_children_and_classes(
    client, world, registered_summaries, django_assert_max_num_queries
):
    parent = world["parent"]
    TeachingAssignment.objects.create(teacher=parent, school_class=world["class_b"])
    baseline = _count_queries(client, parent)

    for _number in range(4):
        child = UserFactory(language="en")
        Enrolment.objects.create(student=child, school_class=world["class_b"])
        Guardianship.objects.create(guardian=parent, student=child)
    for number in range(4):
        school_class = SchoolClass.objects.create(school=world["school"], school_year=world["year"], name=f"6{number}")
        TeachingAssignment.objects.create(teacher=parent, school_class=school_class, is_class_teacher=True)
    with django_assert_max_num_queries(baseline):
        response = client.get(HUB_URL)
    assert len(cards(response)["children"]) == 5
    assert len(cards(response)["classes"]) == 5

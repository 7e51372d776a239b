"""The "School" section of the account dashboard /account/: shown to people with a school role, with summaries."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.template import Template
from django.test.utils import CaptureQueriesContext

from account.acting_context import SESSION_KEY
from schools import summaries
from schools.models import Enrolment, Guardianship
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = "/en/account/"
NAMES = {"child": "Anouk", "classmate": "Bruno", "other_child": "Carla"}

# role → card headings in the School section; None: no School section at all
SECTION = {
    "parent": ["Anouk Hubtest"],
    "informed_parent": ["Anouk Hubtest"],
    "other_parent": ["Carla Hubtest"],
    "classmate_parent": ["Bruno Hubtest"],
    "teacher": ["Class 3a"],
    "subject_teacher": ["Class 3a"],
    "other_teacher": ["Class 5b"],
    "child": ["My school"],
    "classmate": ["My school"],
    "other_child": ["My school"],
    "head": None,
    "stranger": None,
}


@pytest.fixture(autouse=True)
def example_summaries(monkeypatch):
    """Examples in place of the features' own summaries (written separately)."""
    monkeypatch.setattr(summaries, "_child", {})
    monkeypatch.setattr(summaries, "_class", {})
    summaries.register_child(
        "plan",
        Template("<h4>This week</h4><p>Plan of {{ student.first_name }}: {{ summary.tasks }} tasks</p>"),
        lambda viewer, student: {"tasks": 2},
    )
    summaries.register_class(
        "leave",
        Template("<p>{{ summary.open }} open leave requests in {{ school_class.name }}</p>"),
        lambda t, c: {"open": 1},
    )


@pytest.fixture
def world(school_world):
    for key, name in NAMES.items():
        school_world[key].first_name, school_world[key].last_name = name, "Hubtest"
        school_world[key].save()
    return school_world


def school_section(response):
    html = BeautifulSoup(response.content.decode(), "html.parser")
    heading = html.find(id="dashboard-school")
    return heading.find_parent("section") if heading else None


@pytest.mark.parametrize("role", SECTION)
def test_the_school_section_shows_each_person_their_cards(client, world, role):
    client.force_login(world[role])
    response = client.get(DASHBOARD_URL)
    assert response.status_code == 200
    section = school_section(response)
    if SECTION[role] is None:
        assert section is None
        return
    assert section.h2.get_text(strip=True) == "School"
    assert [card.h3.get_text(strip=True) for card in section.select("li.card")] == SECTION[role]
    text = section.get_text(" ", strip=True)
    if role in ("teacher", "subject_teacher", "other_teacher"):
        assert "1 open leave requests in" in text
    else:
        assert "tasks" in text and "Plan of" in text
    assert section.find("a", href="/en/account/school/")


def test_a_teacher_who_is_a_parent_sees_children_and_classes(client, world):
    Guardianship.objects.create(guardian=world["teacher"], student=world["other_child"])
    client.force_login(world["teacher"])
    section = school_section(client.get(DASHBOARD_URL))
    assert [card.h3.get_text(strip=True) for card in section.select("li.card")] == ["Carla Hubtest", "Class 3a"]


def test_hidden_while_acting_for_an_organisation(client, world):
    membership = MembershipFactory(user=world["parent"], role="owner")
    client.force_login(world["parent"])
    session = client.session
    session[SESSION_KEY] = membership.organisation_id
    session.save()
    response = client.get(DASHBOARD_URL)
    assert "You are acting for" in response.content.decode()
    assert school_section(response) is None


def test_the_dashboard_needs_the_same_queries_for_more_children(client, world, django_assert_max_num_queries):
    parent = world["parent"]
    client.force_login(parent)
    client.get(DASHBOARD_URL)
    with CaptureQueriesContext(connection) as baseline:
        client.get(DASHBOARD_URL)
    for _number in range(5):
        child = UserFactory(language="en")
        Enrolment.objects.create(student=child, school_class=world["class_b"])
        Guardianship.objects.create(guardian=parent, student=child)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(DASHBOARD_URL)
    assert len(school_section(response).select("li.card")) == 6

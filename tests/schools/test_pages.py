"""School pages: who sees which news and events, on the school page and on the item's own page."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schools.audience import Audience
from schools.models import SchoolClass, SchoolNewsPage, SchoolPage
from tests.schools.page_builders import add_event, add_news, build_school_world

pytestmark = pytest.mark.django_db

SCHOOL_URL = "/en/schulen/dorf/"

# Which roles see news for everyone, for the school community and for class 3a.
VISIBILITY = {
    "anonymous": {"Public news"},
    "stranger": {"Public news"},
    "other_school_parent": {"Public news"},
    "student_a": {"Public news", "School news", "Class 3a news"},
    "parent_a": {"Public news", "School news", "Class 3a news"},
    "teacher_a": {"Public news", "School news", "Class 3a news"},
    "student_b": {"Public news", "School news"},
    "parent_b": {"Public news", "School news"},
    "teacher_b": {"Public news", "School news"},
}


@pytest.fixture
def world():
    world = build_school_world()
    world["news"] = {
        "Public news": add_news(world["page"], "Public news"),
        "School news": add_news(world["page"], "School news", Audience.SCHOOL, days_ago=1),
        "Class 3a news": add_news(world["page"], "Class 3a news", Audience.SCHOOL_CLASS, world["class_a"], days_ago=2),
    }
    world["events"] = {
        "Public event": add_event(world["page"], "Public event"),
        "School event": add_event(world["page"], "School event", Audience.SCHOOL, in_days=8),
        "Class 3a event": add_event(
            world["page"], "Class 3a event", Audience.SCHOOL_CLASS, world["class_a"], in_days=9
        ),
    }
    return world


def visit(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])


def headings(response, section_id):
    html = BeautifulSoup(response.content.decode(), "html.parser")
    section = html.find(id=section_id).find_parent("section")
    return [h3.get_text(strip=True) for h3 in section.select("h3")]


@pytest.mark.parametrize("role", VISIBILITY)
def test_school_page_lists_only_the_news_and_events_the_visitor_may_see(client, world, role):
    visit(client, world, role)
    response = client.get(SCHOOL_URL)
    assert response.status_code == 200
    assert set(headings(response, "school-news")) == VISIBILITY[role]
    assert set(headings(response, "school-agenda")) == {title.replace("news", "event") for title in VISIBILITY[role]}


@pytest.mark.parametrize("role", [role for role in VISIBILITY if role != "anonymous"])
@pytest.mark.parametrize("title", ["Public news", "School news", "Class 3a news"])
def test_a_news_page_answers_404_to_who_may_not_see_it(client, world, role, title):
    visit(client, world, role)
    response = client.get(f"{SCHOOL_URL}{world['news'][title].slug}/")
    if title in VISIBILITY[role]:
        assert response.status_code == 200
        assert title in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("title", ["School event", "Class 3a event"])
def test_an_event_page_answers_404_to_who_may_not_see_it(client, world, title):
    visit(client, world, "parent_b")
    response = client.get(f"{SCHOOL_URL}{world['events'][title].slug}/")
    assert response.status_code == (200 if title == "School event" else 404)


def test_anonymous_visitors_are_sent_to_login_for_news_that_is_not_public(client, world):
    url = f"{SCHOOL_URL}{world['news']['School news'].slug}/"
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert "next=" in response["Location"]
    assert client.get(f"{SCHOOL_URL}{world['news']['Public news'].slug}/").status_code == 200


def test_news_is_listed_newest_first_with_date_and_audience(client, world):
    visit(client, world, "parent_a")
    response = client.get(SCHOOL_URL)
    assert headings(response, "school-news") == ["Public news", "School news", "Class 3a news"]
    html = BeautifulSoup(response.content.decode(), "html.parser")
    class_item = html.select("ul.school-news li")[2].get_text(" ", strip=True)
    assert "For class 3a" in class_item
    assert world["news"]["Class 3a news"].date.strftime("%d.%m.%Y") in class_item


def test_past_events_and_drafts_are_not_listed(client, world):
    add_event(world["page"], "Last month", in_days=-30)
    draft = add_event(world["page"], "Draft event")
    draft.unpublish()
    response = client.get(SCHOOL_URL)
    assert headings(response, "school-agenda") == ["Public event"]


def test_a_student_who_left_the_class_no_longer_sees_its_news(client, world):
    enrolment = world["student_a"].enrolments.get()
    enrolment.ends_on = enrolment.school_class.school_year.starts_on
    enrolment.save()
    visit(client, world, "parent_a")
    assert set(headings(client.get(SCHOOL_URL), "school-news")) == {"Public news"}


def test_the_school_page_lists_in_a_fixed_number_of_queries(client, world):
    visit(client, world, "parent_a")
    client.get(SCHOOL_URL)
    with CaptureQueriesContext(connection) as few:
        client.get(SCHOOL_URL)
    for number in range(5):
        add_news(world["page"], f"More news {number}", Audience.SCHOOL_CLASS, world["class_a"])
        add_event(world["page"], f"More event {number}", Audience.SCHOOL, in_days=10 + number)
    with CaptureQueriesContext(connection) as many:
        response = client.get(SCHOOL_URL)
    assert len(headings(response, "school-news")) == 8
    assert len(many) == len(few)


def test_admin_form_offers_only_the_classes_of_the_school_and_needs_a_class_for_class_audience(world):
    page = world["page"]
    form_class = SchoolNewsPage.get_edit_handler().get_form_class()
    form = form_class(
        data={
            "title": "Elternabend",
            "slug": "elternabend",
            "date": "2026-11-01",
            "audience": Audience.SCHOOL_CLASS,
            "body-count": "0",
        },
        instance=SchoolNewsPage(),
        parent_page=page,
        for_user=world["teacher_a"],
    )
    assert set(form.fields["audience_class"].queryset) == {world["class_a"], world["class_b"]}
    assert not form.is_valid()
    assert "audience_class" in form.errors


def test_school_index_lists_the_school_pages(client, world):
    response = client.get("/en/schulen/")
    html = BeautifulSoup(response.content.decode(), "html.parser")
    assert [a.get_text(strip=True) for a in html.select(".cards h3 a")] == ["Schulhaus Dorf", "Schulhaus Berg"]
    assert SchoolPage.objects.count() == 2


def test_site_search_finds_public_news_only(client, world):
    def found(query):
        html = BeautifulSoup(client.get("/en/search/", {"q": query}).content.decode(), "html.parser")
        return {a.get_text(strip=True) for a in html.select("main a")}

    client.force_login(world["parent_a"])
    assert "Public news" in found("news")
    assert not {"School news", "Class 3a news"} & found("news")


def test_news_that_stops_being_public_leaves_the_site_search(client, world):
    news = world["news"]["Public news"]
    news.audience = Audience.SCHOOL
    news.save_revision().publish()
    html = BeautifulSoup(client.get("/en/search/", {"q": "Public news"}).content.decode(), "html.parser")
    assert "Public news" not in [a.get_text(strip=True) for a in html.select("main a")]


@pytest.mark.parametrize(("class_key", "valid"), [("class_a", True), ("other_class", False)])
def test_admin_form_accepts_only_a_class_of_the_school(world, class_key, valid):
    other_class = SchoolClass.objects.get(name="1c")
    school_class = other_class if class_key == "other_class" else world[class_key]
    form_class = SchoolNewsPage.get_edit_handler().get_form_class()
    form = form_class(
        data={
            "title": "Elternabend",
            "slug": "elternabend",
            "date": "2026-11-01",
            "audience": Audience.SCHOOL_CLASS,
            "audience_class": school_class.pk,
            "body-count": "0",
        },
        instance=SchoolNewsPage(),
        parent_page=world["page"],
        for_user=world["teacher_a"],
    )
    assert form.is_valid() is valid, form.errors


def test_school_page_shows_contact_team_and_the_agenda_feed(client, world):
    page = world["page"]
    page.address = "Dorfstrasse 5\n9999 Musterwil"
    page.phone = "+41 71 000 00 50"
    page.email = "schule@musterwil.example"
    page.team = [("member", {"name": "Erika Muster", "role": "Schulleitung", "email": "leitung@musterwil.example"})]
    page.save_revision().publish()
    html = BeautifulSoup(client.get(SCHOOL_URL).content.decode(), "html.parser")
    contact = html.find(id="school-contact").find_parent("section").get_text(" ", strip=True)
    assert "Dorfstrasse 5" in contact
    assert "schule@musterwil.example" in contact
    team = html.find(id="school-team").find_parent("section").get_text(" ", strip=True)
    assert "Erika Muster , Schulleitung" in team or "Erika Muster, Schulleitung" in team
    feed = html.find("a", string="Subscribe to the agenda (iCal)")
    assert feed["href"] == "/schools/dorf/agenda.ics"

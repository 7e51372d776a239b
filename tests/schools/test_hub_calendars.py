"""The calendar feed page: public agenda and personal class feed addresses per person, and renewing the secret."""

import pytest
from bs4 import BeautifulSoup

from home.demo_content import ensure_demo_site
from schools.models import CalendarToken, SchoolIndexPage, SchoolPage

pytestmark = pytest.mark.django_db

CALENDARS_URL = "/en/account/school/calendars/"
RENEW_URL = "/en/account/school/calendars/renew/"

# role → the personal class feeds shown (and whether the school's public agenda is shown at all)
FEEDS = {
    "parent": {"3a"},
    "informed_parent": {"3a"},
    "other_parent": {"5b"},
    "classmate_parent": {"3a"},
    "teacher": {"3a"},
    "subject_teacher": {"3a"},
    "other_teacher": {"5b"},
    "child": {"3a"},
    "classmate": {"3a"},
    "other_child": {"5b"},
    "head": set(),
    "stranger": set(),
}


@pytest.fixture
def world(school_world):
    home = ensure_demo_site()
    index = home.add_child(instance=SchoolIndexPage(title="Schulen", slug="schulen"))
    index.add_child(instance=SchoolPage(title="Schulhaus Dorf", slug="dorf", school=school_world["school"]))
    return school_world


def feeds(response):
    html = BeautifulSoup(response.content.decode(), "html.parser")

    def section(heading_id):
        heading = html.find(id=heading_id)
        if heading is None:
            return {}
        return {
            field.label.get_text(strip=True): (field.input["value"], field.a["href"])
            for field in heading.find_parent("section").select("div.field")
        }

    return section("school-feeds-heading"), section("class-feeds-heading")


@pytest.mark.parametrize("role", FEEDS)
def test_each_person_sees_the_feeds_of_their_own_classes_only(client, world, role):
    user = world[role]
    client.force_login(user)
    response = client.get(CALENDARS_URL)
    assert response.status_code == 200
    school_feeds, class_feeds = feeds(response)
    assert {title.split(" – ")[1] for title in class_feeds} == FEEDS[role]
    if FEEDS[role]:
        token = CalendarToken.objects.get(user=user).token
        assert school_feeds == {
            "Schulhaus Dorf": (
                "http://testserver/schools/dorf/agenda.ics",
                "webcal://testserver/schools/dorf/agenda.ics",
            )
        }
        for url, webcal in class_feeds.values():
            assert url.startswith("http://testserver/schools/dorf/")
            assert url.endswith(f"/agenda.ics?token={token}")
            assert webcal == url.replace("http://", "webcal://")
        # The address shown opens the person's feed.
        path = next(iter(class_feeds.values()))[0].removeprefix("http://testserver")
        client.logout()
        feed = client.get(path)
        assert feed.status_code == 200
        assert feed["Content-Type"].startswith("text/calendar")
    else:
        assert school_feeds == {} and class_feeds == {}
        assert "There is no school agenda for you to subscribe to" in response.content.decode()
        assert not CalendarToken.objects.filter(user=user).exists()


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    for url in (CALENDARS_URL, RENEW_URL):
        response = client.post(url) if url == RENEW_URL else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/auth/login/")
    assert not CalendarToken.objects.exists()


def test_schools_without_a_live_page_have_no_feeds(client, world):
    SchoolPage.objects.get(school=world["school"]).unpublish()
    client.force_login(world["parent"])
    assert feeds(client.get(CALENDARS_URL)) == ({}, {})


def test_renewing_the_secret_stops_the_old_addresses(client, world):
    parent = world["parent"]
    client.force_login(parent)
    _school, class_feeds = feeds(client.get(CALENDARS_URL))
    old_path = next(iter(class_feeds.values()))[0].removeprefix("http://testserver")
    other_token = CalendarToken.objects.create(user=world["teacher"]).token

    assert client.get(RENEW_URL).status_code == 405  # only a POST renews
    response = client.post(RENEW_URL, follow=True)
    assert response.redirect_chain[-1][0] == CALENDARS_URL
    assert "Your personal feed addresses are new." in response.content.decode()
    _school, class_feeds = feeds(response)
    new_path = next(iter(class_feeds.values()))[0].removeprefix("http://testserver")
    assert new_path != old_path

    client.logout()
    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200
    # Only the person's own secret changed.
    assert CalendarToken.objects.get(user=world["teacher"]).token == other_token
    assert CalendarToken.objects.get(user=parent).token in new_path


@pytest.mark.parametrize("role", ["parent", "informed_parent", "teacher", "child", "head", "stranger"])
def test_everybody_may_renew_only_their_own_secret(client, world, role):
    others = {key: CalendarToken.objects.create(user=world[key]).token for key in ("other_parent", "other_teacher")}
    client.force_login(world[role])
    assert client.post(RENEW_URL).status_code == 302
    assert CalendarToken.objects.filter(user=world[role]).exists()
    assert {key: CalendarToken.objects.get(user=world[key]).token for key in others} == others

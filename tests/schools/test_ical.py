"""Agenda feeds: the public school feed and the personal class feed opened by a token."""

import datetime

import pytest
from icalendar import Calendar

from schools.audience import Audience
from schools.calendar import token_for
from tests.schools.page_builders import add_event, build_school_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_school_world()
    page = world["page"]
    add_event(page, "Sporttag", all_day=True, location="Sportplatz", teaser="Bring running shoes.")
    add_event(page, "Elternrat", Audience.SCHOOL, in_days=3)
    add_event(page, "Ausflug 3a", Audience.SCHOOL_CLASS, world["class_a"], in_days=4)
    add_event(page, "Ausflug 5b", Audience.SCHOOL_CLASS, world["class_b"], in_days=5)
    draft = add_event(page, "Entwurf")
    draft.unpublish()
    return world


def summaries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


def class_feed_url(world, school_class, token):
    return f"/schools/dorf/{school_class.pk}/agenda.ics?token={token}"


def test_public_feed_has_only_public_published_events(client, world):
    assert summaries(client.get("/schools/dorf/agenda.ics")) == {"Sporttag"}


def test_public_feed_describes_an_all_day_event_with_dates(client, world):
    calendar = Calendar.from_ical(client.get("/schools/dorf/agenda.ics").content)
    [event] = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert not isinstance(start, datetime.datetime)
    assert end - start == datetime.timedelta(days=1)
    assert str(event["LOCATION"]) == "Sportplatz"
    assert str(event["DESCRIPTION"]) == "Bring running shoes."
    assert str(event["URL"]).endswith("/schulen/dorf/sporttag/")


def test_public_feed_of_an_unknown_school_is_404(client, world):
    assert client.get("/schools/nowhere/agenda.ics").status_code == 404


@pytest.mark.parametrize("role", ["parent_a", "teacher_a", "student_a"])
def test_class_feed_has_what_the_person_may_see_of_the_class(client, world, role):
    response = client.get(class_feed_url(world, world["class_a"], token_for(world[role])))
    assert summaries(response) == {"Sporttag", "Elternrat", "Ausflug 3a"}


def test_class_feed_timed_events_are_in_utc(client, world):
    calendar = Calendar.from_ical(
        client.get(class_feed_url(world, world["class_a"], token_for(world["parent_a"]))).content
    )
    event = next(event for event in calendar.walk("VEVENT") if str(event["SUMMARY"]) == "Elternrat")
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(hours=2)


def test_class_feed_needs_a_token(client, world):
    client.force_login(world["parent_a"])
    assert client.get(f"/schools/dorf/{world['class_a'].pk}/agenda.ics").status_code == 404


def test_class_feed_with_a_wrong_token_is_404(client, world):
    token_for(world["parent_a"])
    assert client.get(class_feed_url(world, world["class_a"], "not-the-token")).status_code == 404


@pytest.mark.parametrize("role", ["parent_b", "teacher_b", "other_school_parent", "stranger"])
def test_class_feed_of_a_class_the_person_does_not_belong_to_is_404(client, world, role):
    assert client.get(class_feed_url(world, world["class_a"], token_for(world[role]))).status_code == 404


def test_class_feed_of_a_class_of_another_school_is_404(client, world):
    url = f"/schools/berg/{world['class_a'].pk}/agenda.ics?token={token_for(world['parent_a'])}"
    assert client.get(url).status_code == 404


def test_the_token_of_an_inactive_account_opens_nothing(client, world):
    token = token_for(world["parent_a"])
    world["parent_a"].is_active = False
    world["parent_a"].save()
    assert client.get(class_feed_url(world, world["class_a"], token)).status_code == 404


def test_a_person_keeps_one_token(world):
    assert token_for(world["parent_a"]) == token_for(world["parent_a"])
    assert token_for(world["parent_a"]) != token_for(world["parent_b"])

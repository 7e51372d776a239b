"""A parent finds the school in the account, opens the overview and subscribes to the class calendar."""

import pytest
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from home.demo_content import ensure_demo_site
from schools import summaries
from schools.demo_content import ensure_demo_school_records
from schools.demo_pages import ensure_demo_school_pages
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def school(site_url, settings, tmp_path, monkeypatch):
    # The features' own summaries are tested with the features; the journey is about the overview.
    monkeypatch.setattr(summaries, "_child", {})
    monkeypatch.setattr(summaries, "_class", {})
    settings.MEDIA_ROOT = tmp_path
    users = ensure_demo_users()
    users["parent"].language = "en"
    users["parent"].save(update_fields=["language"])
    records = ensure_demo_school_records(users)
    ensure_demo_school_pages(ensure_demo_site(), records, users)
    return users


def test_parent_opens_the_school_overview_and_renews_the_calendar_address(page, site_url, school):
    log_in(page, site_url, "parent@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/")
    section = page.locator("section[aria-labelledby='dashboard-school']")
    expect(section.get_by_role("heading", name="Lina Muster")).to_be_visible()
    section.get_by_role("link", name="Open the school overview").click()

    expect(page.get_by_role("heading", level=1, name="School")).to_be_visible()
    sara = page.locator("li.card", has=page.get_by_role("heading", name="Sara Schülerin"))
    expect(sara).to_contain_text("Class 5b, Schulhaus Dorf")
    expect(sara.get_by_role("link", name="Grades")).to_have_attribute(
        "href", f"/en/account/school/grades/?student={school['student'].pk}"
    )
    page.get_by_role("link", name="Subscribe to the school agenda in your calendar app").click()

    expect(page.get_by_role("heading", level=1, name="School agenda in your calendar")).to_be_visible()
    public = page.get_by_label("Schulhaus Dorf", exact=True)
    expect(public).to_have_value(f"{site_url}/schools/dorf/agenda.ics")
    class_feed = page.get_by_label("Schulhaus Dorf – 5b")
    old_address = class_feed.input_value()
    assert page.request.get(old_address).status == 200

    page.get_by_role("button", name="Make new personal addresses").click()
    expect(page.get_by_text("Your personal feed addresses are new.")).to_be_visible()
    new_address = page.get_by_label("Schulhaus Dorf – 5b").input_value()
    assert new_address != old_address
    assert page.request.get(old_address).status == 404
    feed = page.request.get(new_address)
    assert feed.status == 200
    assert "Klasse 5b: Besuch im Naturmuseum" in feed.text()

"""The lunch table journey: the parent books two weekdays for a child, cancels one day and sees it cancelled."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from account.models import User
from schools.demo_content import ensure_demo_school_records
from schools.models import LunchBooking, LunchCancellation, LunchOffer, Term
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_parent_books_two_weekdays_and_cancels_one_day(page, site_url):
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    User.objects.filter(pk=users["parent"].pk).update(language="en")
    lina = records["children"]["lina"]
    today = timezone.localdate()
    # A term around today, so the next weeks have lunch days whatever the date.
    term = Term.objects.create(
        school_year=records["school_year"],
        name="Mittagstisch-Test",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=60),
    )
    LunchOffer.objects.create(
        school=records["school"], term=term, weekdays="0,1,3,4", price_rappen=950, location="Mehrzweckraum"
    )

    log_in(page, site_url, "parent@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/lunch/")
    page.get_by_role("link", name="Bookings and lunch days of Lina").click()
    expect(page.get_by_role("heading", name="Lunch table: Lina Muster")).to_be_visible()
    page.get_by_label("Tuesday").check()
    page.get_by_label("Friday").check()
    page.get_by_role("button", name="Save lunch days").click()
    expect(page.locator(".messages")).to_contain_text("The lunch days of Lina Muster are saved.")
    expect(page.locator("[data-booked]")).to_have_text("Tuesday, Friday")
    assert sorted(LunchBooking.objects.filter(student=lina).values_list("weekday", flat=True)) == [1, 4]

    # Cancel the first lunch day that can still be cancelled.
    row = page.locator("tr[data-state=booked]:has(button)").first
    day = row.get_attribute("data-day")
    row.get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("is cancelled.")
    cancelled = page.locator(f"tr[data-day='{day}']")
    expect(cancelled).to_have_attribute("data-state", "cancelled")
    expect(cancelled).to_contain_text("Cancelled")
    assert LunchCancellation.objects.filter(student=lina, date=day).exists()

"""Parent–teacher meetings: the teacher opens times, the parent books one, the teacher sees the booking."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from schools.demo_content import ensure_demo_school_records
from schools.models.meetings import MeetingBooking, MeetingSeries
from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def school(site_url):
    users = ensure_demo_users()
    for key in ("parent", "teacher"):
        users[key].language = "en"
        users[key].save(update_fields=["language"])
    return {"users": users, "records": ensure_demo_school_records(users)}


def test_teacher_opens_meetings_parent_books_teacher_sees_it(page, site_url, school):
    users, records = school["users"], school["records"]
    class_5b, sara = records["classes"]["5b"], records["children"]["student"]
    day = timezone.localdate() + datetime.timedelta(days=9)

    # The teacher plans three meetings for class 5b.
    log_in(page, site_url, users["teacher"].email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/meetings/")
    page.locator(f"[data-class='{class_5b.pk}']").get_by_role("link", name="Plan meetings").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("class 5b")
    page.get_by_label("Title").fill("Elterngespräche Winter")
    page.get_by_label("Booking, cancelling and moving until").fill(f"{day - datetime.timedelta(days=2):%Y-%m-%d}T18:00")
    page.get_by_label("Date").fill(f"{day:%Y-%m-%d}")
    page.get_by_label("First meeting starts at").fill("14:00")
    page.get_by_label("Number of meetings").fill("3")
    page.get_by_label("Length (minutes)").fill("20")
    page.get_by_label("Break between meetings (minutes)").fill("5")
    page.get_by_label("Place", exact=True).fill("Schulzimmer 5b")
    page.get_by_role("button", name="Open for booking").click()
    expect(page.locator("main")).to_contain_text("The meetings are open for booking: 3 times.")
    expect(page.locator("tr[data-slot]")).to_have_count(3)
    series = MeetingSeries.objects.get(title="Elterngespräche Winter")
    log_out(page)

    # The parent finds the meetings for Sara and books the second time.
    log_in(page, site_url, users["parent"].email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/meetings/")
    page.locator(f"[data-student='{sara.pk}']").get_by_role("link", name="Elterngespräche Winter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Elterngespräche Winter")
    page.get_by_label("14:25", exact=False).check()
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator("main")).to_contain_text("Booked:")
    expect(page.locator("[data-booking]")).to_contain_text("14:25")
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    booking = MeetingBooking.objects.get(series=series)
    assert (booking.student, booking.booked_by) == (sara, users["parent"])
    log_out(page)

    # The teacher sees who booked which time.
    log_in(page, site_url, users["teacher"].email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/meetings/{series.pk}/")
    row = page.locator(f"tr[data-slot='{booking.slot_id}']")
    expect(row).to_contain_text(sara.get_full_name())
    expect(row).to_contain_text(users["parent"].email)
    expect(page.locator("main")).to_contain_text("1 of 3 booked")

"""Journey: a parent reports an absence, which cancels the child's lunch that day; the class teacher marks it
excused, the parent sees “Excused”."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from schools.demo_content import ensure_demo_school_records
from schools.models import Absence, LunchBooking, LunchCancellation, LunchOffer, Term
from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_parent_reports_teacher_excuses(page, site_url, mailoutbox):
    users = ensure_demo_users()
    for key in ("parent", "teacher"):
        users[key].language = "en"
        users[key].save(update_fields=["language"])
    records = ensure_demo_school_records(users)
    sara = records["children"]["student"]
    today = timezone.localdate()
    # Sara eats at the lunch table on the next school day; the absence reported for it cancels that lunch.
    day = today + datetime.timedelta(days=1)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    term = Term.objects.create(
        school_year=records["school_year"],
        name="Mittagstisch-Test",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=60),
    )
    offer = LunchOffer.objects.create(school=records["school"], term=term, weekdays="0,1,2,3,4", price_rappen=950)
    LunchBooking.objects.create(offer=offer, student=sara, weekday=day.weekday(), booked_by=users["parent"])

    # The parent reports Sara (class 5b) ill on that day.
    log_in(page, site_url, "parent@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/absences/")
    page.get_by_role("link", name=sara.get_full_name()).click()
    page.get_by_role("link", name="Report an absence").click()
    page.fill("#id_starts_on", day.isoformat())
    page.fill("#id_ends_on", day.isoformat())
    page.fill("#id_half_days", "2")
    page.get_by_label("Illness").check()
    page.fill("#id_note", "Homework please via Mia")
    page.get_by_role("button", name="Report absence").click()
    expect(page.get_by_text("The absence has been reported to the class teacher.")).to_be_visible()
    expect(page.locator("[data-absence] [data-status=reported]")).to_have_text("Reported, not yet assessed")
    absence = Absence.objects.get(student=sara)

    # Her lunch that day is cancelled, without the parent doing anything more.
    page.goto(f"{site_url}/en/account/school/lunch/{sara.pk}/")
    lunch = page.locator(f"tr[data-day='{day.isoformat()}']")
    expect(lunch).to_have_attribute("data-state", "cancelled")
    assert LunchCancellation.objects.filter(student=sara, date=day, reason=LunchCancellation.Reason.ABSENCE).exists()
    log_out(page)

    # The class teacher of 5b finds it in the class's list and marks it excused.
    log_in(page, site_url, "teacher@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/absences/")
    page.get_by_role("link", name="5b", exact=True).click()
    expect(page).to_have_url(re.compile(r"/absences/class/\d+/$"))
    to_assess = page.locator("section[aria-labelledby=absences-to-assess]")
    row = to_assess.locator(f"tr[data-absence='{absence.pk}']")
    expect(row).to_contain_text("Homework please via Mia")
    row.get_by_role("button", name=re.compile(r"^Excused")).click()
    expect(page.get_by_text(re.compile(r"is now marked “Excused”"))).to_be_visible()
    expect(to_assess).to_contain_text("Nothing to assess.")
    log_out(page)

    # The parent sees the absence excused.
    log_in(page, site_url, "parent@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/absences/child/{sara.pk}/")
    expect(page.locator(f"tr[data-absence='{absence.pk}'] [data-status]")).to_have_text("Excused")
    absence.refresh_from_db()
    assert absence.status == Absence.Status.EXCUSED

"""Course registrations, the journey: a parent registers a child for a full course and lands on the waiting list;
another family cancels; the parent sees the child registered and the fee to pay."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from schools import courses
from schools.demo_content import ensure_demo_school_records
from schools.models import Course, CourseRegistration, Enrolment, Guardianship
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_parent_waits_for_a_place_and_then_pays_the_fee(page, site_url):
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    parent, lina = users["parent"], records["children"]["lina"]
    parent.language = "en"
    parent.save()
    now = timezone.now()
    course = Course.objects.create(
        school=records["school"],
        title="Robotik",
        min_grade=3,
        max_grade=6,
        capacity=1,
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=10),
        starts_on=timezone.localdate() + datetime.timedelta(days=30),
        fee_rappen=3000,
    )
    # Another family has the only place.
    other_parent, other_child = UserFactory(language="en"), UserFactory(language="en")
    Enrolment.objects.create(student=other_child, school_class=records["classes"]["3a"])
    Guardianship.objects.create(guardian=other_parent, student=other_child)
    taken = courses.register(other_parent, course, other_child)

    log_in(page, site_url, parent.email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/courses/")
    lina_section = page.locator(f"section[data-student='{lina.pk}']")
    expect(lina_section.get_by_role("heading", level=2)).to_contain_text("Lina Muster")
    lina_section.get_by_role("link", name="Robotik").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Robotik")
    expect(page.locator("dd[data-places]")).to_contain_text("Full – waiting list")
    page.get_by_label("Lina Muster").check()
    page.get_by_role("button", name="Put on the waiting list").click()

    expect(page.locator(".messages")).to_contain_text("The course is full: Lina Muster is 1st on the waiting list.")
    registration = CourseRegistration.objects.get(student=lina, course=course)
    row = page.locator(f"tr[data-registration='{registration.pk}']")
    expect(row).to_contain_text("1st on the waiting list")
    expect(row).to_contain_text("Billed only when a place is free")

    # The other family cancels: Lina moves up, is billed, and her parent is told.
    courses.cancel(other_parent, taken)

    page.goto(f"{site_url}/en/account/school/courses/")
    row = page.locator(f"tr[data-registration='{registration.pk}']")
    expect(row.locator("[data-status]")).to_have_text("Registered")
    pay = row.get_by_role("link", name="Pay CHF 30.00")
    expect(pay).to_be_visible()
    pay.click()
    registration.refresh_from_db()
    expect(page).to_have_url(re.compile(rf"/account/cases/{registration.fee_case.reference}/$"))
    expect(page.locator("main")).to_contain_text("30.00")

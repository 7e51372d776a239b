"""The grades journey: the teacher enters and publishes an assessment, keeps a second one back; the parent sees
only the published grade."""

import re

import pytest
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from account.models import User
from schools.demo_content import ensure_demo_school_records
from schools.models import Assessment, Grade
from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_teacher_publishes_grades_parent_sees_only_published(page, site_url):
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    User.objects.filter(pk__in=[users["teacher"].pk, users["parent"].pk]).update(language="en")
    sara = records["children"]["student"]

    # The teacher opens the class from the grades page and enters a test.
    log_in(page, site_url, "teacher@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/grades/")
    page.get_by_role("link", name="Class 5b").click()
    expect(page.get_by_role("heading", name="Grades of class 5b")).to_be_visible()
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Subject").first.select_option("Mathematik")
    page.get_by_label("Title").fill("Test Brüche")
    page.get_by_label("Weight").fill("2")
    grade = page.get_by_label(f"Grade of {sara.get_full_name()}")
    grade.fill("4,8")  # a typo: not a quarter
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(grade).to_have_value("4,8")  # nothing typed is lost
    grade.fill("4,5")
    page.get_by_label(f"Comment for {sara.get_full_name()}").fill("Sauber gelöst")
    page.get_by_role("button", name="Save", exact=True).click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Test Brüche"))
    expect(row.locator("[data-state=draft]")).to_be_visible()
    row.get_by_role("button", name=re.compile("^Publish")).click()
    expect(page.get_by_text("The assessment is published")).to_be_visible()
    expect(row.locator("[data-state=published]")).to_be_visible()

    # A second assessment stays unpublished.
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Subject").first.select_option("Deutsch")
    page.get_by_label("Title").fill("Aufsatz Winter")
    page.get_by_label(f"Grade of {sara.get_full_name()}").fill("3.5")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.locator("tr", has=page.get_by_role("rowheader", name="Aufsatz Winter")).locator("[data-state=draft]")
    ).to_be_visible()
    log_out(page)

    assert Grade.objects.get(assessment__title="Test Brüche", student=sara).value == 4.5
    assert Assessment.objects.get(title="Aufsatz Winter").published_at is None

    # The parent sees Sara's published grade, and nothing of the draft.
    log_in(page, site_url, "parent@musterwil.example", DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/grades/")
    page.get_by_role("link", name=re.compile(f"Show grades.*{sara.get_full_name()}")).click()
    section = page.locator("section[data-subject=Mathematik]")
    expect(section.get_by_role("rowheader", name="Test Brüche")).to_be_visible()
    expect(section.locator("[data-grade]")).to_have_text("4.5")
    expect(section.locator("[data-average]")).to_have_text("4.50")
    expect(page.get_by_text("Sauber gelöst")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Aufsatz Winter")
    expect(page.locator("main")).not_to_contain_text("3.5")

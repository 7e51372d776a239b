"""Weekly plans in the browser: the teacher makes and publishes a plan with two tasks, the parent opens and
acknowledges it, the teacher sees the acknowledgement."""

import pytest
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_users
from schools.demo_content import ensure_demo_school_records
from schools.models.weekly_plans import PlanAcknowledgement, WeeklyPlan
from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_teacher_publishes_a_week_plan_and_sees_the_parents_acknowledgement(page, site_url):
    users = ensure_demo_users()
    for key in ("teacher", "parent"):
        users[key].language = "en"
        users[key].save(update_fields=["language"])
    records = ensure_demo_school_records(users)
    class_5b, sara, parent = records["classes"]["5b"], records["children"]["student"], users["parent"]

    # The teacher opens the weekly plans, starts a plan for 5b, fills in two tasks and publishes.
    log_in(page, site_url, users["teacher"].email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/plans/")
    page.locator(f"[data-class='5b'] a[href$='new/?class={class_5b.pk}']").click()
    expect(page.get_by_role("heading", name="New weekly plan", level=1)).to_be_visible()
    expect(page.get_by_label("Class")).to_have_value(str(class_5b.pk))
    page.get_by_label("Title").fill("Brüche und Wald")
    first, second = page.locator("[data-task-row='0']"), page.locator("[data-task-row='1']")
    first.get_by_label("Subject").fill("Mathematik")
    first.get_by_label("Day").select_option(label="Monday")
    first.locator("textarea[name$='-description']").fill("Arbeitsblatt Brüche 1–6")
    second.get_by_label("Subject").fill("NMG")
    second.get_by_label("Compulsory or optional").select_option(label="Optional")
    second.locator("textarea[name$='-description']").fill("Laubblätter sammeln")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("status")).to_contain_text("The plan is published")
    expect(page.locator("[data-day='0']")).to_contain_text("Arbeitsblatt Brüche 1–6")
    expect(page.locator("[data-day='week'] li")).to_contain_text("Optional")
    plan = WeeklyPlan.objects.get(school_class=class_5b)
    assert plan.published_at is not None and plan.tasks.count() == 2
    log_out(page)

    # The parent finds the plan under Sara and acknowledges it.
    log_in(page, site_url, parent.email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/plans/")
    child = page.locator(f"[data-child='{sara.pk}']")
    expect(child).to_contain_text("not acknowledged yet")
    child.locator(f"a[href$='/plans/{plan.pk}/']").click()
    expect(page.locator("main")).to_contain_text("Laubblätter sammeln")
    page.get_by_role("button", name=f"I have read the plan (for {sara.get_full_name()})").click()
    expect(page.locator(f"[data-acknowledge-child='{sara.pk}']")).to_contain_text(
        f"Acknowledged for {sara.get_full_name()} on"
    )
    assert PlanAcknowledgement.objects.filter(plan=plan, student=sara, guardian=parent).exists()
    log_out(page)

    # The teacher sees who acknowledged.
    log_in(page, site_url, users["teacher"].email, DEMO_PASSWORD)
    page.goto(f"{site_url}/en/account/school/plans/{plan.pk}/")
    expect(page.locator(f"tr[data-student='{sara.pk}'] [data-acknowledged-by='{parent.pk}']")).to_contain_text(
        parent.get_full_name()
    )

"""Issue 5: a resident renews a parking permit close to expiry, pays, and sees the new validity."""

import datetime

import pytest
from playwright.sync_api import expect

from home.demo_content import ensure_demo_site
from services import cases, parking
from services.demo_parking import DEMO_NUMBER, PARKING_FORM_FIELDS, ensure_demo_parking
from services.models import Case, CaseStatus, ServiceIndexPage, ServiceKind, ServicePage
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.services.conftest import form_block, make_form_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parking_page(site_url):
    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-parkkarte"))
    form = make_form_for(PARKING_FORM_FIELDS, title="Parkkarte beantragen", submit_label="Parkkarte bestellen")
    page = ServicePage(
        title="Parkkarte beantragen",
        slug="parkkarte",
        body=[form_block(form)],
        service_kind=ServiceKind.PARKING_PERMIT,
        fee_rappen=24000,
        login_required=True,
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return ServicePage.objects.get(pk=page.pk)


def test_resident_renews_the_parking_permit_and_sees_the_new_validity(page, site_url, parking_page):
    resident = UserFactory(email="parker@example.org", first_name="Paula", last_name="Parker")
    permit = ensure_demo_parking(parking_page, resident)
    old_until = permit.valid_until

    # The dashboard shows the permit close to expiry with a renew button.
    log_in(page, site_url, resident.email, PASSWORD)
    page.goto(f"{site_url}/account/")
    row = page.locator(f"tr[data-permit='{DEMO_NUMBER}']")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "expiring")
    row.locator("form button[type=submit]").click()

    # The parking form opens with the permit's details filled in; the resident only submits.
    block_id = parking_page.form_blocks()[0][0]
    form = page.locator(f"#form-{block_id} form")
    expect(form.locator("[name=kennzeichen]")).to_have_value("SG 123 456")
    expect(form.locator("[name=permit]")).to_have_value(DEMO_NUMBER)
    expect(form.locator("input[name=zone][value='Blaue Zone Dorfkern']")).to_be_checked()
    form.locator("button[name=action][value=review]").click()
    expect(page.locator("main")).to_contain_text("SG 123 456")
    page.locator("button[name=action][value=submit]").click()
    case = Case.objects.get(submitted_by=resident, status=CaseStatus.SUBMITTED)
    expect(page.locator("main")).to_contain_text(case.reference)

    # The payment is confirmed (by the payment provider or the bank file): the permit is extended.
    cases.mark_paid(case.payments.get(), actor_label="Testzahlung")
    permit.refresh_from_db()
    assert permit.valid_until == parking.add_months(old_until, 12)

    page.goto(f"{site_url}/account/parking/")
    row = page.locator(f"tr[data-permit='{DEMO_NUMBER}']")
    expect(row.locator("[data-valid-until]")).to_have_text(permit.valid_until.strftime("%d.%m.%Y"))
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "valid")
    with page.expect_download() as download:
        row.locator("a[href*='/documents/']").click()
    assert download.value.suggested_filename == f"Parkkarte-{DEMO_NUMBER}.pdf"
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert permit.valid_until > old_until + datetime.timedelta(days=300)

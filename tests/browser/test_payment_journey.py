"""Issue 5: a resident pays a case's fee online with the test provider — a failure first, then success."""

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from home.demo_content import ensure_demo_site
from services.demo_payments import ensure_demo_payment_settings
from services.models import Payment, PaymentTransaction, ServiceIndexPage, ServicePage
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.integration_fixtures import submit_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def extract_page(site_url):
    home = ensure_demo_site()
    ensure_demo_payment_settings(Site.objects.get(is_default_site=True))
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-zahlung"))
    page = ServicePage(
        title="Betreibungsregisterauszug", slug="betreibungsauszug", fee_rappen=1700, login_required=True
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return ServicePage.objects.get(pk=page.pk)


def test_resident_pays_after_a_failed_attempt_and_gets_a_receipt(page, site_url, extract_page):
    resident = UserFactory(
        email="zahler@example.org", first_name="Zora", last_name="Zahler", postcode="9999", town="Musterwil"
    )
    case = submit_case(extract_page, resident)
    log_in(page, site_url, resident.email, PASSWORD)

    page.goto(f"{site_url}/account/cases/{case.reference}/")
    fee = page.locator("#fee")
    expect(fee).to_contain_text("17.00")
    expect(fee.locator(".badge--warning")).to_be_visible()

    # The QR-bill invoice downloads as a PDF.
    invoice = page.request.get(site_url + fee.locator("a[href$='invoice.pdf']").get_attribute("href"))
    assert invoice.status == 200 and invoice.body().startswith(b"%PDF")

    # First attempt: the payment fails; the fee stays open and can be paid again.
    fee.locator("form[action$='/pay/'] button").click()
    page.locator("button[name=outcome][value=failed]").click()
    expect(page.locator("#fee .badge--warning")).to_be_visible()

    # Second attempt succeeds.
    page.locator("#fee form[action$='/pay/'] button").click()
    expect(page.locator("main")).to_contain_text("17.00")
    page.locator("button[name=outcome][value=succeeded]").click()
    expect(page.locator("#fee .badge--success")).to_be_visible()
    expect(page.locator("#fee form")).to_have_count(0)
    page.reload()
    expect(page.locator("#documents")).to_contain_text(case.reference)

    payment = Payment.objects.get(case=case)
    assert payment.status == Payment.Status.PAID and payment.method == Payment.Method.ONLINE
    assert sorted(payment.transactions.values_list("status", flat=True)) == [
        PaymentTransaction.Status.FAILED,
        PaymentTransaction.Status.SUCCEEDED,
    ]
    assert case.documents.filter(field_name__startswith="_payment_receipt").count() == 1

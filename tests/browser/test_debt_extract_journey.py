"""Issue 5: a new resident with a verified address orders a Betreibungsregisterauszug, sees what is owed, pays
with the test provider (a failure first), the Betreibungsamt's application uploads the extract through the API,
and the resident finds it, marked new, in My documents and downloads it."""

import datetime
import re

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from account.models import AssuranceLevel
from home.demo_content import ensure_demo_site
from integrations.client.api import PortalClient
from integrations.models import SpecialistApplication
from services import demo_content
from services.demo_payments import ensure_demo_payment_settings
from services.models import Case, CaseDocument, CaseStatus, Payment, ServicePage
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.integration_fixtures import PDF

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "betreibungsauszug"
PDF_DELIVERY = "Als PDF im Benutzerkonto"


@pytest.fixture
def extract_page(site_url):
    """The demo municipality's order page, built by the same code as `seed_demo` builds it."""
    home = ensure_demo_site()
    ensure_demo_payment_settings(Site.objects.get(is_default_site=True))
    spec = demo_content.SERVICES[KEY]
    form, _created = demo_content.ensure_form(KEY, spec)
    index = demo_content.ensure_index(home)
    page = demo_content.ensure_page(index, KEY, spec, form, demo_content.ensure_groups({}))
    return ServicePage.objects.get(pk=page.pk)


@pytest.fixture
def office_client(site_url):
    """The Betreibungsamt's specialist application: scoped to the destination "betreibungsamt"."""
    application = SpecialistApplication.objects.create(
        name="Betreibungsamt Musterwil",
        slug="betreibungsamt-musterwil",
        destinations="betreibungsamt",
        read_types=["cases"],
        write_types=["cases"],
    )
    _api_token, token = application.issue_token(name="test")
    return PortalClient(site_url, token, retries=0)


def en(site_url, path):
    return f"{site_url}/en{path}"


def test_order_pay_after_a_failure_and_download_the_extract(page, site_url, extract_page, office_client):
    resident = UserFactory(
        email="erika.auszug@example.org",
        first_name="Erika",
        last_name="Auszug",
        date_of_birth=datetime.date(1988, 6, 15),
        street="Dorfstrasse",
        house_number="7",
        postcode="9999",
        town="Musterwil",
        language="en",
        assurance_level=AssuranceLevel.ADDRESS,
    )
    log_in(page, site_url, resident.email, PASSWORD)

    # 1. The order form comes filled in from the account; the resident chooses the PDF delivery.
    page.goto(en(site_url, extract_page.url))
    block_id = extract_page.form_blocks()[0][0]
    form = page.locator(f"#form-{block_id} form")
    expect(form.locator("[name=name]")).to_have_value("Erika Auszug")
    form.locator(f"input[name=zustellung][value='{PDF_DELIVERY}']").check()
    form.locator("button[name=action][value=review]").click()

    # 2. Before submitting, the review says what is owed.
    main = page.locator("main")
    expect(main).to_contain_text(PDF_DELIVERY)
    expect(main).to_contain_text("A fee of CHF 17.00 is charged")
    page.locator("button[name=action][value=submit]").click()
    case = Case.objects.get(submitted_by=resident, status=CaseStatus.SUBMITTED)
    expect(page.locator("[data-case-reference]")).to_have_text(case.reference)
    expect(main).to_contain_text("CHF 17.00")
    page.locator(f"main a[href$='/account/cases/{case.reference}/']").click()

    # 3. The case shows the open fee; the first online payment fails, the second succeeds.
    fee = page.locator("#fee")
    expect(fee).to_contain_text("CHF 17.00")
    expect(fee.locator(".badge--warning")).to_be_visible()
    fee.locator("form[action$='/pay/'] button").click()
    page.locator("button[name=outcome][value=failed]").click()
    expect(page.locator(".messages")).to_contain_text("The payment failed")
    expect(page.locator("#fee .badge--warning")).to_be_visible()
    page.locator("#fee form[action$='/pay/'] button").click()
    expect(page.locator("main")).to_contain_text("17.00")
    page.locator("button[name=outcome][value=succeeded]").click()
    expect(page.locator("#fee .badge--success")).to_be_visible()

    # 4. Paid, the order is forwarded to the Betreibungsamt: in progress, with what happens next.
    expect(main).to_contain_text("forwarded to the debt enforcement office")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert Payment.objects.get(case=case).status == Payment.Status.PAID

    # 5. The office's application reads the order (delivery, paid fee) and uploads the extract.
    order = office_client.case(case.reference)["case"]
    assert order["status"] == CaseStatus.IN_PROGRESS and order["fee"]["paid"] is True
    assert {item["name"]: item["value"] for item in order["fields"]}["zustellung"] == PDF_DELIVERY
    uploaded = office_client.upload_document(
        case.reference, "Betreibungsregisterauszug.pdf", PDF, title="Betreibungsregisterauszug"
    )
    office_client.set_status(case.reference, "completed", text="Der Auszug ist in Ihrem Benutzerkonto.")
    extract = CaseDocument.objects.get(pk=uploaded["id"])
    assert extract.origin == CaseDocument.Origin.APPLICATION and extract.read_at is None

    # 6. The dashboard counts it as new; My documents lists it with the marker, and it downloads as a PDF.
    page.goto(en(site_url, "/account/"))
    expect(page.locator("#dashboard-documents")).to_be_visible()
    expect(page.locator(f"li[data-document='case-{extract.pk}']")).to_contain_text("New")
    page.locator(".side-nav a[href$='/account/documents/']").click()
    expect(page).to_have_url(re.compile(r"/en/account/documents/$"))
    row = page.locator(f"#document-list tr[data-document='case-{extract.pk}']")
    expect(row).to_contain_text("Betreibungsregisterauszug")
    expect(row).to_contain_text(case.reference)
    expect(row.locator(".badge")).to_have_text("New")
    href = row.locator("th a").get_attribute("href")
    response = page.request.get(site_url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == PDF

    page.reload()
    expect(row).to_be_visible()
    expect(row.locator(".badge")).to_have_count(0)
    # The case page has it too.
    row.locator(f"a[href$='/account/cases/{case.reference}/']").click()
    expect(page.locator("#documents")).to_contain_text("Betreibungsregisterauszug")
    expect(page.locator("main")).to_contain_text("Completed")


def test_without_a_verified_address_the_page_explains_and_shows_no_form(page, site_url, extract_page):
    resident = UserFactory(email="ohne.brief@example.org", language="en", assurance_level=AssuranceLevel.EMAIL)
    block_id = extract_page.form_blocks()[0][0]
    section = page.locator(f"#form-{block_id}")

    # Not logged in: log in first, before typing anything that would be lost on the way.
    page.goto(en(site_url, extract_page.url))
    expect(section.locator(".alert")).to_contain_text("Please log in first")
    expect(section.locator("input, select, textarea")).to_have_count(0)

    # Logged in without the level: the explanation and the way to the activation letter, still no fields.
    log_in(page, site_url, resident.email, PASSWORD)
    page.goto(en(site_url, extract_page.url))
    expect(section.locator(".alert")).to_contain_text("Postal address verified")
    expect(section.locator(".alert")).to_contain_text("activation letter")
    expect(section.locator("input, select, textarea")).to_have_count(0)
    help_link = section.locator("a[href*='/account/verification/']")
    assert extract_page.url in help_link.get_attribute("href").replace("%2F", "/")

    # With the level (here set directly, as the activation letter would), the form is there, filled in.
    resident.assurance_level = AssuranceLevel.ADDRESS
    resident.save(update_fields=["assurance_level"])
    page.reload()
    expect(section.locator("[name=zustellung]").first).to_be_visible()
    assert not Case.objects.filter(submitted_by=resident).exists()

"""Issue 5: order a Wohnsitzbescheinigung, get the PDF, verify its code, a clerk revokes it, verify again.

A resident whose address is verified gets it from the portal at once; anyone else waits for the clerk.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from account.models import AssuranceLevel
from home.demo_content import ensure_demo_site
from services import cases
from services.demo_certificates import certificate_service_spec
from services.demo_content import field, heading
from services.models import Case, CaseStatus, Payment, ServiceIndexPage, ServiceKind, ServicePage
from services.models.certificates import Certificate
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.services.conftest import form_block, make_form_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clerk_group(site_url):
    group = Group.objects.create(name="Einwohnerdienste")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="services", codename="view_case"),
        Permission.objects.get(content_type__app_label="services", codename="change_case"),
    )
    return group


@pytest.fixture
def certificate_page(site_url, clerk_group):
    spec = certificate_service_spec(field, heading)
    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-bescheinigungen"))
    form = make_form_for(spec["fields"], title=spec["form_title"], submit_label=spec["submit_label"])
    page = ServicePage(
        title="Bescheinigung bestellen",
        slug="bescheinigungen",
        body=[form_block(form)],
        service_kind=ServiceKind.CERTIFICATE,
        fee_rappen=0,
        login_required=True,
        clerk_group=clerk_group,
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return ServicePage.objects.get(pk=page.pk)


def check_code(page, site_url, code):
    page.goto(f"{site_url}/verify/")
    page.fill("#id_code", code.lower().replace("-", " "))
    page.locator("main form button[type=submit]").click()
    return page.locator("#verify-result")


def test_order_issue_download_verify_revoke_verify(page, browser, site_url, certificate_page, clerk_group):
    # Only her e-mail address is verified: the register has not confirmed her data, so a clerk issues the order.
    resident = UserFactory(
        email="wohnhaft@example.org",
        first_name="Vera",
        last_name="Wohnhaft",
        date_of_birth=datetime.date(1990, 3, 1),
        assurance_level=AssuranceLevel.EMAIL,
    )
    clerk = UserFactory(email="einwohnerdienste@musterwil.example", is_staff=True)
    clerk.groups.add(clerk_group)
    UserProfile.objects.update_or_create(user=clerk, defaults={"preferred_language": "en"})

    # 1. The resident orders a Wohnsitzbescheinigung.
    log_in(page, site_url, resident.email, PASSWORD)
    page.goto(f"{site_url}{certificate_page.url}")
    block_id = certificate_page.form_blocks()[0][0]
    form = page.locator(f"#form-{block_id} form")
    form.locator("input[name=certificate_kind][value=Wohnsitzbescheinigung]").check()
    form.locator("[name=heimatort]").fill("Musterwil SG")
    form.locator("button[name=action][value=review]").click()
    page.locator("button[name=action][value=submit]").click()
    case = Case.objects.get(submitted_by=resident, status=CaseStatus.SUBMITTED)
    expect(page.locator("main")).to_contain_text(case.reference)

    # 2. A clerk issues it from the case view (the kind is preselected from the order).
    office = browser.new_context().new_page()
    office.set_default_timeout(15_000)
    log_in(office, site_url, clerk.email, PASSWORD)
    office.goto(f"{site_url}/admin/services/case/{case.pk}/")
    office.locator("#issue-certificate").click()
    expect(office.locator("select[name=kind]")).to_have_value("residence")
    office.locator("main form button[type=submit]").click()
    expect(office.locator("#case-certificates")).to_be_visible()
    certificate = Certificate.objects.get(case=case)
    expect(office.locator(f"#case-certificates tr[data-code='{certificate.code}']")).to_be_visible()

    # 3. The resident finds it in the account and downloads the PDF.
    page.goto(f"{site_url}/account/certificates/")
    row = page.locator(f"tr[data-code='{certificate.code}']")
    expect(row).to_have_attribute("data-state", "valid")
    with page.expect_download() as download:
        row.locator("a[href*='/documents/']").click()
    assert download.value.suggested_filename.endswith(f"{certificate.code}.pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # 4. Anyone checks the code (typed in lower case with spaces): valid, with name and date of birth only.
    public = browser.new_context().new_page()
    result = check_code(public, site_url, certificate.code)
    expect(result).to_have_attribute("data-state", "valid")
    expect(result.locator("[data-field=name]")).to_have_text("Vera Wohnhaft")
    expect(result.locator("[data-field=date_of_birth]")).to_have_text("01.03.1990")
    expect(public.locator("main")).not_to_contain_text("Musterwil SG")

    # 5. The clerk revokes it with a reason; the check now says revoked.
    office.goto(f"{site_url}/admin/services/case/{case.pk}/")
    office.locator(f"#case-certificates tr[data-code='{certificate.code}'] a").click()
    office.fill("textarea[name=reason]", "Irrtümlich ausgestellt")
    office.locator("main form button[type=submit]").click()
    expect(office.locator("#case-certificates")).to_contain_text("Irrtümlich ausgestellt")
    result = check_code(public, site_url, certificate.code)
    expect(result).to_have_attribute("data-state", "revoked")
    expect(result.locator("[data-field=revoked_on]")).to_be_visible()
    page.goto(f"{site_url}/account/certificates/")
    expect(page.locator(f"tr[data-code='{certificate.code}']")).to_have_attribute("data-state", "revoked")


def test_a_verified_resident_gets_her_certificate_at_once_and_pays_first_where_there_is_a_fee(
    page, browser, site_url, certificate_page
):
    # Her address is verified by an activation letter: the register confirms her name, birth date and address.
    resident = UserFactory(
        email="bestaetigt@example.org",
        first_name="Vera",
        last_name="Bestätigt",
        date_of_birth=datetime.date(1990, 3, 1),
        street="Dorfstrasse",
        house_number="7",
        postcode="9999",
        town="Musterwil",
        language="en",
        assurance_level=AssuranceLevel.ADDRESS,
    )
    block_id = certificate_page.form_blocks()[0][0]

    def order(kind):
        page.goto(f"{site_url}/en{certificate_page.url}")
        form = page.locator(f"#form-{block_id} form")
        form.locator(f"input[name=certificate_kind][value={kind}]").check()
        # Name and date of birth come prefilled from the account; no place of origin is given.
        expect(form.locator("[name=name]")).to_have_value("Vera Bestätigt")
        form.locator("button[name=action][value=review]").click()
        page.locator("button[name=action][value=submit]").click()
        expect(page.locator("main")).to_contain_text("MW-")
        return Case.objects.filter(submitted_by=resident).latest("pk")

    log_in(page, site_url, resident.email, PASSWORD)

    # 1. Free Wohnsitzbescheinigung: issued with the submission; the case page offers the PDF.
    case = order("Wohnsitzbescheinigung")
    certificate = Certificate.objects.get(case=case)
    page.goto(f"{site_url}/en/account/cases/{case.reference}/")
    expect(page.locator("main")).to_contain_text(certificate.code)
    expect(page.locator("main")).to_contain_text("Completed")
    result = check_code(browser.new_context().new_page(), site_url, certificate.code)
    expect(result).to_have_attribute("data-state", "valid")
    expect(result.locator("[data-field=name]")).to_have_text("Vera Bestätigt")

    # 2. With a fee, nothing before payment; the timeline says what happens next. Paying issues it.
    ServicePage.objects.filter(pk=certificate_page.pk).update(fee_rappen=2000)
    case = order("Wohnsitzbescheinigung")
    assert not Certificate.objects.filter(case=case).exists()
    page.goto(f"{site_url}/en/account/cases/{case.reference}/")
    expect(page.locator("main")).to_contain_text("issued automatically as soon as the fee of CHF 20.00 is paid")
    cases.mark_paid(case.payments.get(), method=Payment.Method.QR_BILL, confirmed_by="camt.054")
    page.reload()
    certificate = Certificate.objects.get(case=case)
    expect(page.locator("main")).to_contain_text(certificate.code)
    assert certificate.kind == "residence"

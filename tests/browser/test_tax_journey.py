"""Issue 5: a resident activates the tax account with the letter's code and sees balance, instalments, documents."""

import datetime

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from services import tax
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NUMBER = "MW-2026-104299"


def test_activate_and_see_the_tax_account(page, site_url):
    person = UserFactory(first_name="Erika", last_name="Beispiel")
    account, _ = tax.upsert_account(
        NUMBER,
        name="Beispiel Erika",
        balance_rappen=124_050,
        balance_date=datetime.date(2026, 11, 1),
        entries=[
            {
                "external_id": "R2",
                "kind": "instalment",
                "tax_year": 2026,
                "description": "2. Rate Staats- und Gemeindesteuern 2026",
                "amount_rappen": 124_050,
                "due_date": datetime.date(2026, 12, 31),
            }
        ],
    )
    tax.add_document(account, "PROV", ContentFile(PDF, name="rechnung.pdf"), "Provisorische Steuerrechnung 2026", 2026)
    code = tax.set_activation_code(account)

    log_in(page, site_url, person.email, PASSWORD)
    page.goto(f"{site_url}/account/")
    page.locator("#dashboard-tax").locator("xpath=..").locator("a[href$='/account/tax/']").first.click()
    expect(page.locator("#tax-activation-form")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("2. Rate Staats- und Gemeindesteuern 2026")

    # A typo first: the form says so and shows nothing of the account.
    page.fill("#id_taxpayer_number", NUMBER)
    page.fill("#id_code", "AAAA-BBBB-CCCC")
    page.locator("#tax-activation-form button[type=submit]").click()
    expect(page.locator("#tax-activation-form [role=alert]")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("CHF 1’240.50")

    page.fill("#id_taxpayer_number", NUMBER.lower())
    page.fill("#id_code", code.lower())
    page.locator("#tax-activation-form button[type=submit]").click()

    expect(page.locator(f"#tax-balance-{account.pk}")).to_contain_text("CHF 1’240.50")
    main = page.locator("main")
    expect(main).to_contain_text("2. Rate Staats- und Gemeindesteuern 2026")
    expect(main).to_contain_text("31.12.2026")
    with page.expect_download() as download:
        page.get_by_role("link", name="Provisorische Steuerrechnung 2026").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(f"{site_url}/account/")
    expect(page.locator("#dashboard-tax").locator("xpath=..")).to_contain_text("CHF 1’240.50")

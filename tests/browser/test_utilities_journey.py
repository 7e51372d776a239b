"""Issue 8: a new customer links the utility account, reads the consumption, exports it, reports a water reading
and downloads an invoice — as a person does it in the browser."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from utilities import linking
from utilities.models import Contract, Invoice, Meter, MeterReading, ReadingSource, Register, UtilityCustomer

pytestmark = pytest.mark.django_db(transaction=True)

ZURICH = ZoneInfo("Europe/Zurich")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def hourly_profile(meter, start, days):
    """Register values every hour (enough for daily bars), 0.5 kWh an hour."""
    value, rows = Decimal("1000"), []
    for step in range(days * 24 + 1):
        rows.append(
            MeterReading(
                meter=meter,
                register=Register.IMPORT,
                timestamp=start + datetime.timedelta(hours=step),
                value=value,
                source=ReadingSource.SMART,
            )
        )
        value += Decimal("0.5")
    MeterReading.objects.bulk_create(rows, batch_size=2000)


@pytest.fixture
def customer_letter():
    """A customer account as the billing application delivered it, with the code of the letter."""
    today = timezone.localdate()
    customer = UtilityCustomer.objects.create(
        customer_number="300700",
        name="Erika Beispiel",
        street="Dorfstrasse",
        house_number="3",
        postcode="9999",
        town="Musterwil",
    )
    contract = Contract.objects.create(
        customer=customer,
        contract_number="EL-300700",
        medium="electricity",
        tariff_name="Musterwil Strom Natur",
        energy_price=Decimal("27.45"),
        starts_on=today - datetime.timedelta(days=800),
    )
    smart = Meter.objects.create(
        customer=customer,
        contract=contract,
        meter_number="E-7001",
        medium="electricity",
        unit="kWh",
        kind=Meter.Kind.SMART,
        location="Keller",
    )
    this_month = today.replace(day=1)
    last_year = this_month.replace(year=this_month.year - 1)
    for month_start in (last_year, this_month):
        start = datetime.datetime.combine(month_start, datetime.time(), tzinfo=ZURICH)
        hourly_profile(smart, start, (today - this_month).days + 1)
    water = Meter.objects.create(
        customer=customer,
        meter_number="W-7002",
        medium="water",
        unit="m3",
        kind=Meter.Kind.MANUAL,
        location="Waschküche",
        reading_due_on=today + datetime.timedelta(days=10),
    )
    for years_ago, value in ((2, 400), (1, 520)):
        MeterReading.objects.create(
            meter=water,
            register=Register.IMPORT,
            value=Decimal(value),
            source=ReadingSource.BILLING,
            timestamp=timezone.now() - datetime.timedelta(days=365 * years_ago),
        )
    invoice = Invoice.objects.create(
        customer=customer,
        contract=contract,
        invoice_number="R-2026-7001",
        period_start=today.replace(day=1),
        period_end=today,
        issued_on=today,
        amount_rappen=12_345,
        due_on=today + datetime.timedelta(days=30),
    )
    invoice.pdf.save("R-2026-7001.pdf", ContentFile(PDF), save=True)
    return {"customer": customer, "smart": smart, "water": water, "code": linking.set_activation_code(customer)}


def test_link_read_compare_export_report_and_download(page, site_url, customer_letter):
    person = UserFactory(first_name="Erika", last_name="Beispiel", language="en")
    smart = customer_letter["smart"]
    log_in(page, site_url, person.email, PASSWORD)

    # Nothing is shown before the link; a wrong code says so and shows nothing.
    page.goto(f"{site_url}/en/account/")
    page.get_by_role("link", name="Energy and water").first.click()
    form = page.locator("#utility-link-form")
    expect(form).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("E-7001")
    page.get_by_label("Customer number").fill("300700")
    page.get_by_label("Activation code").fill("AAAA-BBBB-CCCC")
    form.locator("button[type=submit]").click()
    expect(page.locator("#utility-link-form [role=alert]")).to_contain_text(
        "Customer number or activation code is wrong"
    )
    expect(page.locator("main")).not_to_contain_text("E-7001")

    page.get_by_label("Activation code").fill(customer_letter["code"].lower())
    page.locator("#utility-link-form button[type=submit]").click()
    main = page.locator("main")
    expect(main).to_contain_text("E-7001")
    expect(main).to_contain_text("W-7002")

    # The month view of the smart meter, then last year's comparison.
    page.locator(f"a[href$='/account/utilities/meters/{smart.pk}/']").first.click()
    page.get_by_role("link", name="Month").click()
    expect(page.locator("svg[role=img]")).to_be_visible()
    table = page.locator("main table").first
    expect(table.locator("tbody tr").first).to_contain_text("12")  # 24 h × 0.5 kWh on a whole day
    page.get_by_role("link", name="Compare with the previous year").click()
    expect(page.get_by_role("link", name="Hide the previous year")).to_be_visible()
    expect(page.locator("main table thead")).to_contain_text("previous year", ignore_case=True)

    # The CSV is the selected month, and its numbers are the database's.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    header, body = rows[0], [row for row in rows[1:] if row and row[2]]
    assert len(header) >= 4 and body
    for row in body:
        start, end = datetime.datetime.fromisoformat(row[0]), datetime.datetime.fromisoformat(row[1])
        at_start = MeterReading.objects.filter(meter=smart, timestamp__lte=start).order_by("-timestamp").first()
        at_end = MeterReading.objects.filter(meter=smart, timestamp__lte=end).order_by("-timestamp").first()
        assert Decimal(row[2]) == at_end.value - at_start.value

    # The water reading: lower than the last one is refused with the reason, then a valid one is kept.
    page.goto(f"{site_url}/en/account/utilities/readings/{customer_letter['water'].pk}/")
    page.locator("#id_value").fill("480")
    page.get_by_role("button", name="Save reading").click()
    expect(page.locator("main")).to_contain_text("lower than the last one")
    assert not MeterReading.objects.filter(meter=customer_letter["water"], value=Decimal("480")).exists()
    page.locator("#id_value").fill("640")
    page.get_by_role("button", name="Save reading").click()
    expect(page.locator("main table").first).to_contain_text("640")
    assert MeterReading.objects.get(meter=customer_letter["water"], value=Decimal("640")).source == (
        ReadingSource.SELF_REPORTED
    )

    # The invoice as PDF.
    page.goto(f"{site_url}/en/account/utilities/invoices/")
    expect(page.locator("main")).to_contain_text("R-2026-7001")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF of invoice R-2026-7001").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

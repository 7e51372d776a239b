"""The QR-bill invoice: a valid Swiss QR Code payload, a PDF with the payment part, clear errors."""

import re

import pytest
from stdnum import iban as iban_numbers
from stdnum.ch import esr
from stdnum.iso11649 import is_valid as is_valid_scor
from wagtail.models import Site

from home.models import PortalSettings
from services import invoices, payments
from services.demo_payments import DEMO_QR_IBAN, ensure_demo_payment_settings
from tests.integration_fixtures import submit_case


def parse_swiss_qr(payload):
    """Our own reading of the Swiss QR Code (Implementation Guidelines QR-bill 2.x): fields by line."""
    lines = payload.split("\n")
    lines = [line.rstrip("\r") for line in lines]
    assert lines[0] == "SPC" and lines[1] == "0200" and lines[2] == "1", lines[:3]
    data = {"iban": lines[3]}
    creditor = lines[4:11]
    assert creditor[0] in ("S", "K")
    data["creditor"] = {"type": creditor[0], "name": creditor[1], "street": creditor[2], "house": creditor[3]}
    data["creditor"].update({"postcode": creditor[4], "town": creditor[5], "country": creditor[6]})
    assert lines[11:18] == [""] * 7  # ultimate creditor: reserved, empty
    data["amount"], data["currency"] = lines[18], lines[19]
    debtor = lines[20:27]
    data["debtor"] = {"type": debtor[0], "name": debtor[1], "postcode": debtor[4], "town": debtor[5]}
    data["reference_type"], data["reference"] = lines[27], lines[28]
    data["message"] = lines[29]
    assert lines[30] == "EPD"
    data["billing"] = lines[31] if len(lines) > 31 else ""
    # The structure's own rules.
    assert iban_numbers.is_valid(data["iban"]) and data["iban"][:2] in ("CH", "LI")
    assert data["currency"] in ("CHF", "EUR")
    assert data["amount"] == "" or re.fullmatch(r"\d{1,9}\.\d{2}", data["amount"])
    if data["reference_type"] == "QRR":
        assert payments.is_qr_iban(data["iban"])
        assert len(data["reference"]) == 27 and esr.is_valid(data["reference"])
    elif data["reference_type"] == "SCOR":
        assert not payments.is_qr_iban(data["iban"]) and is_valid_scor(data["reference"])
    else:
        assert data["reference_type"] == "NON" and data["reference"] == ""
    return data


@pytest.fixture
def site(home_page):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def creditor(site):
    return ensure_demo_payment_settings(site)


@pytest.fixture
def payment(service_page, resident, creditor):
    return submit_case(service_page, resident).payments.get()


def test_the_qr_bill_payload_is_a_valid_swiss_qr_code_with_a_qr_reference(payment, resident):
    bill = invoices.build_bill(payment, language="de")
    data = parse_swiss_qr(bill.qr_data())

    assert data["iban"] == DEMO_QR_IBAN
    assert data["creditor"] == {
        "type": "S",
        "name": "Gemeinde Musterwil",
        "street": "Dorfstrasse",
        "house": "1",
        "postcode": "9999",
        "town": "Musterwil",
        "country": "CH",
    }
    assert data["amount"] == "25.00" and data["currency"] == "CHF"
    assert data["debtor"] == {"type": "S", "name": "Anna Muster", "postcode": "9999", "town": "Musterwil"}
    payment.refresh_from_db()
    assert data["reference_type"] == "QRR" and data["reference"] == payment.qr_reference
    assert payment.case.reference in data["message"]


def test_with_an_ordinary_iban_the_bill_carries_a_creditor_reference(payment, site, creditor):
    creditor.creditor_iban = "CH93 0076 2011 6238 5295 7"
    creditor.save()

    data = parse_swiss_qr(invoices.build_bill(payment).qr_data())

    assert data["reference_type"] == "SCOR" and data["reference"].startswith("RF")
    payment.refresh_from_db()
    assert payment.qr_reference == data["reference"]


def test_the_invoice_pdf_has_the_letter_and_the_payment_part(payment):
    pdf = invoices.render_invoice(payment, language="de", compress=False)

    assert pdf.startswith(b"%PDF")
    assert b"CHF 25.00" in pdf  # the letter's amount
    assert payment.case.reference.encode() in pdf
    # The payment part from the SVG: its headings and amount, and the QR code drawn as many small squares.
    assert b"Empfangsschein" in pdf and b"Zahlteil" in pdf
    assert b"25.00" in pdf
    assert pdf.count(b" m ") > 500  # the QR code: one path with hundreds of modules
    # One page: the payment part sits at the bottom of page one.
    assert len(re.findall(rb"/Type /Page(?!s)", pdf)) == 1


def test_the_owner_downloads_the_invoice_others_get_404(client, payment, resident):
    client.force_login(resident)
    response = client.get(f"/account/payments/{payment.case.reference}/invoice.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"

    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(f"/account/payments/{payment.case.reference}/invoice.pdf").status_code == 404
    client.logout()
    assert client.get(f"/account/payments/{payment.case.reference}/invoice.pdf").status_code == 302


def test_without_a_creditor_iban_the_resident_gets_a_message_not_an_error(client, service_page, resident, site, caplog):
    PortalSettings.for_site(site)  # created empty
    payment = submit_case(service_page, resident).payments.get()
    with pytest.raises(invoices.InvoiceError):
        invoices.render_invoice(payment)
    assert "not configured" in caplog.text

    client.force_login(resident)
    response = client.get(f"/account/payments/{payment.case.reference}/invoice.pdf", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/account/cases/{payment.case.reference}/"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_demo_payment_settings_are_idempotent(site):
    first = ensure_demo_payment_settings(site)
    first.creditor_name = "Einwohnergemeinde Musterwil"
    first.save()
    again = ensure_demo_payment_settings(site)
    assert again.creditor_name == "Einwohnergemeinde Musterwil"
    assert again.creditor_iban == DEMO_QR_IBAN

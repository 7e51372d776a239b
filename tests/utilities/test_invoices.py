"""Utility invoices in the account: the list with statuses and filters, the stored PDF, the generated PDF with the
QR-bill, contracts and their terms."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from home.models import PortalSettings
from utilities import invoice_pdf
from utilities.models import Invoice

from .conftest import MINIMAL_PDF, login

QR_IBAN = "CH4431999123000889012"  # SIX's example QR-IBAN, reserved for tests
ORDINARY_IBAN = "CH9300762011623852957"


@pytest.fixture
def creditor(db):
    site = Site.objects.get(is_default_site=True)
    portal = PortalSettings.for_site(site)
    portal.creditor_name = "Werke Musterwil"
    portal.creditor_street = "Werkstrasse"
    portal.creditor_house_number = "3"
    portal.creditor_postcode = "9999"
    portal.creditor_town = "Musterwil"
    portal.creditor_iban = QR_IBAN
    portal.save()
    return portal


def invoice(world, number, status, issued_on, due_on, amount=5000):
    return Invoice.objects.create(
        customer=world["customer_a"],
        contract=world["water_contract"],
        invoice_number=number,
        period_start=issued_on - datetime.timedelta(days=30),
        period_end=issued_on,
        issued_on=issued_on,
        amount_rappen=amount,
        due_on=due_on,
        status=status,
        qr_reference="210000000003139471430009017",
    )


def add_overdue(world):
    today = timezone.localdate()
    return invoice(
        world, "R-OVERDUE", Invoice.Status.OPEN, today - datetime.timedelta(days=40), today - datetime.timedelta(days=1)
    )


def invoices_page(client, query=""):
    return client.get(f"/en/account/utilities/invoices/{query}").content.decode()


def test_the_invoice_list_shows_each_status_as_the_customer_reads_it(client, utility_world):
    today = timezone.localdate()
    add_overdue(utility_world)
    invoice(utility_world, "R-CANCELLED", Invoice.Status.CANCELLED, today, today)
    login(client, utility_world, "holder")

    page = invoices_page(client)

    rows = {
        number: page[page.index(number) :][:1500]
        for number in ("R-2026-0001", "R-2026-0002", "R-OVERDUE", "R-CANCELLED")
    }
    assert "Paid" in rows["R-2026-0001"] and "CHF 245.50" in rows["R-2026-0001"]
    assert ">Open<" in rows["R-2026-0002"] and "CHF 312.85" in rows["R-2026-0002"]
    assert "Overdue" in rows["R-OVERDUE"] and "Cancelled" in rows["R-CANCELLED"]
    due = utility_world["open_invoice"].due_on.strftime("%d.%m.%Y")
    assert due in rows["R-2026-0002"]
    assert "R-2026-0100" not in page  # customer B's
    assert reverse("utilities:invoice_qr", args=[utility_world["open_invoice"].pk]) in page
    assert reverse("utilities:invoice_qr", args=[utility_world["paid_invoice"].pk]) not in page


def test_the_list_filters_by_status_and_year(client, utility_world):
    today = timezone.localdate()
    add_overdue(utility_world)
    invoice(
        utility_world,
        "R-OLD",
        Invoice.Status.PAID,
        today.replace(year=today.year - 3),
        today.replace(year=today.year - 3),
    )
    login(client, utility_world, "holder")

    overdue = invoices_page(client, "?status=overdue")
    assert "R-OVERDUE" in overdue and "R-2026-0002" not in overdue and "R-2026-0001" not in overdue
    still_to_pay = invoices_page(client, "?status=open")
    assert "R-OVERDUE" in still_to_pay and "R-2026-0002" in still_to_pay and "R-2026-0001" not in still_to_pay
    old = invoices_page(client, f"?year={today.year - 3}")
    assert "R-OLD" in old and "R-2026-0002" not in old
    assert "No invoice matches the filter." in invoices_page(client, "?status=cancelled")


def test_the_stored_pdf_is_downloaded_as_it_is(client, utility_world):
    login(client, utility_world, "holder")
    response = client.get(reverse("utilities:invoice_pdf", args=[utility_world["open_invoice"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment")
        and "R-2026-0002.pdf" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_without_a_stored_pdf_the_portal_makes_one_with_the_qr_bill(client, utility_world, creditor):
    today = timezone.localdate()
    unbilled = invoice(utility_world, "R-2026-0777", Invoice.Status.OPEN, today, today + datetime.timedelta(days=30))
    login(client, utility_world, "holder")

    response = client.get(reverse("utilities:invoice_pdf", args=[unbilled.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdf = invoice_pdf.render_invoice(unbilled, "en", compress=False)
    assert b"R-2026-0777" in pdf and b"CHF 50.00" in pdf
    assert b"Payment part" in pdf and b"Receipt" in pdf
    assert b"210000000003139471430009017" in pdf


def test_the_qr_bill_is_made_even_when_a_pdf_is_stored(client, utility_world, creditor):
    login(client, utility_world, "holder")
    response = client.get(reverse("utilities:invoice_qr", args=[utility_world["open_invoice"].pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.content != MINIMAL_PDF
    assert client.get(reverse("utilities:invoice_qr", args=[utility_world["paid_invoice"].pk])).status_code == 404


def test_a_reference_that_does_not_fit_the_account_is_left_out(utility_world, creditor):
    creditor.creditor_iban = ORDINARY_IBAN
    creditor.save()
    bill = invoice_pdf.build_bill(utility_world["open_invoice"], language="en")
    assert bill.reference_number is None and "R-2026-0002" in bill.additional_information
    pdf = invoice_pdf.render_invoice(utility_world["open_invoice"], "en", compress=False)
    assert b"Payment part" in pdf and b"210000000003139471430009017" not in pdf


def test_a_qr_iban_without_a_fitting_reference_gives_a_message_not_an_error(client, utility_world, creditor):
    Invoice.objects.filter(pk=utility_world["open_invoice"].pk).update(qr_reference="RF18539007547034")
    login(client, utility_world, "holder")
    response = client.get(reverse("utilities:invoice_qr", args=[utility_world["open_invoice"].pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("utilities:invoices")
    assert "The QR-bill of this invoice cannot be made." in response.content.decode()


def test_without_a_creditor_the_generated_pdf_has_no_bill_and_the_qr_page_explains(client, utility_world):
    today = timezone.localdate()
    unbilled = invoice(utility_world, "R-2026-0778", Invoice.Status.OPEN, today, today + datetime.timedelta(days=30))
    login(client, utility_world, "holder")
    response = client.get(reverse("utilities:invoice_pdf", args=[unbilled.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    page = client.get(reverse("utilities:invoice_qr", args=[unbilled.pk]), follow=True).content.decode()
    assert "The invoice cannot be issued at the moment." in page


def test_a_paid_invoice_without_pdf_is_made_without_a_bill(utility_world):
    paid = utility_world["paid_invoice"]
    paid.pdf = ""
    paid.save()
    pdf = invoice_pdf.render_invoice(paid, "en", compress=False)
    assert b"R-2026-0001" in pdf and b"Paid" in pdf and b"Payment part" not in pdf


def test_contracts_list_with_terms_and_the_terms_download(client, utility_world):
    login(client, utility_world, "holder")
    page = client.get("/en/account/utilities/contracts/").content.decode()
    assert "EL-100200-1" in page and "WA-100200-1" in page and "EL-100300-1" not in page
    assert "CHF 15.00" in page
    power, water = utility_world["power_contract"], utility_world["water_contract"]
    assert reverse("utilities:contract_terms", args=[power.pk]) in page

    response = client.get(reverse("utilities:contract_terms", args=[power.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert client.get(reverse("utilities:contract_terms", args=[water.pk])).status_code == 404


def test_a_stored_file_that_has_gone_is_replaced_by_a_generated_pdf(client, utility_world, creditor):
    open_invoice = utility_world["open_invoice"]
    open_invoice.pdf.storage.delete(open_invoice.pdf.name)
    login(client, utility_world, "holder")
    response = client.get(reverse("utilities:invoice_pdf", args=[open_invoice.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.content != MINIMAL_PDF

"""A utility invoice as PDF, made here when the billing application stored none: the letter and, while the invoice
is open, the QR-bill payment part (home.qr_bill), so a customer can always pay with their banking app."""

import logging

from django.utils import translation
from django.utils.translation import gettext as _
from qrbill import QRBill
from stdnum import iso11649
from stdnum.ch import esr

from home.pdf import chf, pdf_safe, swiss_date
from home.qr_bill import (
    InvoiceDocument,
    InvoiceError,
    PaymentPart,
    address_of,
    bill_drawing,
    bill_language,
    creditor_of,
    is_qr_iban,
)

from .models import Invoice

logger = logging.getLogger(__name__)

__all__ = ["InvoiceError", "build_bill", "reference_for", "render_invoice"]


def reference_for(invoice, account):
    """The invoice's reference if it fits the creditor account (QRR with a QR-IBAN, RF otherwise), else "".

    The billing application chose the reference for its own account; printing one the bank would reject is
    worse than a bill without it.
    """
    reference = "".join((invoice.qr_reference or "").split()).upper()
    if not reference:
        return ""
    if is_qr_iban(account):
        fits = reference.isdigit() and len(reference) == 27 and esr.is_valid(reference)
    else:
        fits = reference.startswith("RF") and iso11649.is_valid(reference)
    if not fits:
        logger.warning("utility invoice %s: reference does not fit the creditor account, left out", invoice.pk)
        return ""
    return reference


def build_bill(invoice, *, language="de", site=None):
    """The `QRBill` of an open invoice; InvoiceError if the creditor is missing or the bill cannot be valid."""
    account, creditor = creditor_of(site)
    try:
        return QRBill(
            account=account,
            creditor=creditor,
            debtor=address_of(invoice.customer),
            amount=f"{invoice.amount_rappen // 100}.{invoice.amount_rappen % 100:02d}",
            currency="CHF",
            reference_number=reference_for(invoice, account) or None,
            additional_information=pdf_safe(
                _("Invoice %(number)s, customer %(customer)s")
                % {"number": invoice.invoice_number, "customer": invoice.customer.customer_number}
            )[:140],
            language=bill_language(language),
        )
    except ValueError as error:
        # E.g. a QR-IBAN without a fitting QR reference: no valid bill can be made from this invoice.
        logger.error("utility invoice %s: no QR-bill possible: %s", invoice.pk, error)
        raise InvoiceError(_("The QR-bill of this invoice cannot be made. Please contact the utility.")) from error


def _rows(invoice, reference):
    contract = invoice.contract
    rows = [
        (_("Invoice number"), invoice.invoice_number),
        (_("Customer number"), invoice.customer.customer_number),
    ]
    if contract is not None:
        rows.append((_("Contract"), f"{contract.contract_number} {contract.get_medium_display()}"))
        rows.append((_("Tariff"), contract.tariff_name))
    rows += [
        (_("Period"), f"{swiss_date(invoice.period_start)} – {swiss_date(invoice.period_end)}"),
        (_("Issued on"), swiss_date(invoice.issued_on)),
        (_("Due on"), swiss_date(invoice.due_on)),
        (_("Amount"), chf(invoice.amount_rappen)),
        (_("Status"), str(invoice.display_status)),
    ]
    if invoice.paid_on:
        rows.append((_("Paid on"), swiss_date(invoice.paid_on)))
    if reference:
        rows.append((_("Payment reference"), reference))
    return rows


def render_invoice(invoice, language, *, with_bill=None, site=None, compress=True):
    """The invoice PDF (bytes). Open invoices carry the QR-bill unless `with_bill` is False.

    Raises InvoiceError when the bill is wanted but cannot be made (no creditor configured, invalid data).
    """
    with_bill = invoice.status == Invoice.Status.OPEN if with_bill is None else with_bill
    with translation.override(language):
        bill = build_bill(invoice, language=language, site=site) if with_bill else None
        document = InvoiceDocument(
            _("Invoice"), reference=invoice.invoice_number, subject=invoice.customer.name, language=language
        )
        document.compress = compress
        customer = invoice.customer
        story = [
            document.paragraph("\n".join([customer.name, *customer.address_lines])),
            document.spacer(6),
            document.heading(_("Invoice %(number)s") % {"number": invoice.invoice_number}, level=1),
            document.details(_rows(invoice, bill.reference_number if bill else "")),
            document.spacer(3),
        ]
        if bill is not None:
            story += [
                document.paragraph(_("Please pay the amount by the due date with the QR-bill below."), "note"),
                PaymentPart(bill_drawing(bill)),
            ]
        else:
            story.append(
                document.paragraph(_("This copy was made by the portal; the utility's invoice is binding."), "note")
            )
        return document.build(story)

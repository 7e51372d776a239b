"""The fee invoice as PDF: the letter with the municipality's letterhead and the QR-bill (home.qr_bill)."""

from django.utils import translation
from django.utils.translation import gettext as _
from qrbill import QRBill

from home.pdf import chf, pdf_safe
from home.qr_bill import (
    InvoiceDocument,
    InvoiceError,
    PaymentPart,
    address_of,
    bill_drawing,
    bill_language,
    creditor_of,
)

from .payments import qr_reference_for

__all__ = ["InvoiceError", "build_bill", "debtor_of", "render_invoice"]


def debtor_of(case):
    """The debtor address of the case's owner if it is complete enough for a QR-bill, else None."""
    return address_of(case.owner_organisation or case.owner_user)


def build_bill(payment, *, language="de", site=None):
    """The `QRBill` of a payment (stores its structured reference on first use)."""
    account, creditor = creditor_of(site)
    case = payment.case
    reference = qr_reference_for(payment, account)
    return QRBill(
        account=account,
        creditor=creditor,
        debtor=debtor_of(case),
        amount=f"{payment.amount_rappen // 100}.{payment.amount_rappen % 100:02d}",
        currency="CHF",
        reference_number=reference,
        additional_information=pdf_safe(f"{case.reference} {case.title}")[:140],
        language=bill_language(language),
    )


def render_invoice(payment, *, language=None, site=None, compress=True):
    """The invoice PDF (bytes) of an open payment; raises InvoiceError if no creditor is configured."""
    from .pdf import receipt_language

    case = payment.case
    language = language or receipt_language(case)
    with translation.override(language):
        bill = build_bill(payment, language=language, site=site)
        drawing = bill_drawing(bill)
        document = InvoiceDocument(_("Invoice"), reference=case.reference, subject=case.title, language=language)
        document.compress = compress
        service = case.service_page.title if case.service_page_id else case.title
        rows = [
            (_("Case"), case.reference),
            (_("Service"), service),
            (_("Amount"), chf(payment.amount_rappen)),
            (_("Payment reference"), payment.qr_reference),
        ]
        recipient = case.owner_organisation or case.owner_user
        address = []
        if recipient is not None:
            address = [getattr(recipient, "name", "") or recipient.get_full_name(), *recipient.address_lines]
        story = []
        if any(address):
            story += [document.paragraph("\n".join(line for line in address if line)), document.spacer(6)]
        story += [
            document.heading(_("Invoice for %(service)s") % {"service": service}, level=1),
            document.paragraph(
                _("For your case %(reference)s we charge the following fee. Please pay it with the QR-bill below.")
                % {"reference": case.reference}
            ),
            document.spacer(2),
            document.details(rows),
            document.spacer(3),
            document.paragraph(
                _("Please pay within 30 days. If you have already paid online, you can ignore this invoice."), "note"
            ),
            PaymentPart(drawing),
        ]
        return document.build(story)

"""The fee invoice as PDF: a letter with the municipality's letterhead and the Swiss QR-bill payment part.

The payment part (210 × 105 mm, Swiss Payment Standards) is drawn by `qrbill` as SVG, converted with svglib to
a reportlab drawing and placed at the very bottom of the page by `PaymentPart`; that page carries no footer,
so nothing is printed over the perforation area.
"""

import io
import logging

from django.utils import translation
from django.utils.translation import gettext as _
from qrbill import QRBill
from reportlab.graphics import renderPDF
from reportlab.lib.units import mm
from reportlab.platypus import Flowable
from stdnum import iban as iban_numbers
from svglib.svglib import svg2rlg

from home.pdf import MARGIN_BOTTOM, PortalDocument, chf, pdf_safe

from .payments import qr_reference_for

logger = logging.getLogger(__name__)

BILL_WIDTH = 210 * mm
BILL_HEIGHT = 105 * mm
BILL_LANGUAGES = {"de", "fr", "it", "en"}


class InvoiceError(Exception):
    """The invoice cannot be made (e.g. no creditor account configured); the message is for the resident."""


def creditor_of(site=None):
    """The creditor (dict for qrbill) and account from the site's portal settings, or InvoiceError."""
    from wagtail.models import Site

    from home.models import PortalSettings

    site = site or Site.objects.filter(is_default_site=True).first()
    portal = PortalSettings.for_site(site) if site else None
    account = iban_numbers.compact(getattr(portal, "creditor_iban", "") or "")
    if not portal or not account or not portal.creditor_name or not portal.creditor_town:
        logger.error("QR-bill requested but the creditor (IBAN, name, town) is not configured in portal settings")
        raise InvoiceError(_("The invoice cannot be issued at the moment. Please contact the administration."))
    if not iban_numbers.is_valid(account):
        logger.error("QR-bill requested but the configured creditor IBAN %r is invalid", account)
        raise InvoiceError(_("The invoice cannot be issued at the moment. Please contact the administration."))
    creditor = {
        "name": portal.creditor_name,
        "street": portal.creditor_street,
        "house_num": portal.creditor_house_number,
        "pcode": portal.creditor_postcode,
        "city": portal.creditor_town,
        "country": portal.creditor_country or "CH",
    }
    return account, {key: value for key, value in creditor.items() if value}


def debtor_of(case):
    """The debtor address of the case's owner if it is complete enough for a QR-bill, else None."""
    owner = case.owner_organisation or case.owner_user
    if owner is None:
        return None
    name = getattr(owner, "name", "") or (owner.get_full_name() if hasattr(owner, "get_full_name") else "")
    if not (name and getattr(owner, "postcode", "") and getattr(owner, "town", "")):
        return None
    debtor = {
        "name": name[:70],
        "street": (owner.street or "")[:70],
        "house_num": (owner.house_number or "")[:16],
        "pcode": owner.postcode[:16],
        "city": owner.town[:35],
        "country": owner.country or "CH",
    }
    return {key: value for key, value in debtor.items() if value}


def bill_language(language):
    code = (language or "de")[:2]
    return code if code in BILL_LANGUAGES else "de"


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


def bill_drawing(bill):
    """The payment part as a reportlab Drawing of exactly 210 × 105 mm."""
    svg = io.StringIO()
    bill.as_svg(svg)
    drawing = svg2rlg(io.BytesIO(svg.getvalue().encode("utf-8")))
    if drawing is None:
        raise InvoiceError(_("The invoice cannot be issued at the moment. Please contact the administration."))
    sx, sy = BILL_WIDTH / drawing.width, BILL_HEIGHT / drawing.height
    drawing.scale(sx, sy)
    drawing.width, drawing.height = BILL_WIDTH, BILL_HEIGHT
    return drawing


class PaymentPart(Flowable):
    """The QR-bill payment part, at the bottom edge of the page it lands on (moves to a new page if needed)."""

    def __init__(self, drawing):
        super().__init__()
        self.drawing = drawing

    def wrap(self, available_width, available_height):
        needed = BILL_HEIGHT - MARGIN_BOTTOM + 4 * mm
        # Take the rest of the page, so nothing follows it there; too little room → the next page.
        self.height = available_height if available_height >= needed else needed
        self.width = available_width
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        x, y = canvas.absolutePosition(0, 0)
        canvas.saveState()
        canvas.translate(-x, -y)
        renderPDF.draw(self.drawing, canvas, 0, 0)
        canvas.restoreState()
        canvas.payment_part_on_page = True


class InvoiceDocument(PortalDocument):
    """A portal document whose page with the payment part has no footer over the bill."""

    def _canvas_class(self):
        base = super()._canvas_class()

        def show_page(canvas):
            base.showPage(canvas)
            canvas.payment_part_on_page = False

        def draw_footer(canvas, total):
            if not canvas.__dict__.get("payment_part_on_page"):
                base._draw_footer(canvas, total)

        return type("InvoiceCanvas", (base,), {"showPage": show_page, "_draw_footer": draw_footer})


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

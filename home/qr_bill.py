"""The Swiss QR-bill payment part in the portal's PDFs: the creditor from the site settings, the drawing, its place.

The payment part (210 × 105 mm, Swiss Payment Standards) is drawn by `qrbill` as SVG, converted with svglib to
a reportlab drawing and placed at the very bottom of the page by `PaymentPart`; that page carries no footer
(`InvoiceDocument`), so nothing is printed over the perforation area. Fee invoices of cases
(services/invoices.py) and utility invoices (utilities/invoice_pdf.py) are built with it.
"""

import io
import logging

from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.lib.units import mm
from reportlab.platypus import Flowable
from stdnum import iban as iban_numbers
from svglib.svglib import svg2rlg

from .pdf import MARGIN_BOTTOM, PortalDocument

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


def is_qr_iban(account):
    """A QR-IBAN has an institution id (IID, digits 5–9) from 30000 to 31999."""
    number = iban_numbers.compact(account or "")
    return len(number) >= 9 and number[4:9].isdigit() and 30000 <= int(number[4:9]) <= 31999


def address_of(holder):
    """The QR-bill address (dict for qrbill) of a person or organisation with a complete enough address, or None."""
    if holder is None:
        return None
    name = getattr(holder, "name", "") or (holder.get_full_name() if hasattr(holder, "get_full_name") else "")
    if not (name and getattr(holder, "postcode", "") and getattr(holder, "town", "")):
        return None
    address = {
        "name": name[:70],
        "street": (holder.street or "")[:70],
        "house_num": (holder.house_number or "")[:16],
        "pcode": holder.postcode[:16],
        "city": holder.town[:35],
        "country": holder.country or "CH",
    }
    return {key: value for key, value in address.items() if value}


def bill_language(language):
    code = (language or "de")[:2]
    return code if code in BILL_LANGUAGES else "de"


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

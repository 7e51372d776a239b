"""PDF documents of the portal (reportlab): the municipality's letterhead, page numbers, Swiss dates.

`PortalDocument` / `render_pdf()` are the one way to make a PDF here; receipts, invoices, permits, letters and
the certificates of the eEinwohner services all build a story of flowables and hand it over. It lives in
`home` (the lowest layer) so every app may use it. Only the built-in
PDF fonts (Helvetica) are used, so nothing is downloaded and no font file has to ship with the portal.
"""

import logging
import unicodedata
from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

logger = logging.getLogger(__name__)

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b0b0b0")
SHADE = colors.HexColor("#f0f0f0")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = 22 * mm
MARGIN_RIGHT = 20 * mm
MARGIN_BOTTOM = 22 * mm
FIRST_PAGE_TOP = 52 * mm  # room for the full letterhead
LATER_PAGE_TOP = 24 * mm  # later pages carry only a one-line header
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT


# --- text helpers -----------------------------------------------------------------------------------


def pdf_safe(text):
    """`text` with every character the built-in fonts (WinAnsi) cannot draw replaced by its closest equivalent.

    Umlauts, accents, ’ – « » and € are part of WinAnsi and stay as they are; anything else (e.g. ≥, emoji,
    Cyrillic) would come out as a black box, so it is decomposed (ő → o) or replaced by "?".
    """
    text = str(text)
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            plain.encode("cp1252")
            out.append(plain or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def markup(text):
    """Plain text (user input) as Paragraph markup: escaped, with line breaks kept."""
    lines = pdf_safe(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(line) for line in lines)


def swiss_date(value):
    """27.11.2026 (dates and datetimes; datetimes in the portal's time zone, Europe/Zurich)."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d.%m.%Y")


def swiss_datetime(value):
    """27.11.2026, 14:05 in the portal's time zone (Europe/Zurich)."""
    if value is None:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%d.%m.%Y}, {value:%H:%M}"


def chf(rappen):
    """CHF 1’250.00 from integer rappen."""
    francs = (rappen or 0) / 100
    return "CHF " + f"{francs:,.2f}".replace(",", "\u2019")


# --- letterhead ---------------------------------------------------------------------------------------


@dataclass
class Letterhead:
    """Who issues the document: the municipality's name and contact, as set in the site's portal settings."""

    name: str
    address_lines: list = field(default_factory=list)
    phone: str = ""
    email: str = ""

    @classmethod
    def for_site(cls, site=None):
        """The letterhead of `site` (default: the default site); the site name setting if none is configured."""
        from wagtail.models import Site

        from home.models import PortalSettings

        site = site or Site.objects.filter(is_default_site=True).first()
        fallback = getattr(settings, "WAGTAIL_SITE_NAME", "") or "Gemeindeportal"
        if site is None:
            return cls(name=fallback)
        portal = PortalSettings.for_site(site)
        return cls(
            name=portal.municipality_name or site.site_name or fallback,
            address_lines=[line.strip() for line in (portal.contact_address or "").splitlines() if line.strip()],
            phone=portal.contact_phone,
            email=portal.contact_email,
        )


# --- the document -------------------------------------------------------------------------------------


def _styles():
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.5, textColor=INK, spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=8),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=5
        ),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=4),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD, fontSize=9, leading=12, spaceAfter=0),
        "value": ParagraphStyle("value", parent=base, fontSize=9.5, leading=12.5, spaceAfter=0),
        "note": ParagraphStyle("note", parent=base, fontName=FONT_ITALIC, fontSize=9, leading=12, textColor=MUTED),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


class _NumberedCanvas(pdfcanvas.Canvas):
    """Defers each page until the end so its footer can say "page 2 of 3"."""

    footer_left = ""
    page_label = "%(page)s / %(pages)s"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_page_states = []

    def showPage(self):  # noqa: N802 (reportlab's API)
        self._saved_page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_page_states)
        for state in self._saved_page_states:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total):
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN_LEFT, 15 * mm, PAGE_WIDTH - MARGIN_RIGHT, 15 * mm)
        self.setFont(FONT, 8)
        self.setFillColor(MUTED)
        self.drawString(MARGIN_LEFT, 10.5 * mm, self.footer_left)
        self.drawRightString(
            PAGE_WIDTH - MARGIN_RIGHT, 10.5 * mm, self.page_label % {"page": self._pageNumber, "pages": total}
        )
        self.restoreState()


class PortalDocument:
    """An A4 document of the municipality: letterhead on page one, a short header after, numbered footer.

    Build the content with the helpers (`paragraph`, `heading`, `details`, …) and call `build(story)`;
    a certificate or letter is then a few lines::

        document = PortalDocument(_("Residence certificate"), reference=code)
        pdf = document.build([document.heading(...), document.details([...])])
    """

    def __init__(self, title, *, reference="", letterhead=None, subject="", language=None, compress=True):
        self.title = str(title)
        self.reference = str(reference or "")
        self.letterhead = letterhead or Letterhead.for_site()
        self.subject = str(subject or title)
        self.language = language or translation.get_language() or settings.LANGUAGE_CODE
        self.compress = compress
        self.styles = _styles()
        self.issued_at = timezone.now()

    # Flowable helpers: all escape their text, so user input never breaks the markup.

    def paragraph(self, text, style="body"):
        return Paragraph(markup(text), self.styles[style])

    def rich(self, html, style="body"):
        """A paragraph of trusted reportlab markup (<b>, <i>, <br/>) the caller built and escaped itself."""
        return Paragraph(pdf_safe(html), self.styles[style])

    def heading(self, text, level=2):
        return Paragraph(markup(text), self.styles["title" if level == 1 else f"h{min(level, 3)}"])

    def spacer(self, height_mm=4):
        return Spacer(1, height_mm * mm)

    def details(self, rows, label_width=48 * mm):
        """A two-column table of (label, value) rows; a row with value None is a sub-heading across both."""
        data = []
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ]
        for index, (label, value) in enumerate(rows):
            if value is None:
                data.append([Paragraph(markup(label), self.styles["h3"]), ""])
                style += [("SPAN", (0, index), (1, index)), ("LINEBELOW", (0, index), (-1, index), 0.8, INK)]
                continue
            data.append(
                [Paragraph(markup(label), self.styles["label"]), Paragraph(markup(value), self.styles["value"])]
            )
        if not data:
            return Spacer(1, 0)
        # Long answers may be longer than a page: rows are allowed to split so the layout never fails.
        table = Table(data, colWidths=[label_width, CONTENT_WIDTH - label_width], splitInRow=1, hAlign="LEFT")
        table.setStyle(TableStyle(style))
        return table

    def bullet_list(self, items, empty_text=""):
        items = [item for item in items if item]
        if not items:
            return [self.paragraph(empty_text)] if empty_text else []
        return [Paragraph(markup(item), self.styles["body"], bulletText="\u2022") for item in items]

    # Page decoration.

    def _first_page(self, canvas, document):
        head = self.letterhead
        canvas.saveState()
        top = PAGE_HEIGHT - 18 * mm
        canvas.setFillColor(INK)
        canvas.setFont(FONT_BOLD, 15)
        canvas.drawString(MARGIN_LEFT, top, pdf_safe(head.name))
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(MUTED)
        y = top - 5.5 * mm
        for line in head.address_lines[:4]:
            canvas.drawString(MARGIN_LEFT, y, pdf_safe(line))
            y -= 3.8 * mm
        right = PAGE_WIDTH - MARGIN_RIGHT
        y = top - 5.5 * mm
        for line in (
            _("Phone %(phone)s") % {"phone": head.phone} if head.phone else "",
            head.email,
            _("Date: %(date)s") % {"date": swiss_date(self.issued_at)},
        ):
            if line:
                canvas.drawRightString(right, y, pdf_safe(line))
                y -= 3.8 * mm
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN_LEFT, PAGE_HEIGHT - 42 * mm, right, PAGE_HEIGHT - 42 * mm)
        canvas.restoreState()

    def _later_page(self, canvas, document):
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 9)
        canvas.setFillColor(INK)
        y = PAGE_HEIGHT - 14 * mm
        canvas.drawString(MARGIN_LEFT, y, pdf_safe(self.letterhead.name))
        canvas.setFont(FONT, 9)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, y, pdf_safe(self._running_title()))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_LEFT, y - 3 * mm, PAGE_WIDTH - MARGIN_RIGHT, y - 3 * mm)
        canvas.restoreState()

    def _running_title(self):
        return f"{self.title} · {self.reference}" if self.reference else self.title

    def _canvas_class(self):
        attributes = {
            "footer_left": pdf_safe(f"{self.letterhead.name} · {self._running_title()}"),
            "page_label": pdf_safe(_("Page %(page)s of %(pages)s")),
        }
        return type("PortalCanvas", (_NumberedCanvas,), attributes)

    def build(self, story):
        """Lay out `story` (a list of flowables) and return the PDF as bytes."""
        buffer = BytesIO()
        with translation.override(self.language):
            template = BaseDocTemplate(
                buffer,
                pagesize=A4,
                leftMargin=MARGIN_LEFT,
                rightMargin=MARGIN_RIGHT,
                topMargin=LATER_PAGE_TOP,
                bottomMargin=MARGIN_BOTTOM,
                title=pdf_safe(self._running_title()),
                author=pdf_safe(self.letterhead.name),
                subject=pdf_safe(self.subject),
                creator="Gemeindeportal",
                lang=self.language,
                pageCompression=1 if self.compress else 0,
            )
            frame_width = CONTENT_WIDTH
            first = Frame(
                MARGIN_LEFT,
                MARGIN_BOTTOM,
                frame_width,
                PAGE_HEIGHT - FIRST_PAGE_TOP - MARGIN_BOTTOM,
                id="first",
                leftPadding=0,
                rightPadding=0,
            )
            later = Frame(
                MARGIN_LEFT,
                MARGIN_BOTTOM,
                frame_width,
                PAGE_HEIGHT - LATER_PAGE_TOP - MARGIN_BOTTOM,
                id="later",
                leftPadding=0,
                rightPadding=0,
            )
            template.addPageTemplates(
                [
                    PageTemplate(id="first", frames=[first], onPage=self._first_page, autoNextPageTemplate="later"),
                    PageTemplate(id="later", frames=[later], onPage=self._later_page),
                ]
            )
            template.build(list(story), canvasmaker=self._canvas_class())
        return buffer.getvalue()


def render_pdf(title, story_builder, *, reference="", letterhead=None, subject="", language=None, compress=True):
    """Build a portal document: `story_builder(document)` returns the flowables; the PDF comes back as bytes."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        document = PortalDocument(
            title, reference=reference, letterhead=letterhead, subject=subject, language=language, compress=compress
        )
        return document.build(story_builder(document))

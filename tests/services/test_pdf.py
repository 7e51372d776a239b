"""The portal's PDF helper and the receipt: letterhead, page numbers, Swiss dates, every answer, the fee."""

import base64
import re
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Site

from account.models import Membership
from home.models import PortalSettings
from home.pdf import Letterhead, PortalDocument, chf, pdf_safe, render_pdf, swiss_datetime
from services.models import Case, CaseDocument, CaseStatus
from services.pdf import render_receipt
from tests.factories import MembershipFactory, UserFactory

SNAPSHOT = [
    {"name": "name", "label": "Name", "type": "text"},
    {"name": "anlass", "label": "Art des Anlasses", "type": "choice"},
    {"name": "besucher", "label": "Erwartete Besucherzahl", "type": "number"},
    {"name": "alkohol", "label": "Wird Alkohol ausgeschenkt?", "type": "yes_no"},
    {"name": "datum", "label": "Datum", "type": "date"},
    {"name": "bemerkungen", "label": "Bemerkungen", "type": "long_text"},
    {"name": "adresse", "label": "Adresse", "type": "address"},
]
DATA = {
    "name": "Rita Müller-Lüthi",
    "anlass": "Dorffest",
    "besucher": 320,
    "alkohol": "yes",
    "datum": "2026-12-24",
    "bemerkungen": "Bühne im Freien\nSchluss um 23.00 Uhr",
    "adresse": {"street": "Dorfstrasse", "house_number": "12", "postcode": "9999", "town": "Musterwil"},
}


def _decode_stream(header, raw):
    filters = re.findall(rb"/(ASCII85Decode|FlateDecode)", header)
    decoders = {
        b"ASCII85Decode": lambda data: base64.a85decode(data.strip().removesuffix(b"~>")),
        b"FlateDecode": zlib.decompress,
    }
    data = raw
    for name in filters:
        data = decoders[name](data)
    return data


def _unescape(string):
    def one(match):
        escaped = match.group(1)
        return bytes([int(escaped, 8)]) if escaped[:1].isdigit() else escaped

    return re.sub(rb"\\([0-7]{1,3}|.)", one, string, flags=re.S).decode("cp1252")


def pdf_text(pdf):
    """The text drawn in the PDF, one line per text line, without a PDF library (content streams decoded)."""
    lines = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)(?:\r?\n)?endstream", pdf, re.S):
        try:
            content = _decode_stream(match.group(1), match.group(2))
        except (ValueError, zlib.error):
            continue
        line = []
        for token in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj|T\*|ET", content, re.S):
            if token.group(1) is not None:
                line.append(_unescape(token.group(1)))
            elif line:
                lines.append("".join(line))
                line = []
    return "\n".join(lines)


@pytest.fixture
def municipality(db):
    from home.demo_content import ensure_demo_site

    ensure_demo_site()
    return Site.objects.get(is_default_site=True)


def make_case(owner=None, organisation=None, submitted_by=None, **fields):
    """A submitted case as the submit flow leaves it (built directly: this module tests rendering only)."""
    values = {
        "reference": "MW-2026-00042",
        "title": "Veranstaltung melden",
        "status": CaseStatus.SUBMITTED,
        "owner_user": None if organisation else owner,
        "owner_organisation": organisation,
        "submitted_by": submitted_by or owner,
        "fields_snapshot": SNAPSHOT,
        "data": DATA,
        "fee_rappen": 5000,
        "submitted_at": datetime(2026, 11, 27, 13, 5, tzinfo=ZoneInfo("UTC")),
    }
    values.update(fields)
    return Case.objects.create(**values)


@pytest.mark.django_db
def test_receipt_shows_letterhead_reference_answers_fee_and_swiss_date(municipality):
    resident = UserFactory(first_name="Rita", last_name="Muster", street="Dorfstrasse", house_number="12")
    case = make_case(resident)
    CaseDocument.objects.create(
        case=case, file="cases/x/plan.pdf", filename="Sicherheitskonzept.pdf", content_type="application/pdf",
        size=10, origin=CaseDocument.Origin.APPLICANT, field_name="konzept",
    )  # fmt: skip

    with translation.override("en"):
        pdf = render_receipt(case, language="en", compress=False)
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF")
    assert "Gemeinde Musterwil" in text  # letterhead from the portal settings
    assert "Dorfstrasse 1" in text and "gemeinde@musterwil.example" in text
    assert "Receipt" in text
    assert "MW-2026-00042" in text
    assert "Veranstaltung melden" in text
    assert "27.11.2026, 14:05" in text  # 13:05 UTC is 14:05 in Zurich
    assert "Rita Muster" in text and resident.email in text
    for answer in ("Rita Müller-Lüthi", "Dorffest", "320", "Yes", "Bühne im Freien", "Schluss um 23.00 Uhr"):
        assert answer in text, answer
    assert "9999 Musterwil" in text
    assert "Wird Alkohol ausgeschenkt?" in text
    assert "24.12.2026" in text
    assert "Sicherheitskonzept.pdf" in text
    assert "CHF 50.00" in text
    assert "/account/cases/" in text
    assert "Page 1 of 1" in text


@pytest.mark.django_db
def test_free_service_says_so_and_an_organisation_case_names_organisation_and_submitter(municipality):
    membership = MembershipFactory(role=Membership.Role.OWNER, organisation__name="Turnverein Musterwil")
    case = make_case(organisation=membership.organisation, submitted_by=membership.user, fee_rappen=0)

    with translation.override("en"):
        text = pdf_text(render_receipt(case, language="en", compress=False))

    assert "free of charge" in text
    assert "CHF" not in text
    assert "Turnverein Musterwil" in text
    assert membership.user.email in text
    assert "No documents attached." in text


@pytest.mark.django_db
def test_anonymous_receipt_names_the_contact_address_instead_of_the_account(municipality):
    case = make_case(None, submitted_by=None, contact_email="gast@example.org", fee_rappen=0)

    with translation.override("en"):
        text = pdf_text(render_receipt(case, language="en", compress=False))

    assert "gast@example.org" in text
    assert "/account/cases/" not in text
    assert "We will reply to the e-mail address you gave." in text


@pytest.mark.django_db
def test_receipt_speaks_the_language_of_the_submitter(municipality):
    german_pdf = render_receipt(make_case(UserFactory(language="de")), compress=False)
    english_pdf = render_receipt(make_case(UserFactory(language="en"), reference="MW-2026-00043"), compress=False)
    with translation.override("de"):
        german_title = gettext("Receipt")
        german_page = gettext("Page %(page)s of %(pages)s") % {"page": 1, "pages": 1}

    assert b"/Lang (de)" in german_pdf and b"/Lang (en)" in english_pdf
    assert german_title in pdf_text(german_pdf) and german_page in pdf_text(german_pdf)
    assert "Receipt" in pdf_text(english_pdf) and "Page 1 of 1" in pdf_text(english_pdf)


@pytest.mark.django_db
def test_long_answers_flow_over_several_pages_with_numbered_footers(municipality):
    long_text = "\n".join(f"Zeile {number}: Zügelwagen vor dem Gemeindehaus." for number in range(400))
    case = make_case(UserFactory(), data={**DATA, "bemerkungen": long_text})

    with translation.override("en"):
        text = pdf_text(render_receipt(case, language="en", compress=False))

    assert "Zeile 0:" in text and "Zeile 399:" in text
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    assert len(pages) >= 3
    assert {total for _, total in pages} == {str(len(pages))}


@pytest.mark.django_db
def test_compressed_output_is_decoded_the_same(municipality):
    case = make_case(UserFactory())
    assert "MW-2026-00042" in pdf_text(render_receipt(case, language="en"))


@pytest.mark.django_db
def test_letterhead_falls_back_to_the_site_name_setting(settings):
    settings.WAGTAIL_SITE_NAME = "Gemeinde Fallbach"
    Site.objects.all().delete()
    assert Letterhead.for_site().name == "Gemeinde Fallbach"


@pytest.mark.django_db
def test_letterhead_follows_the_portal_settings(municipality):
    portal = PortalSettings.for_site(municipality)
    portal.municipality_name = "Gemeinde Änderwil"
    portal.contact_phone = "+41 71 999 99 99"
    portal.save()

    pdf = render_pdf("Test", lambda document: [document.paragraph("Inhalt")], language="en", compress=False)
    text = pdf_text(pdf)

    assert "Gemeinde Änderwil" in text
    assert "+41 71 999 99 99" in text


def test_render_pdf_escapes_markup_and_draws_umlauts_and_unsupported_characters():
    letterhead = Letterhead(name="Gemeinde Musterwil", address_lines=["Dorfstrasse 1", "9999 Musterwil"])

    def story(document):
        return [
            document.heading("Bescheid über die Bewilligung"),
            document.paragraph("<b>nicht fett</b> & Grösse ≥ 5 – «Zürich» ő"),
            document.details([("Gebühr", chf(125000)), ("Abschnitt", None), ("Bemerkung", "")]),
        ]

    text = pdf_text(render_pdf("Bescheid", story, letterhead=letterhead, reference="MW-1", compress=False))

    assert "Bescheid über die Bewilligung" in text
    assert "<b>nicht fett</b> & Grösse ? 5 – «Zürich» o" in text
    assert "CHF 1\u2019250.00" in text
    assert "Bescheid · MW-1" in text  # footer names the document


def test_helpers_format_the_swiss_way():
    assert chf(0) == "CHF 0.00"
    assert chf(5000) == "CHF 50.00"
    assert swiss_datetime(datetime(2026, 6, 30, 22, 30, tzinfo=ZoneInfo("UTC"))) == "01.07.2026, 00:30"
    assert pdf_safe("Grüsse ✓") == "Grüsse ?"


def test_portal_document_is_reusable_for_other_documents():
    document = PortalDocument("Wohnsitzbescheinigung", reference="WB-7", letterhead=Letterhead(name="Musterwil"))
    pdf = document.build([document.paragraph("Frau Rita Muster wohnt in Musterwil.")])
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")

"""Certificates (Wohnsitzbescheinigung …): issue as PDF with a verification code, verify, revoke.

A certificate is issued on a case of a certificate service (ServicePage.service_kind == "certificate") by a
clerk in the back office or by the register application through the API. What it states is frozen into
`Certificate.data` when it is issued; the public check at /verify/ shows only the kind, the holder's name and
date of birth, the dates and the state — nothing else about the person.

Which certificate a case asks for: the answer of a form field named `certificate_kind` (or `zertifikat`,
`bescheinigung`, `certificate`) — its value may be a CertificateKind value ("residence") or a name such as
"Wohnsitzbescheinigung" — else a hint in the service page's slug (e.g. "wohnsitzbescheinigung-bestellen"),
else the clerk chooses.
"""

import datetime
import logging
import re
from dataclasses import dataclass

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

from home.pdf import Letterhead, render_pdf, swiss_date

from .cases import CaseError, add_document, add_milestone, allowed_transitions, change_status
from .models import Case, CaseDocument, CaseStatus
from .models.certificates import CODE_ALPHABET, Certificate, CertificateKind
from .payments import is_paid

logger = logging.getLogger(__name__)

K = CertificateKind
S = CaseStatus

# The document's title (the kind's label without the German name in brackets).
TITLES = {
    K.RESIDENCE: gettext_lazy("Certificate of residence"),
    K.HOMETOWN: gettext_lazy("Certificate of origin"),
    K.CAPACITY: gettext_lazy("Certificate of civil capacity"),
    K.CONDUCT: gettext_lazy("Certificate of good conduct"),
}
# What the register confirms, for the kinds that certify a fact rather than an address.
STATEMENTS = {
    K.RESIDENCE: gettext_lazy("The person named below is registered in the municipality with main residence."),
    K.HOMETOWN: gettext_lazy(
        "The person named below is registered in the municipality; the certificate of origin is deposited here."
    ),
    K.CAPACITY: gettext_lazy(
        "According to the population register, the person named below is of age and no measure of adult "
        "protection that restricts their capacity to act is recorded."
    ),
    K.CONDUCT: gettext_lazy(
        "According to the population register, nothing is recorded against the good conduct of the person named below."
    ),
}
# Names a form may use for the kind (lower case) besides the CertificateKind values.
KIND_NAMES = {
    K.RESIDENCE: ("wohnsitzbescheinigung", "wohnsitz", "residence"),
    K.HOMETOWN: ("heimatausweis", "heimat", "hometown", "origin"),
    K.CAPACITY: ("handlungsfähigkeitszeugnis", "handlungsfaehigkeitszeugnis", "handlungsfähigkeit", "capacity"),
    K.CONDUCT: ("leumundszeugnis", "leumund", "conduct"),
}
KIND_FIELDS = ("certificate_kind", "zertifikat", "bescheinigung", "certificate")
ORIGIN_FIELDS = ("heimatort", "place_of_origin")
PURPOSE_FIELDS = ("zweck", "verwendungszweck", "purpose")
NOT_STATED = "—"
DEFAULT_VALID_DAYS = 90
QR_QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


class CertificateError(CaseError):
    """A rule of certificates was broken; the message is shown to the person."""


class FeeUnpaid(CertificateError):
    """The case's fee is not paid yet, so no certificate may be issued."""


# --- which certificate, and what it states ---------------------------------------------------------------


def kind_from_text(text):
    """The CertificateKind a value or name stands for ("residence", "Wohnsitzbescheinigung" …), else None."""
    value = str(text or "").strip().lower()
    if not value:
        return None
    if value in K.values:
        return K(value)
    for kind, names in KIND_NAMES.items():
        if any(name in value for name in names):
            return kind
    return None


def kind_from_case(case):
    """The kind the case asks for: its form's answer, else its service page's slug, else None (clerk chooses)."""
    data = case.data or {}
    for name in KIND_FIELDS:
        kind = kind_from_text(data.get(name))
        if kind:
            return kind
    slug = getattr(case.service_page, "slug", "") if case.service_page_id else ""
    return kind_from_text(slug.replace("-", " "))


def _answer(case, names):
    data = case.data or {}
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def certified_data(kind, person, case, *, issued_on=None):
    """What the certificate states, as stored in Certificate.data (strings only, dates as ISO)."""
    kind = K(kind)
    issued_on = issued_on or timezone.localdate()
    data = {
        "kind": kind.value,
        "name": person.get_full_name() or person.email,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "place_of_origin": _answer(case, ORIGIN_FIELDS) or NOT_STATED,
        "issued_on": issued_on.isoformat(),
        "statement": str(STATEMENTS[kind]),
    }
    if kind == K.RESIDENCE:
        data["address"] = list(person.address_lines)
    purpose = _answer(case, PURPOSE_FIELDS)
    if purpose:
        data["purpose"] = purpose
    return data


# --- codes and where to check them ----------------------------------------------------------------------


def normalise_code(text):
    """'mwde mo23-4567 …' → 'MWDE-MO23-4567'; None if it cannot be a code (so no lookup is made)."""
    raw = re.sub(r"[\s\-_.]", "", str(text or "")).upper()
    if len(raw) != 12 or any(char not in CODE_ALPHABET for char in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def verification_url(code):
    """The public check of this code, as printed and encoded in the QR code (in the site's default language)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("verify:index")
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}?code={code}"


# --- the PDF -----------------------------------------------------------------------------------------------


def qr_matrix(payload):
    """The QR code of `payload` (error correction M) as rows of booleans, without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


class QrCode(Flowable):
    """A QR code of `payload` as a flowable, `size` square including the quiet zone.

    Drawn as one filled path of the dark runs of each row: a shape object per module would cost more than
    the rest of the certificate.
    """

    def __init__(self, payload, size):
        super().__init__()
        self.payload = payload
        self.size = size
        self.matrix = qr_matrix(payload)

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        modules = len(self.matrix) + 2 * QR_QUIET_ZONE
        unit = self.size / modules
        path = self.canv.beginPath()
        for row_index, row in enumerate(self.matrix):
            y = self.size - (row_index + QR_QUIET_ZONE + 1) * unit
            column = 0
            while column < len(row):
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect((start + QR_QUIET_ZONE) * unit, y, (column - start) * unit, unit)
        self.canv.saveState()
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, fill=1, stroke=0)
        self.canv.restoreState()


def qr_drawing(payload, size_mm=32):
    """The QR code flowable of `payload`, `size_mm` square."""
    return QrCode(payload, size_mm * mm)


def _rows(certificate):
    data = certificate.data or {}
    rows = [(_("Name"), data.get("name", "")), (_("Date of birth"), _date_text(data.get("date_of_birth")))]
    if certificate.kind == K.RESIDENCE:
        rows.append((_("Address"), "\n".join(data.get("address") or []) or NOT_STATED))
    rows.append((_("Place of origin"), data.get("place_of_origin") or NOT_STATED))
    if data.get("purpose"):
        rows.append((_("Purpose"), data["purpose"]))
    rows += [
        (_("Issued on"), _date_text(data.get("issued_on")) or swiss_date(certificate.issued_at)),
        (_("Valid until"), swiss_date(certificate.valid_until) if certificate.valid_until else _("unlimited")),
    ]
    return rows


def _date_text(iso):
    if not iso:
        return NOT_STATED
    try:
        return swiss_date(datetime.date.fromisoformat(iso))
    except ValueError:
        return str(iso)


def certificate_story(certificate, document):
    """The flowables of a certificate: title, statement, certified data, code and QR code."""
    data = certificate.data or {}
    url = verification_url(certificate.code)
    check = [
        document.heading(_("Check of authenticity"), level=3),
        document.rich(
            _("Verification code: %(code)s") % {"code": f"<b>{certificate.code}</b>"},
        ),
        document.paragraph(
            _("Anyone can check this certificate by scanning the QR code or entering the code at %(url)s.")
            % {"url": url.split("?", 1)[0]},
            "small",
        ),
    ]
    verification = Table([[qr_drawing(url), check]], colWidths=[38 * mm, None], hAlign="LEFT")
    verification.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    letterhead = document.letterhead
    return [
        document.heading(TITLES[K(certificate.kind)], level=1),
        document.paragraph(_("%(municipality)s certifies:") % {"municipality": letterhead.name}),
        document.paragraph(data.get("statement") or str(STATEMENTS[K(certificate.kind)])),
        document.spacer(2),
        document.details(_rows(certificate)),
        document.spacer(6),
        verification,
        document.spacer(4),
        document.paragraph(_("This certificate was issued electronically and is valid without a signature."), "note"),
    ]


def holder_language(certificate):
    holder = certificate.holder
    return getattr(holder, "language", "") or settings.LANGUAGE_CODE


def render_certificate(certificate, *, language=None, letterhead=None, compress=True):
    """The certificate as PDF bytes."""
    language = language or holder_language(certificate)
    with translation.override(language):
        title = str(TITLES[K(certificate.kind)])
    return render_pdf(
        title,
        lambda document: certificate_story(certificate, document),
        reference=certificate.code,
        letterhead=letterhead or Letterhead.for_site(),
        language=language,
        compress=compress,
    )


# --- issuing and revoking ---------------------------------------------------------------------------------


def fee_refusal(case):
    """The refusal while the case's fee is unpaid (a message for clerk and API), else None (nothing is owed)."""
    if is_paid(case):
        return None
    from .page_views import chf

    return _("The fee of %(amount)s for this case is not paid yet; the certificate can be issued once it is paid.") % {
        "amount": chf(case.fee_rappen)
    }


def _complete(case, *, actor, actor_label, text):
    """Take an open case to completed along the state machine (submitted → received → in progress → completed)."""
    steps = (S.COMPLETED, S.IN_PROGRESS, S.RECEIVED)
    for _attempt in range(4):
        case.refresh_from_db()
        if case.status == S.COMPLETED or not case.is_open:
            return case
        allowed = allowed_transitions(case, by="office")
        to = next(step for step in steps if step in allowed)
        change_status(
            case, to, actor=actor, actor_label=actor_label, by="office", text=text if to == S.COMPLETED else ""
        )
    return case


def issue(
    case,
    kind=None,
    *,
    actor=None,
    actor_label="",
    valid_days=DEFAULT_VALID_DAYS,
    valid_until=None,
    origin=None,
    code=None,
):
    """Issue the case's certificate as PDF, give it to the owner and complete the case.

    Once per case: a second call returns the certificate issued first, unless that one was revoked. Refused
    (`FeeUnpaid`) while the case's fee is not paid.
    `origin` of the PDF document: default administration with a clerk as `actor`, else the portal.
    `code` is for the demo only (a fixed code the README can quote).
    """
    if case.owner_organisation_id or not case.owner_user_id:
        raise CertificateError(
            _("Certificates are issued to persons only; an organisation cannot order a certificate.")
        )
    kind = kind or kind_from_case(case)
    if not kind or kind not in K.values:
        raise CertificateError(_("Choose which certificate to issue."))
    kind = K(kind)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("owner_user", "service_page").get(pk=case.pk)
        existing = Certificate.objects.filter(case=case, revoked_at__isnull=True).first()
        if existing is not None:
            return existing
        if not (case.is_open or case.status == S.COMPLETED):
            raise CertificateError(
                _("A case in status “%(status)s” gets no certificate.") % {"status": case.get_status_display()}
            )
        refusal = fee_refusal(case)
        if refusal:
            raise FeeUnpaid(refusal)
        holder = case.owner_user
        today = timezone.localdate()
        if valid_until is None and valid_days:
            valid_until = today + datetime.timedelta(days=valid_days)
        with translation.override(getattr(holder, "language", "") or settings.LANGUAGE_CODE):
            data = certified_data(kind, holder, case, issued_on=today)
            title = str(TITLES[kind])
        certificate = Certificate(kind=kind, case=case, holder=holder, data=data, valid_until=valid_until)
        if code:
            certificate.code = code
        certificate.save()
        pdf = render_certificate(certificate)
        if origin is None:
            authenticated = getattr(actor, "is_authenticated", False)
            origin = CaseDocument.Origin.ADMINISTRATION if authenticated else CaseDocument.Origin.SYSTEM
        filename = f"{slug_of(title)}-{certificate.code}.pdf"
        document = add_document(
            case,
            ContentFile(pdf, name=filename),
            origin=origin,
            uploaded_by=actor,
            title=title,
            actor_label=actor_label,
        )
        certificate.document = document
        certificate.save(update_fields=["document"])
        _complete(
            case,
            actor=actor,
            actor_label=actor_label,
            text=_("%(title)s issued (verification code %(code)s).") % {"title": title, "code": certificate.code},
        )
    logger.info("certificate %s (%s) issued on case %s", certificate.code, kind, case.reference)
    return certificate


def slug_of(text):
    plain = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return plain or "certificate"


def revoke(certificate, *, reason, actor=None, actor_label=""):
    """Revoke a certificate (once; a second call changes nothing); the owner is told in the case's timeline."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for the revocation."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update(of=("self",)).select_related("case").get(pk=certificate.pk)
        if certificate.is_revoked:
            return certificate
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason[:300]
        certificate.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
        if certificate.case_id:
            add_milestone(
                certificate.case,
                _("%(title)s %(code)s revoked: %(reason)s")
                % {"title": TITLES[K(certificate.kind)], "code": certificate.code, "reason": reason},
                actor=actor,
                actor_label=actor_label,
            )
    logger.info("certificate %s revoked", certificate.code)
    return certificate


# --- the public check ----------------------------------------------------------------------------------------


@dataclass
class Verification:
    """What /verify/ may show about a code: nothing but these fields."""

    code: str
    found: bool = False
    state: str = "not_found"  # valid | expired | revoked | not_found
    kind_label: str = ""
    holder_name: str = ""
    date_of_birth: datetime.date | None = None
    issued_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    revoked_on: datetime.date | None = None

    @property
    def is_valid(self):
        return self.state == "valid"


def _iso_date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def verify(code, *, today=None):
    """Check a code as typed: valid, expired, revoked (with the date) or not found."""
    normalised = normalise_code(code)
    if normalised is None:
        return Verification(code=str(code or "").strip()[:40])
    certificate = (
        Certificate.objects.filter(code=normalised)
        .only("kind", "code", "data", "issued_at", "valid_until", "revoked_at")
        .first()
    )
    if certificate is None:
        return Verification(code=normalised)
    today = today or timezone.localdate()
    data = certificate.data or {}
    if certificate.is_revoked:
        state = "revoked"
    elif certificate.valid_until is not None and certificate.valid_until < today:
        state = "expired"
    else:
        state = "valid"
    return Verification(
        code=normalised,
        found=True,
        state=state,
        kind_label=str(TITLES[K(certificate.kind)]),
        holder_name=data.get("name", ""),
        date_of_birth=_iso_date(data.get("date_of_birth")),
        issued_on=_iso_date(data.get("issued_on")) or timezone.localdate(certificate.issued_at),
        valid_until=certificate.valid_until,
        revoked_on=timezone.localdate(certificate.revoked_at) if certificate.revoked_at else None,
    )

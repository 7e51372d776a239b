"""Parking permits: issue and renew on payment, permit PDF, reminders before expiry, expiry marking.

The parking form (a ServicePage with service_kind "parking_permit") asks for these machine names:
`zone`, `kennzeichen` (one or more plates, comma or newline separated), `permit` (the number of the permit
being renewed, prefilled by the renew link, optional) and `dauer` ("12" or "6" months, default 12).
When the case's fee is confirmed paid, `issue_or_renew` runs inside the payment's transaction.
"""

import calendar
import datetime
import logging
import re
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from account import notifications
from account.dashboard import DashboardSection, register

from . import fulfilment
from .models import Case, CaseDocument, CaseStatus, ParkingPermit, ServiceKind, ServicePage

logger = logging.getLogger(__name__)

KIND = "parking"
ACTOR_LABEL = "Parkkarten"
PERMIT_FIELD = "_parking_permit"  # field_name marking the permit document a case issued (the case's record)
DURATIONS = (12, 6)
DEFAULT_MONTHS = 12
REMINDER_DAYS = (30, 7)

notifications.register_kind(KIND, gettext_lazy("Parking permits: reminders before expiry"))


# --- dates and answers ----------------------------------------------------------------------------------


def add_months(day, months):
    """The same day `months` later (the month's last day if it has fewer days, e.g. 31.01. → 28.02.)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_plates(value):
    """Number plates from an answer: a list, or text separated by commas, semicolons or new lines."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\n]+", str(value or ""))
    plates = []
    for item in items:
        plate = " ".join(str(item).split()).upper()
        if plate and plate not in plates:
            plates.append(plate)
    return plates


def duration_months(value):
    try:
        months = int(str(value or "").split()[0])
    except (ValueError, IndexError):
        return DEFAULT_MONTHS
    return months if months in DURATIONS else DEFAULT_MONTHS


def days_left(permit, today=None):
    return (permit.valid_until - (today or timezone.localdate())).days


def state(permit, today=None):
    """("valid" | "expiring" | "expired", days left) for the account pages."""
    left = days_left(permit, today)
    if left < 0:
        return "expired", left
    if left <= max(REMINDER_DAYS):
        return "expiring", left
    return "valid", left


def parking_page():
    """The live service page of parking permits (the one with the lowest id if there are several)."""
    return ServicePage.objects.live().filter(service_kind=ServiceKind.PARKING_PERMIT).order_by("pk").first()


# --- numbers ------------------------------------------------------------------------------------------------


def _next_number(year):
    prefix = f"PK-{year}-"
    last = (
        ParkingPermit.objects.filter(number__startswith=prefix)
        .annotate(length=Length("number"))
        .order_by("-length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    try:
        current = int(last.rsplit("-", 1)[1]) if last else 0
    except ValueError:
        current = 0
    return f"{prefix}{current + 1:04d}"


def create_permit(**fields):
    """A new permit with the next free number "PK-<year>-<nnnn>" (a concurrent number taken → the next one)."""
    year = timezone.localdate().year
    for _attempt in range(20):
        try:
            with transaction.atomic():
                return ParkingPermit.objects.create(number=_next_number(year), **fields)
        except IntegrityError:
            logger.info("parking permit number taken concurrently; trying the next one")
    raise RuntimeError("no free parking permit number")


# --- issue and renew ------------------------------------------------------------------------------------


def holder_of(case):
    return case.owner_user or case.submitted_by


def already_fulfilled(case):
    return (
        ParkingPermit.objects.filter(case=case).exists()
        or case.documents.filter(field_name=PERMIT_FIELD, origin=CaseDocument.Origin.SYSTEM).exists()
    )


@fulfilment.on_paid(ServiceKind.PARKING_PERMIT.value)
def issue_or_renew(case, today=None):
    """Issue a new permit or extend the one named in the answers; store its PDF on the case and complete it.

    Idempotent: a case that already issued or extended a permit (the permit points at it, or the case holds
    its permit document) changes nothing again.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if already_fulfilled(case):
            return ParkingPermit.objects.filter(case=case).first()
        holder = holder_of(case)
        if holder is None:
            logger.warning("parking case %s has no person to issue the permit to", case.reference)
            return None
        data = case.data or {}
        months = duration_months(data.get("dauer"))
        zone = str(data.get("zone") or "").strip()[:40]
        plates = parse_plates(data.get("kennzeichen"))
        number = str(data.get("permit") or "").strip().upper()
        permit = (
            ParkingPermit.objects.select_for_update().filter(number=number, holder=holder).first() if number else None
        )
        if number and permit is None:
            logger.warning("case %s renews unknown permit %r: issuing a new one", case.reference, number)
        if permit is not None:
            if permit.valid_until >= today:
                permit.valid_until = add_months(permit.valid_until, months)
            else:
                # Expired: the new period starts today.
                permit.valid_from = today
                permit.valid_until = add_months(today, months) - datetime.timedelta(days=1)
            permit.zone = zone or permit.zone
            permit.plates = plates or permit.plates
            permit.expired_marked_at = None
            permit.case = case
            permit.save()
            renewed = True
        else:
            permit = create_permit(
                holder=holder,
                zone=zone,
                plates=plates,
                valid_from=today,
                valid_until=add_months(today, months) - datetime.timedelta(days=1),
                case=case,
            )
            renewed = False
        document = _store_pdf(case, permit, holder)
        permit.document = document
        permit.save(update_fields=["document"])
        _complete(case, permit, renewed)
    logger.info("case %s: parking permit %s %s", case.reference, permit.number, "renewed" if renewed else "issued")
    return permit


def _store_pdf(case, permit, holder):
    from . import cases

    language = getattr(holder, "language", "") or settings.LANGUAGE_CODE
    content = ContentFile(render_permit_pdf(permit, language=language), name=f"Parkkarte-{permit.number}.pdf")
    content.content_type = "application/pdf"
    with translation.override(language):
        title = _("Parking permit %(number)s") % {"number": permit.number}
    return cases.add_document(
        case,
        content,
        origin=CaseDocument.Origin.SYSTEM,
        title=title,
        field_name=PERMIT_FIELD,
        # Quietly, like the receipt: the completion that follows tells the holder (one notice, not two).
        record_event=False,
    )


def _complete(case, permit, renewed):
    from . import cases

    path = [CaseStatus.SUBMITTED, CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.COMPLETED]
    case.refresh_from_db()
    if case.status == CaseStatus.AWAITING_APPLICANT:
        cases.change_status(case, CaseStatus.IN_PROGRESS, actor_label=ACTOR_LABEL)
        case.refresh_from_db()
    if case.status not in path[:-1]:
        return
    with translation.override(getattr(permit.holder, "language", "") or settings.LANGUAGE_CODE):
        text = (
            _("Your parking permit %(number)s has been renewed and is valid until %(date)s.")
            if renewed
            else _("Your parking permit %(number)s has been issued, valid until %(date)s.")
        ) % {"number": permit.number, "date": permit.valid_until.strftime("%d.%m.%Y")}
    for to in path[path.index(case.status) + 1 :]:
        cases.change_status(case, to, actor_label=ACTOR_LABEL, text=text if to == CaseStatus.COMPLETED else "")


# --- the PDF ------------------------------------------------------------------------------------------------


def _qr(text, size_mm=32):
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm

    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    size = size_mm * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    drawing.hAlign = "LEFT"
    return drawing


def render_permit_pdf(permit, *, language=None, letterhead=None, compress=True):
    """The parking permit ("Parkkarte") as PDF bytes: number, zone, plates, validity, holder and a QR code."""
    from home.pdf import render_pdf, swiss_date

    holder = permit.holder
    language = language or getattr(holder, "language", "") or settings.LANGUAGE_CODE

    def story(document):
        return [
            document.heading(_("Parking permit"), level=1),
            document.details(
                [
                    (_("Permit number"), permit.number),
                    (_("Zone"), permit.zone),
                    (_("Number plates"), "\n".join(permit.plates) or "–"),
                    (_("Valid"), f"{swiss_date(permit.valid_from)} – {swiss_date(permit.valid_until)}"),
                    (_("Holder"), "\n".join([holder.get_full_name() or holder.email, *holder.address_lines])),
                ]
            ),
            document.spacer(6),
            _qr(permit.number),
            document.spacer(4),
            document.paragraph(
                _(
                    "Place the permit visibly behind the windscreen. It is valid only in the zone named above and "
                    "for the number plates listed."
                ),
                "note",
            ),
        ]

    return render_pdf(
        _("Parking permit"),
        story,
        reference=permit.number,
        letterhead=letterhead,
        subject=permit.zone,
        language=language,
        compress=compress,
    )


# --- reminders and expiry (django-q2, daily) -------------------------------------------------------------


def renew_url(permit):
    return reverse("parking:renew", kwargs={"number": permit.number})


def _notify(permit, title, body):
    holder = permit.holder
    with translation.override(getattr(holder, "language", "") or settings.LANGUAGE_CODE):
        notifications.notify(holder, KIND, title(), body(), url=renew_url(permit))


def send_expiry_reminders(today=None):
    """Remind holders 30 and 7 days before expiry, once per expiry date; returns how many were sent."""
    from home.pdf import swiss_date

    today = today or timezone.localdate()
    sent = 0
    windows = [
        (today, today + datetime.timedelta(days=7), "reminded_7_for"),
        (today + datetime.timedelta(days=8), today + datetime.timedelta(days=30), "reminded_30_for"),
    ]
    for start, end, field in windows:
        due = ParkingPermit.objects.expiring_between(start, end).select_related("holder")
        for permit in due:
            if getattr(permit, field) == permit.valid_until:
                continue
            with transaction.atomic():
                # Claim the reminder first: a parallel run updates nothing and sends nothing.
                claimed = (
                    ParkingPermit.objects.filter(pk=permit.pk, valid_until=permit.valid_until)
                    .exclude(**{field: permit.valid_until})
                    .update(**{field: permit.valid_until})
                )
                if not claimed:
                    continue
                left = (permit.valid_until - today).days
                _notify(
                    permit,
                    lambda p=permit, n=left: (
                        ngettext(
                            "Your parking permit %(number)s expires in %(days)d day",
                            "Your parking permit %(number)s expires in %(days)d days",
                            n,
                        )
                        % {"number": p.number, "days": n}
                    ),
                    lambda p=permit: (
                        _("The permit for %(zone)s is valid until %(date)s. Renew it online in your account.")
                        % {"zone": p.zone, "date": swiss_date(p.valid_until)}
                    ),
                )
                sent += 1
    return sent


def mark_expired(today=None):
    """Mark permits past their validity as expired and tell their holders, once; returns how many."""
    from home.pdf import swiss_date

    today = today or timezone.localdate()
    marked = 0
    for permit in ParkingPermit.objects.filter(valid_until__lt=today, expired_marked_at__isnull=True).select_related(
        "holder"
    ):
        with transaction.atomic():
            claimed = ParkingPermit.objects.filter(pk=permit.pk, expired_marked_at__isnull=True).update(
                expired_marked_at=timezone.now()
            )
            if not claimed:
                continue
            _notify(
                permit,
                lambda p=permit: _("Your parking permit %(number)s has expired") % {"number": p.number},
                lambda p=permit: (
                    _("The permit for %(zone)s was valid until %(date)s. You can renew it online in your account.")
                    % {"zone": p.zone, "date": swiss_date(p.valid_until)}
                ),
            )
            marked += 1
    return marked


def daily_job(today=None):
    """The daily schedule: reminders first, then expiry marking."""
    return {"reminders": send_expiry_reminders(today), "expired": mark_expired(today)}


def schedules():
    return [("services: parking permit reminders", "services.parking.daily_job", "D", {})]


# --- renewal from the account ------------------------------------------------------------------------------


class RenewalUnavailable(Exception):
    """There is no parking service page with a form to renew through."""


def renewal_data(permit):
    return {
        "zone": permit.zone,
        "kennzeichen": ", ".join(permit.plates),
        "permit": permit.number,
        "dauer": str(DEFAULT_MONTHS),
    }


def start_renewal(permit, acting_context):
    """A draft of the parking form prefilled from `permit` (an open one for it is reused); returns the draft."""
    from . import cases, submission

    page = parking_page()
    blocks = page.form_blocks() if page else []
    block_id, value = next(((bid, v) for bid, v in blocks if v.get("form") is not None), (None, None))
    if page is None or block_id is None:
        raise RenewalUnavailable(_("Parking permits cannot be renewed online at the moment."))
    user = acting_context.user
    existing = (
        Case.objects.filter(
            status=CaseStatus.DRAFT,
            submitted_by=user,
            owner_user=user,
            service_page=page,
            form_block_id=block_id,
            data__permit=permit.number,
        )
        .order_by("-updated_at")
        .first()
    )
    if existing is not None:
        return existing
    return cases.save_draft(
        acting_context=acting_context,
        service_page=page,
        form=value["form"],
        block_id=block_id,
        data={**renewal_data(permit), submission.UPLOADS_KEY: []},
        step=0,
        submission_token=uuid.uuid4(),
        title=page.title,
    )


# --- the dashboard section -------------------------------------------------------------------------------


def annotate(permits, today=None):
    today = today or timezone.localdate()
    for permit in permits:
        permit.state, permit.days_left = state(permit, today)
        permit.days_expired = -permit.days_left
    return permits


def dashboard_context(request):
    """The person's permits (two queries however many); hidden in an organisation's context and without permits."""
    if not request.user.is_authenticated:
        return None
    acting = getattr(request, "acting_context", None)
    if acting is not None and not acting.is_personal:
        return None
    permits = annotate(list(ParkingPermit.objects.visible_to(request.user).select_related("document__case")))
    if not permits:
        return None
    return {"permits": permits, "can_renew": parking_page() is not None}


register(
    DashboardSection(
        key="parking",
        title=gettext_lazy("Parking permits"),
        template="services/parking/dashboard_section.html",
        order=20,
        get_context=dashboard_context,
    )
)

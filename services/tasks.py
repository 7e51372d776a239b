"""Background jobs of services (django-q2). Idempotent: running one twice for the same case changes nothing more."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from . import cases
from .models import Case, CaseDocument, CaseStatus
from .pdf import RECEIPT_FIELD, receipt_language, render_receipt

logger = logging.getLogger(__name__)


def receipt_of(case):
    return case.documents.filter(field_name=RECEIPT_FIELD).first()


def create_receipt(case_id):
    """Render the receipt PDF of a submitted case and attach it, unless the case already has one.

    Returns the receipt document (new or existing), or None for a case that is gone or still a draft.
    Failures are logged with the case and re-raised so django-q2 retries the task.
    """
    case = Case.objects.select_related("owner_user", "owner_organisation", "submitted_by").filter(pk=case_id).first()
    if case is None or case.status == CaseStatus.DRAFT:
        logger.warning("receipt for case %s skipped: no submitted case with this id", case_id)
        return None
    existing = receipt_of(case)
    if existing is not None:
        return existing
    try:
        # Rendered outside the lock: it is the slow part, and rendering twice in a race is harmless.
        pdf = render_receipt(case)
        with transaction.atomic():
            # The row lock makes a concurrent second run wait here and then find the first one's document.
            case = Case.objects.select_for_update().get(pk=case.pk)
            existing = receipt_of(case)
            if existing is not None:
                return existing
            with translation.override(receipt_language(case)):
                title = _("Receipt %(reference)s") % {"reference": case.reference}
            document = cases.add_document(
                case,
                ContentFile(pdf, name=f"Eingangsbestaetigung-{case.reference}.pdf"),
                origin=CaseDocument.Origin.SYSTEM,
                title=title,
                field_name=RECEIPT_FIELD,
                record_event=False,
            )
    except Exception:
        logger.exception("receipt for case %s (%s) failed", case_id, case.reference)
        raise
    logger.info("receipt for case %s stored as document %s", case.reference, document.pk)
    return document


def cleanup_pending_uploads():
    """Daily: remove uploads of forms that were abandoned (never submitted, no draft)."""
    from .submission import cleanup_expired

    deleted = cleanup_expired()
    logger.info("removed %s abandoned upload(s)", deleted)
    return deleted

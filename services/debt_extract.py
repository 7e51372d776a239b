"""Betreibungsregisterauszug (debt enforcement register extract): what the portal does when the fee is paid.

The order form (a ServicePage with service_kind "debt_extract", destination "betreibungsamt", required level
"postal address verified") asks for the person's name, date of birth, address and `zustellung`: "Als PDF im
Benutzerkonto" or "Per Post an die Wohnadresse". The Betreibungsamt issues the extract only once the fee is
paid, so payment is what forwards the order: the case moves on to "in progress" through the case state
machine, which tells the office's application (events `case.status_changed`) and the resident. The
application reads the answers (delivery included) and `fee.paid` through the API, and uploads the extract as a
case document; the resident finds it on the case page and in My documents.
"""

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from . import fulfilment
from .cases import allowed_transitions, change_status
from .models import Case, CaseStatus, ServiceKind
from .pdf import receipt_language

logger = logging.getLogger(__name__)

S = CaseStatus
DELIVERY_FIELD = "zustellung"
PDF = "pdf"
POST = "post"


def delivery_of(case):
    """PDF, POST or "" (not answered): what the resident chose, from the answer's wording."""
    answer = str((case.data or {}).get(DELIVERY_FIELD) or "").lower()
    if "pdf" in answer:
        return PDF
    if "post" in answer:
        return POST
    return ""


def forwarding_text(case):
    """The timeline note of the forwarded order: what happens next, for the chosen delivery."""
    delivery = delivery_of(case)
    if delivery == PDF:
        return _(
            "Fee paid: your order has been forwarded to the debt enforcement office. As soon as the extract is "
            "issued, you will find it as a PDF on this page and under My documents."
        )
    if delivery == POST:
        return _(
            "Fee paid: your order has been forwarded to the debt enforcement office, which sends the extract by "
            "post to your address."
        )
    return _("Fee paid: your order has been forwarded to the debt enforcement office.")


@fulfilment.on_paid(ServiceKind.DEBT_EXTRACT.value)
def forward_to_office(case):
    """Move the paid order on to "in progress" (submitted → received → in progress), with the forwarding note.

    Runs inside the payment's transaction. Idempotent: a case the office already works on, or that is closed,
    is left as it is (a second confirmation or a clerk's repair changes nothing).
    """
    case = Case.objects.get(pk=case.pk)
    with translation.override(receipt_language(case)):
        text = forwarding_text(case)
        actor_label = _("Portal")
    for step in (S.RECEIVED, S.IN_PROGRESS):
        if step in allowed_transitions(case, by="office"):
            note = text if step == S.IN_PROGRESS else ""
            case = change_status(case, step, actor_label=actor_label, by="office", text=note)
    logger.info("debt extract %s paid: status %s, delivery %r", case.reference, case.status, delivery_of(case))
    return case

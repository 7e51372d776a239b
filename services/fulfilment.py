"""What happens when a case of a special kind is submitted or paid: a permit extended, a certificate issued …

Each kind's module registers its handlers here (`@on_submitted("certificate")`, `@on_paid("parking_permit")`).

- `services.cases.submit` calls `submitted(case)` at the end of the submitting transaction. The submission is
  the resident's record and must never be lost to a follow-up: the handler runs in a savepoint, and if it fails
  the error is logged and the case simply waits for the office. Heavy work (PDFs) belongs in
  `transaction.on_commit` inside the handler.
- `services.cases.mark_paid` calls `paid(case)` inside the transaction that records the payment, so the permit
  and the payment are written together or not at all. Handlers must be idempotent: a payment is confirmed once,
  but a handler may be re-run by a clerk's repair.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

_SUBMITTED_HANDLERS = {}
_PAID_HANDLERS = {}


def on_submitted(kind):
    def register(handler):
        _SUBMITTED_HANDLERS[kind] = handler
        return handler

    return register


def on_paid(kind):
    def register(handler):
        _PAID_HANDLERS[kind] = handler
        return handler

    return register


def _kind(case):
    return getattr(case.service_page, "service_kind", "") if case.service_page_id else ""


def submitted(case):
    """Run the submission handler of the case's service kind, if it has one; return what it returns (or None)."""
    kind = _kind(case)
    handler = _SUBMITTED_HANDLERS.get(kind)
    if handler is None:
        return None
    try:
        with transaction.atomic():
            return handler(case)
    except Exception:
        logger.exception(
            "case %s submitted: the %s handler failed; the case waits for the office", case.reference, kind
        )
        return None


def paid(case):
    """Run the handler of the case's service kind, if it has one; return what it returns."""
    kind = _kind(case)
    handler = _PAID_HANDLERS.get(kind)
    if handler is None:
        return None
    logger.info("case %s paid: running the %s handler", case.reference, kind)
    return handler(case)

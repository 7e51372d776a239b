"""What happens when a case of a special kind is paid: a parking permit is extended, a certificate issued …

Each kind's module registers its handler here (`@on_paid("parking_permit")`); `services.cases.mark_paid`
calls `paid(case)` inside the transaction that records the payment, so the permit and the payment are
written together or not at all. Handlers must be idempotent: a payment is confirmed once, but a handler
may be re-run by a clerk's repair.
"""

import logging

logger = logging.getLogger(__name__)

_PAID_HANDLERS = {}


def on_paid(kind):
    def register(handler):
        _PAID_HANDLERS[kind] = handler
        return handler

    return register


def paid(case):
    """Run the handler of the case's service kind, if it has one; return what it returns."""
    kind = getattr(case.service_page, "service_kind", "") if case.service_page_id else ""
    handler = _PAID_HANDLERS.get(kind)
    if handler is None:
        return None
    logger.info("case %s paid: running the %s handler", case.reference, kind)
    return handler(case)

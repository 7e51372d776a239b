"""Bank notifications (ISO 20022 camt.054, versions .04 and .08): credits matched to open fees.

Each credit entry's transaction details carry the amount and the structured reference of the QR-bill
(QRR or SCOR). A payment is marked paid when reference AND amount match; everything else is listed as not
matched with the reason. Importing the same file again marks nothing twice (a paid payment stays paid once).
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from .models import Payment, PaymentImport
from .payments import record_paid

logger = logging.getLogger(__name__)

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.054."
MAX_FILE_SIZE = 20 * 1024 * 1024


class CamtError(Exception):
    """The file is not a readable camt.054 notification; the message is for the clerk."""


@dataclass
class Entry:
    amount_rappen: int
    currency: str
    reference: str
    booking_date: datetime.date | None
    credit: bool

    def as_dict(self, reason=""):
        return {
            "reference": self.reference,
            "amountRappen": self.amount_rappen,
            "currency": self.currency,
            "bookingDate": self.booking_date.isoformat() if self.booking_date else "",
            "reason": reason,
        }


def _local(element):
    return etree.QName(element).localname


def _children(element, name):
    return [child for child in element if isinstance(child.tag, str) and _local(child) == name]


def _child(element, *path):
    """The first element along the local names in `path`, or None."""
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element, *path):
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _rappen(element):
    if element is None:
        return None, ""
    try:
        value = Decimal((element.text or "").strip())
    except InvalidOperation:
        return None, ""
    return int((value * 100).to_integral_value()), element.get("Ccy", "")


def _date(text):
    try:
        return datetime.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def normalise_reference(text):
    return "".join((text or "").split()).upper()


def parse_camt054(content):
    """The entries (one per transaction detail) of a camt.054 document, credits and debits."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as error:
        raise CamtError(_("The file is not valid XML.")) from error
    namespace = etree.QName(root).namespace or ""
    if not namespace.startswith(NAMESPACE_PREFIX) or _child(root, "BkToCstmrDbtCdtNtfctn") is None:
        raise CamtError(_("The file is not a camt.054 bank notification."))
    entries = []
    for notification in _children(_child(root, "BkToCstmrDbtCdtNtfctn"), "Ntfctn"):
        for entry in _children(notification, "Ntry"):
            booking = _date(_text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"))
            entry_credit = _text(entry, "CdtDbtInd") != "DBIT"
            details = [tx for block in _children(entry, "NtryDtls") for tx in _children(block, "TxDtls")]
            for tx in details:
                amount_element = _child(tx, "Amt")
                if amount_element is None:
                    amount_element = _child(tx, "AmtDtls", "TxAmt", "Amt")
                if amount_element is None and len(details) == 1:
                    amount_element = _child(entry, "Amt")
                amount, currency = _rappen(amount_element)
                indicator = _text(tx, "CdtDbtInd")
                credit = (indicator != "DBIT") if indicator else entry_credit
                reference = normalise_reference(_text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref"))
                entries.append(Entry(amount or 0, currency, reference, booking, credit))
    return entries


def import_camt054(content, filename, *, user=None, cases=None):
    """Import one file; mark matching open payments paid. Returns the stored PaymentImport.

    `cases` limits the payments that may be marked (a clerk's scope); default: all.
    """
    if len(content) > MAX_FILE_SIZE:
        raise CamtError(_("The file is too large."))
    entries = [entry for entry in parse_camt054(content) if entry.credit]
    payments = Payment.objects.select_related("case")
    if cases is not None:
        payments = payments.filter(case__in=cases)
    references = {entry.reference for entry in entries if entry.reference}
    by_reference = {}
    for payment in payments.filter(qr_reference__in=references).exclude(status=Payment.Status.CANCELLED):
        by_reference.setdefault(payment.qr_reference, []).append(payment)
    matched, unmatched = 0, []
    confirmed_by = f"Bank file {filename}"[:200]
    with transaction.atomic():
        for entry in entries:
            if entry.currency != "CHF":
                unmatched.append(entry.as_dict("currency is not CHF"))
                continue
            candidates = by_reference.get(entry.reference, [])
            if not candidates:
                unmatched.append(entry.as_dict("unknown reference" if entry.reference else "no reference"))
                continue
            same_amount = [p for p in candidates if p.amount_rappen == entry.amount_rappen]
            if not same_amount:
                unmatched.append(entry.as_dict("amount differs"))
                continue
            payment = same_amount[0]
            payment.refresh_from_db(fields=["status"])
            if payment.status != Payment.Status.OPEN:
                unmatched.append(entry.as_dict("already paid"))
                continue
            record_paid(payment, method=Payment.Method.QR_BILL, confirmed_by=confirmed_by)
            matched += 1
        record = PaymentImport.objects.create(
            filename=filename[:255],
            imported_by=user if getattr(user, "is_authenticated", False) else None,
            entries=len(entries),
            matched=matched,
            unmatched=unmatched,
        )
    logger.info("camt.054 %s: %s entries, %s matched", filename, len(entries), matched)
    return record

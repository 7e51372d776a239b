"""Fees and how they are paid: QR-bill references, the online provider interface, confirmations, receipts.

Amounts are integer rappen everywhere. A case with a fee has one `Payment` (created at submission); every
confirmation — online provider, bank file (camt.054), specialist application, clerk — ends in
`services.cases.mark_paid`, which records the payment once however often it is confirmed.

Online payments run through a `PaymentProvider` chosen by the setting `PORTAL_PAYMENT_PROVIDER` (default
"test"). The test provider serves its own checkout page in the portal (pay / fail / abandon) and delivers the
outcome as a signed server-to-server notification, exactly as a real provider's webhook would.
"""

import hmac
import json
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.ch import esr
from stdnum.iso7064 import mod_97_10

from home.qr_bill import is_qr_iban

from .models import Case, CaseDocument, Payment, PaymentTransaction

logger = logging.getLogger(__name__)

OPEN = Payment.Status.OPEN
PAID = Payment.Status.PAID
TX = PaymentTransaction.Status
PAYMENT_RECEIPT_FIELD = "_payment_receipt"  # field_name prefix of a payment's receipt document


class PaymentError(Exception):
    """A payment cannot be made or confirmed; the message is shown to the person."""


class UnknownTransaction(PaymentError):
    pass


# --- what is owed -------------------------------------------------------------------------------------


def payment_for(case):
    """The payment that counts for the case: the paid one if there is one, else the open one, else None."""
    payments = [p for p in case.payments.all() if p.status in (OPEN, PAID)]
    paid = [p for p in payments if p.status == PAID]
    if paid:
        return paid[0]
    return payments[0] if payments else None


def is_paid(case):
    """True when nothing is owed: no fee, or the fee is paid. A case with an open fee is never "paid"."""
    if not case.fee_rappen:
        return True
    return any(p.status == PAID for p in case.payments.all())


def open_payment(case):
    payment = payment_for(case)
    return payment if payment is not None and payment.status == OPEN else None


def can_pay_online(case, payment=None):
    """The resident may start (again) an online payment: an open fee on a case that is not withdrawn/rejected."""
    from .models import CaseStatus

    payment = payment if payment is not None else open_payment(case)
    return (
        payment is not None
        and payment.status == OPEN
        and case.status not in (CaseStatus.WITHDRAWN, CaseStatus.REJECTED, CaseStatus.DRAFT)
    )


# --- QR-bill references ---------------------------------------------------------------------------------


def qrr_reference(case_id, payment_id):
    """A 27-digit QR reference: 26 digits built from the ids, then the modulo-10 recursive check digit."""
    base = f"{case_id:013d}{payment_id:013d}"
    if len(base) != 26:
        raise ValueError("ids too large for a QR reference")
    return base + esr.calc_check_digit(base)


def scor_reference(case_id, payment_id):
    """An ISO 11649 creditor reference: RF, two check digits (ISO 7064 mod 97-10), then the ids."""
    base = f"{case_id:08d}{payment_id:08d}"
    return "RF" + mod_97_10.calc_check_digits(base + "RF") + base


def reference_fits(reference, account):
    """Does a stored reference match the account kind (QRR with a QR-IBAN, RF otherwise)?"""
    if not reference:
        return False
    if is_qr_iban(account):
        return reference.isdigit() and len(reference) == 27 and esr.is_valid(reference)
    return reference.startswith("RF")


def qr_reference_for(payment, iban):
    """The structured reference of the payment's QR-bill, stored on the payment the first time.

    With a QR-IBAN it is a QR reference (QRR), with an ordinary IBAN a creditor reference (SCOR, RF…).
    A stored reference is kept as long as it fits the account, so the bank file can match it later.
    """
    if reference_fits(payment.qr_reference, iban):
        return payment.qr_reference
    make = qrr_reference if is_qr_iban(iban) else scor_reference
    reference = make(payment.case_id, payment.pk)
    Payment.objects.filter(pk=payment.pk).update(qr_reference=reference)
    payment.qr_reference = reference
    return reference


# --- providers --------------------------------------------------------------------------------------------


class PaymentProvider:
    """An online payment provider: `start` opens a checkout and says where to send the resident.

    The provider later confirms the outcome server-to-server; its notification ends in `confirm_transaction`.
    """

    name = ""
    label = ""

    def start(self, payment, return_url):
        """Return (PaymentTransaction, redirect_url)."""
        raise NotImplementedError


class TestProvider(PaymentProvider):
    """For development, demos and tests: a checkout page served by the portal itself; no money moves."""

    name = "test"
    label = gettext_lazy("test provider")

    def start(self, payment, return_url):
        transaction_ = PaymentTransaction.objects.create(
            payment=payment,
            provider=self.name,
            provider_reference=uuid.uuid4().hex,
            amount_rappen=payment.amount_rappen,
        )
        url = reverse("payment:test_checkout", kwargs={"provider_reference": transaction_.provider_reference})
        return transaction_, url


PROVIDERS = {TestProvider.name: TestProvider}


def register_provider(provider_class):
    PROVIDERS[provider_class.name] = provider_class
    return provider_class


def provider_name():
    return getattr(settings, "PORTAL_PAYMENT_PROVIDER", "test") or ""


def get_provider(name=None):
    """The configured provider (setting PORTAL_PAYMENT_PROVIDER, default "test"), or None if unknown/off."""
    provider_class = PROVIDERS.get(name or provider_name())
    return provider_class() if provider_class else None


def start_online_payment(case, return_url=""):
    """Open a checkout for the case's open fee; earlier unfinished tries count as abandoned."""
    provider = get_provider()
    if provider is None:
        raise PaymentError(_("Online payment is not available at the moment. Please pay by QR-bill."))
    with transaction.atomic():
        payment = open_payment(case)
        if payment is not None:
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment is None or not can_pay_online(case, payment):
            raise PaymentError(_("There is nothing to pay for this case."))
        payment.transactions.filter(status=TX.PENDING).update(
            status=TX.ABANDONED, finished_at=timezone.now(), failure_reason="superseded by a new attempt"
        )
        return provider.start(payment, return_url)


# --- confirmation (webhook-style) ---------------------------------------------------------------------------

OUTCOMES = {"succeeded": TX.SUCCEEDED, "failed": TX.FAILED, "abandoned": TX.ABANDONED}


def confirm_transaction(provider_reference, outcome, *, reason=""):
    """Record a provider's outcome for one transaction; idempotent.

    A success marks the payment paid (once) and queues the payment receipt. A success for a payment that
    was meanwhile paid otherwise is recorded as failed with a refund note, so there is never a second
    paid payment or second succeeded transaction. An outcome for a finished transaction changes nothing.
    """
    status = OUTCOMES.get(outcome)
    if status is None:
        raise PaymentError(f"unknown outcome {outcome!r}")
    with transaction.atomic():
        tx = (
            PaymentTransaction.objects.select_for_update()
            .select_related("payment")
            .filter(provider_reference=provider_reference)
            .first()
        )
        if tx is None:
            raise UnknownTransaction(f"unknown transaction {provider_reference!r}")
        if tx.status == TX.SUCCEEDED or (tx.status != TX.PENDING and status != TX.SUCCEEDED):
            return tx
        payment = Payment.objects.select_for_update().get(pk=tx.payment_id)
        tx.finished_at = timezone.now()
        if status == TX.SUCCEEDED and payment.status != OPEN:
            tx.status = TX.FAILED
            tx.failure_reason = "payment already settled; refund due"
            logger.warning("transaction %s succeeded for settled payment %s: refund due", tx.pk, payment.pk)
        else:
            tx.status = status
            tx.failure_reason = (reason or ("" if status == TX.SUCCEEDED else outcome))[:200]
        tx.save(update_fields=["status", "finished_at", "failure_reason"])
        if tx.status == TX.SUCCEEDED:
            provider = PROVIDERS.get(tx.provider)
            label = str(getattr(provider, "label", "") or tx.provider)
            record_paid(payment, method=Payment.Method.ONLINE, confirmed_by=f"Online payment ({label})")
        logger.info("transaction %s (%s) → %s", tx.pk, tx.provider, tx.status)
    return tx


def record_paid(payment, *, method, confirmed_by="", actor=None, actor_label=""):
    """Mark paid through the case rules and queue the payment receipt after commit (both idempotent)."""
    from . import cases

    was_open = payment.status == OPEN
    payment = cases.mark_paid(payment, actor=actor, actor_label=actor_label, method=method, confirmed_by=confirmed_by)
    if was_open:
        payment_id = payment.pk
        transaction.on_commit(lambda: queue_payment_receipt(payment_id))
    return payment


# --- the test provider's notification ------------------------------------------------------------------------


def _notification_key():
    return "services.payments.test-provider-notification"


def sign_notification(body):
    """HMAC-SHA256 (key derived from SECRET_KEY) of the raw notification body, hex."""
    body = body if isinstance(body, bytes) else body.encode()
    return salted_hmac(_notification_key(), body, algorithm="sha256").hexdigest()


def notification_body(provider_reference, outcome):
    return json.dumps({"reference": provider_reference, "outcome": outcome}, sort_keys=True).encode()


def handle_test_notification(body, signature):
    """The test provider's webhook: check the signature, then confirm. Returns (http_status, text)."""
    if not signature or not hmac.compare_digest(sign_notification(body), str(signature)):
        return 403, "bad signature"
    try:
        data = json.loads(body)
        reference, outcome = str(data["reference"]), str(data["outcome"])
    except (ValueError, KeyError, TypeError):
        return 400, "bad notification"
    try:
        tx = confirm_transaction(reference, outcome)
    except UnknownTransaction:
        return 404, "unknown transaction"
    except PaymentError as error:
        return 400, str(error)
    return 200, tx.status


def simulate_test_provider(provider_reference, outcome):
    """What the checkout buttons do: the (simulated) provider sends its signed notification."""
    body = notification_body(provider_reference, outcome)
    return handle_test_notification(body, sign_notification(body))


# --- receipts ------------------------------------------------------------------------------------------------


def receipt_field(payment):
    return f"{PAYMENT_RECEIPT_FIELD}_{payment.pk}"


def queue_payment_receipt(payment_id):
    from django_q.tasks import async_task

    async_task("services.payments.create_payment_receipt", payment_id, task_name=f"payment-receipt-{payment_id}")


def render_payment_receipt(payment, *, language=None, compress=True):
    from home.pdf import chf, render_pdf, swiss_datetime

    from .pdf import receipt_language

    case = payment.case
    language = language or receipt_language(case)
    with translation.override(language):

        def story(document):
            rows = [
                (_("Reference"), case.reference or "–"),
                (_("Service"), case.title),
                (_("Amount"), chf(payment.amount_rappen)),
                (_("Paid on"), swiss_datetime(payment.paid_at)),
                (_("Payment method"), payment.get_method_display()),
            ]
            if payment.qr_reference:
                rows.append((_("Payment reference"), payment.qr_reference))
            return [
                document.heading(_("Payment receipt"), level=1),
                document.paragraph(_("We confirm that we have received the following payment. Thank you.")),
                document.spacer(2),
                document.details(rows),
            ]

        return render_pdf(
            _("Payment receipt"),
            story,
            reference=case.reference,
            subject=case.title,
            language=language,
            compress=compress,
        )


def create_payment_receipt(payment_id):
    """Attach the receipt PDF of a paid payment to its case, once. Returns the document (or None)."""
    from . import cases

    payment = Payment.objects.select_related("case", "case__owner_user", "case__submitted_by").filter(pk=payment_id)
    payment = payment.first()
    if payment is None or payment.status != PAID:
        return None
    field_name = receipt_field(payment)
    existing = payment.case.documents.filter(field_name=field_name).first()
    if existing is not None:
        return existing
    pdf = render_payment_receipt(payment)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=payment.case_id)
        existing = case.documents.filter(field_name=field_name).first()
        if existing is not None:
            return existing
        from .pdf import receipt_language

        with translation.override(receipt_language(case)):
            title = _("Payment receipt %(reference)s") % {"reference": case.reference}
        document = cases.add_document(
            case,
            ContentFile(pdf, name=f"Zahlungsbestaetigung-{case.reference}.pdf"),
            origin=CaseDocument.Origin.SYSTEM,
            title=title,
            field_name=field_name,
            record_event=False,
        )
    logger.info("payment receipt for %s stored as document %s", case.reference, document.pk)
    return document

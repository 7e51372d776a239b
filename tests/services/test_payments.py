"""Payments: QR-bill references, the test provider's checkout and webhook, receipts, who may see what."""

import pytest
from stdnum.ch import esr
from stdnum.iso11649 import is_valid as is_valid_scor

from services import payments
from services.models import CaseEvent, Payment, PaymentTransaction
from tests.factories import UserFactory
from tests.integration_fixtures import submit_case

TX = PaymentTransaction.Status
QR_IBAN = "CH4431999123000889012"
IBAN = "CH9300762011623852957"


@pytest.fixture
def case(service_page, resident):
    return submit_case(service_page, resident)


@pytest.fixture
def payment(case):
    return case.payments.get()


def test_qr_reference_with_a_qr_iban_is_27_digits_with_a_recursive_mod10_check_digit(payment):
    reference = payments.qr_reference_for(payment, QR_IBAN)

    assert len(reference) == 27 and reference.isdigit()
    assert esr.is_valid(reference)
    assert reference[-1] == esr.calc_check_digit(reference[:-1])
    assert int(reference[:13]) == payment.case_id and int(reference[13:26]) == payment.pk
    payment.refresh_from_db()
    assert payment.qr_reference == reference
    # Asked again, the stored reference is kept.
    assert payments.qr_reference_for(payment, QR_IBAN) == reference


def test_known_mod10_recursive_check_digits():
    # Worked example of the Swiss Payment Standards: 21 00000 00003 13947 14300 09017
    assert esr.calc_check_digit("21000000000313947143000901") == "7"
    base = "0000000000042" + "0000000000007"
    assert payments.qrr_reference(42, 7) == base + esr.calc_check_digit(base)
    # The check digit of a changed reference no longer fits.
    assert not esr.is_valid(base[:-1] + "8" + esr.calc_check_digit(base))


def test_creditor_reference_with_an_ordinary_iban(payment):
    reference = payments.qr_reference_for(payment, IBAN)

    assert reference.startswith("RF")
    assert is_valid_scor(reference)
    assert len(reference) <= 25
    # A broken check digit is detected.
    broken = reference[:2] + ("00" if reference[2:4] != "00" else "01") + reference[4:]
    assert not is_valid_scor(broken)


def test_qr_iban_is_recognised_by_its_institution_id():
    assert payments.is_qr_iban(QR_IBAN)
    assert payments.is_qr_iban("CH44 3199 9123 0008 8901 2")
    assert not payments.is_qr_iban(IBAN)


def _start(client, case):
    response = client.post(f"/account/payments/{case.reference}/pay/")
    assert response.status_code == 302
    assert "/account/payments/test-checkout/" in response["Location"]
    return response["Location"]


def _choose(client, checkout_url, outcome):
    return client.post(checkout_url + "complete/", {"outcome": outcome})


def test_successful_online_payment_marks_paid_with_receipt_and_timeline_event(
    client, case, payment, resident, django_capture_on_commit_callbacks, soup
):
    client.force_login(resident)
    page = soup(client.get(f"/account/cases/{case.reference}/"))
    fee = page.find(id="fee")
    assert fee.find("form", action=f"/account/payments/{case.reference}/pay/")
    assert fee.find("a", href=f"/account/payments/{case.reference}/invoice.pdf")
    assert fee.find(class_="badge--warning")

    checkout = _start(client, case)
    page = soup(client.get(checkout))
    assert {button["value"] for button in page.find_all("button", attrs={"name": "outcome"})} == {
        "succeeded",
        "failed",
        "abandoned",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = _choose(client, checkout, "succeeded")
    assert response.status_code == 302 and response["Location"].endswith(f"/account/cases/{case.reference}/")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.method == Payment.Method.ONLINE
    assert payment.confirmed_by.startswith("Online payment")
    assert list(payment.transactions.values_list("status", flat=True)) == [TX.SUCCEEDED]
    assert case.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1
    receipt = case.documents.get(field_name=payments.receipt_field(payment))
    assert receipt.origin == "system" and receipt.file.read().startswith(b"%PDF")

    page = soup(client.get(f"/account/cases/{case.reference}/"))
    fee = page.find(id="fee")
    assert fee.find(class_="badge--success") and not fee.find("form")
    assert receipt.title in page.find(id="documents").get_text()
    # The receipt job run again attaches nothing more.
    assert payments.create_payment_receipt(payment.pk) == receipt
    assert case.documents.filter(field_name=payments.receipt_field(payment)).count() == 1


def test_failure_then_success_leaves_one_paid_payment(client, case, payment, resident, soup):
    client.force_login(resident)
    first = _start(client, case)
    _choose(client, first, "failed")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    page = soup(client.get(f"/account/cases/{case.reference}/"))
    assert page.find(id="fee").find("form", action=f"/account/payments/{case.reference}/pay/")

    second = _start(client, case)
    assert second != first
    _choose(client, second, "succeeded")

    assert Payment.objects.filter(case=case, status=Payment.Status.PAID).count() == 1
    assert sorted(payment.transactions.values_list("status", flat=True)) == sorted([TX.FAILED, TX.SUCCEEDED])
    # A late success for the failed attempt changes nothing.
    failed = payment.transactions.get(status=TX.FAILED)
    payments.confirm_transaction(failed.provider_reference, "succeeded")
    assert payment.transactions.filter(status=TX.SUCCEEDED).count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1


def test_abandoned_checkout_leaves_the_fee_open_and_payable(client, case, payment, resident):
    client.force_login(resident)
    checkout = _start(client, case)
    _choose(client, checkout, "abandoned")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert payment.transactions.get().status == TX.ABANDONED

    again = _start(client, case)
    assert again != checkout
    assert payment.transactions.filter(status=TX.PENDING).count() == 1


def test_a_new_attempt_supersedes_an_unfinished_one(client, case, payment, resident):
    client.force_login(resident)
    _start(client, case)
    _start(client, case)
    assert sorted(payment.transactions.values_list("status", flat=True)) == sorted([TX.ABANDONED, TX.PENDING])


def test_replayed_success_notification_changes_nothing_more(client, case, payment, resident):
    client.force_login(resident)
    checkout = _start(client, case)
    tx = payment.transactions.get()
    body = payments.notification_body(tx.provider_reference, "succeeded")
    signature = payments.sign_notification(body)
    anonymous = client.__class__()
    for _attempt in range(2):
        response = anonymous.post(
            "/account/payments/provider/test/notify/",
            body,
            content_type="application/json",
            HTTP_X_PORTAL_SIGNATURE=signature,
        )
        assert response.status_code == 200
    # And the checkout button after the webhook: nothing more either.
    _choose(client, checkout, "succeeded")
    assert Payment.objects.filter(case=case, status=Payment.Status.PAID).count() == 1
    assert payment.transactions.filter(status=TX.SUCCEEDED).count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1


def test_notification_with_a_bad_signature_is_refused(client, case, payment, resident):
    client.force_login(resident)
    _start(client, case)
    tx = payment.transactions.get()
    body = payments.notification_body(tx.provider_reference, "succeeded")
    for signature in ("", "0" * 64, payments.sign_notification(body + b" ")):
        response = client.__class__().post(
            "/account/payments/provider/test/notify/",
            body,
            content_type="application/json",
            HTTP_X_PORTAL_SIGNATURE=signature,
        )
        assert response.status_code == 403
    tx.refresh_from_db()
    payment.refresh_from_db()
    assert tx.status == TX.PENDING and payment.status == Payment.Status.OPEN


def test_someone_else_cannot_open_the_invoice_checkout_or_pay(client, case, payment, resident):
    client.force_login(resident)
    checkout = _start(client, case)
    other = UserFactory()
    client.force_login(other)
    assert client.get(checkout).status_code == 404
    assert _choose(client, checkout, "succeeded").status_code == 404
    assert client.get(f"/account/payments/{case.reference}/invoice.pdf").status_code == 404
    assert client.post(f"/account/payments/{case.reference}/pay/").status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


def test_test_checkout_is_gone_when_another_provider_is_configured(client, case, resident, settings):
    client.force_login(resident)
    checkout = _start(client, case)
    settings.PORTAL_PAYMENT_PROVIDER = "none"
    assert client.get(checkout).status_code == 404
    response = client.post(f"/account/payments/{case.reference}/pay/", follow=True)
    assert response.status_code == 200
    assert case.payments.get().transactions.count() == 1


def test_is_paid_follows_the_payment(case, payment):
    assert payments.payment_for(case) == payment
    assert not payments.is_paid(case)
    payments.record_paid(payment, method=Payment.Method.COUNTER, confirmed_by="Schalter")
    case.refresh_from_db()
    assert payments.is_paid(case)
    assert payments.payment_for(case).status == Payment.Status.PAID

"""Payment pages in the account: pay a case's fee online, the test provider's checkout, the QR-bill invoice.

Cases are loaded through `Case.objects.visible_to(user)`; a transaction only through its case, so anyone
else's payment is a 404. The test provider's pages exist only while it is the configured provider.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import payments
from .invoices import InvoiceError, render_invoice
from .models import Case, PaymentTransaction

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_PORTAL_SIGNATURE"


def _scoped_case(request, reference):
    return get_object_or_404(
        Case.objects.visible_to(request.user).submitted().select_related("service_page"), reference=reference
    )


def _test_provider_active():
    if payments.provider_name() != "test":
        raise Http404


@login_required
@require_POST
def pay_online(request, reference):
    case = _scoped_case(request, reference)
    return_url = case_url(case)
    try:
        _transaction, url = payments.start_online_payment(case, return_url=return_url)
    except payments.PaymentError as error:
        messages.error(request, str(error))
        return redirect(return_url)
    return redirect(url)


def case_url(case):
    from .cases import case_url as url_of

    return url_of(case)


def _scoped_transaction(request, provider_reference):
    _test_provider_active()
    return get_object_or_404(
        PaymentTransaction.objects.select_related("payment__case").filter(
            provider="test", payment__case__in=Case.objects.visible_to(request.user)
        ),
        provider_reference=provider_reference,
    )


@login_required
@require_GET
def test_checkout(request, provider_reference):
    tx = _scoped_transaction(request, provider_reference)
    return render(
        request,
        "services/payments/test_checkout.html",
        {"transaction": tx, "payment": tx.payment, "case": tx.payment.case},
    )


@login_required
@require_POST
def test_checkout_complete(request, provider_reference):
    """A button of the test checkout: the simulated provider sends its signed notification, then returns."""
    tx = _scoped_transaction(request, provider_reference)
    outcome = request.POST.get("outcome", "")
    if outcome not in payments.OUTCOMES:
        raise Http404
    case = tx.payment.case
    if tx.status != PaymentTransaction.Status.PENDING:
        messages.info(request, _("This payment attempt is already finished."))
        return redirect(case_url(case))
    status, _text = payments.simulate_test_provider(tx.provider_reference, outcome)
    if status != 200:
        messages.error(request, _("The payment could not be confirmed. Please try again."))
    elif outcome == "succeeded":
        messages.success(request, _("Thank you. Your payment has been received."))
    elif outcome == "failed":
        messages.error(request, _("The payment failed. Nothing was charged; you can try again."))
    else:
        messages.warning(request, _("The payment was cancelled. You can pay at any time."))
    return redirect(case_url(case))


@csrf_exempt
@require_POST
def test_provider_notify(request):
    """Server-to-server notification of the test provider: JSON body, HMAC in X-Portal-Signature."""
    _test_provider_active()
    status, text = payments.handle_test_notification(request.body, request.META.get(SIGNATURE_HEADER, ""))
    return HttpResponse(text, status=status, content_type="text/plain")


@login_required
@require_GET
def invoice_pdf(request, reference):
    case = _scoped_case(request, reference)
    payment = payments.payment_for(case)
    if payment is None:
        raise Http404
    try:
        pdf = render_invoice(payment)
    except InvoiceError as error:
        messages.error(request, str(error))
        return redirect(case_url(case))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Rechnung-{case.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

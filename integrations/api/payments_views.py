"""The fee of a case: the specialist application confirms it was paid (QR-bill, counter or online).

The confirmation goes through the same rule as every other one (`services.payments.record_paid` →
`services.cases.mark_paid`), so a fee is paid once however often, and by whichever way, it is confirmed.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from services import payments
from services.models import Payment

from .cases_views import CaseApiView, in_site_language
from .problems import Problem
from .schema import write_problems

METHODS = [Payment.Method.QR_BILL.value, Payment.Method.COUNTER.value, Payment.Method.ONLINE.value]


class PaymentConfirmationRequestSerializer(serializers.Serializer):
    amountRappen = serializers.IntegerField(min_value=1, help_text="Must equal the open fee of the case.")  # noqa: N815
    paidOn = serializers.DateField(help_text="The day the money was received.")  # noqa: N815
    method = serializers.ChoiceField(choices=METHODS)


class CasePaymentSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="`open`, `paid` or `cancelled`.")
    amountRappen = serializers.IntegerField(source="amount_rappen")  # noqa: N815
    currency = serializers.CharField()
    method = serializers.CharField(help_text="`qr_bill`, `counter` or `online`.")
    paidAt = serializers.DateTimeField(source="paid_at", allow_null=True)  # noqa: N815
    confirmedBy = serializers.CharField(source="confirmed_by")  # noqa: N815
    qrReference = serializers.CharField(source="qr_reference")  # noqa: N815


def payment_data(payment):
    payment.currency = "CHF"
    return CasePaymentSerializer(payment).data


class PaymentConfirmationView(CaseApiView):
    """Idempotent: confirming a paid fee again with the same amount answers 200 and changes nothing."""

    audit_action = "case.payment.confirm"

    @extend_schema(
        operation_id="cases_payments_confirm",
        summary="Confirm that the fee of a case was paid",
        description=(
            "The amount must equal the case's fee (else 422 `amount-mismatch`); a case without a fee answers "
            "409 `no-fee`. A fee already paid answers 200 with the payment as it is."
        ),
        request=PaymentConfirmationRequestSerializer,
        responses={200: CasePaymentSerializer, **write_problems()},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference, self.scoped_cases().prefetch_related("payments"))
        body = PaymentConfirmationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["paidOn"] > timezone.localdate():
            detail = "paidOn lies in the future."
            raise Problem(
                400, "validation-error", detail, errors=[{"field": "paidOn", "detail": detail, "code": "invalid"}]
            )
        payment = payments.payment_for(case)
        if payment is None:
            raise Problem(409, "no-fee", "This case has no fee to pay.")
        if data["amountRappen"] != payment.amount_rappen:
            raise Problem(
                422,
                "amount-mismatch",
                f"The fee of this case is {payment.amount_rappen} rappen, not {data['amountRappen']}.",
                errors=[{"field": "amountRappen", "detail": "Does not equal the fee.", "code": "amount_mismatch"}],
            )
        if payment.status == Payment.Status.OPEN:
            with in_site_language():
                payment = payments.record_paid(
                    payment,
                    method=data["method"],
                    actor_label=self.actor_label,
                    confirmed_by=f"{self.actor_label} (paid on {data['paidOn']:%d.%m.%Y})",
                )
        return Response(payment_data(payment))

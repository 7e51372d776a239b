"""The certificate endpoints: the register application approves a certificate order (issue) or revokes it.

The case is loaded through `Case.objects.for_application(...)` like every case endpoint, so a case outside the
application's scopes is not found (404). Issuing and revoking go through `services.certificates`.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from services import certificates
from services.models import CaseDocument
from services.models.certificates import CertificateKind

from .cases_views import CaseApiView, in_site_language
from .problems import Problem
from .schema import write_problems


class CertificateIssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=CertificateKind.choices,
        required=False,
        help_text="Default: the kind the applicant ordered in the form.",
    )
    validUntil = serializers.DateField(required=False, help_text="Default: 90 days from today.")


class CertificateRevocationSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Kept in the case; not shown by the public check.")


class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The verification code printed on the certificate, e.g. `ABCD-EFGH-JK23`.")
    kind = serializers.ChoiceField(choices=CertificateKind.choices)
    issuedAt = serializers.DateTimeField(source="issued_at")
    validUntil = serializers.DateField(source="valid_until", allow_null=True)
    revokedAt = serializers.DateTimeField(source="revoked_at", allow_null=True)
    verifyHref = serializers.SerializerMethodField(help_text="The public check of the code.")
    documentHref = serializers.SerializerMethodField(help_text="Where to download the PDF through this API.")

    def get_verifyHref(self, certificate) -> str:  # noqa: N802 (field name of the API)
        return certificates.verification_url(certificate.code)

    def get_documentHref(self, certificate) -> str | None:  # noqa: N802
        if not certificate.document_id:
            return None
        path = reverse(
            "api:case_document_content",
            kwargs={"reference": certificate.case.reference, "document_id": certificate.document_id},
        )
        return self.context["request"].build_absolute_uri(path)


def refused(error):
    return Problem(409, "certificate-refused", f"No certificate can be issued on this case: {error}")


class CertificateIssueView(CaseApiView):
    """Approve the order: the certificate is issued as PDF with a verification code and the case completed.

    Once per case: calling again returns the certificate issued first (200) unless it was revoked. Cases of
    organisations are refused (409 `certificate-refused`): certificates are issued to persons only. While the
    case's fee is unpaid the order is refused (409 `fee-unpaid`): confirm the payment first.
    """

    audit_action = "case.certificate.issue"

    @extend_schema(
        operation_id="cases_certificate_issue",
        summary="Issue the certificate the applicant ordered (PDF with verification code); completes the case",
        request=CertificateIssueSerializer,
        responses={200: CertificateSerializer, 201: CertificateSerializer, **write_problems()},
        tags=["certificates"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = CertificateIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        kind = data.get("kind") or certificates.kind_from_case(case)
        existing = case.certificates.filter(revoked_at__isnull=True).first()
        if existing is not None:
            return Response(CertificateSerializer(existing, context=self.context(case)).data, status=200)
        if case.owner_organisation_id or not case.owner_user_id:
            raise Problem(
                409,
                "certificate-refused",
                "Certificates are issued to persons only; this case belongs to an organisation.",
            )
        if not kind:
            detail = "The order does not say which certificate; send `kind`."
            raise Problem(
                400, "validation-error", detail, errors=[{"field": "kind", "detail": detail, "code": "required"}]
            )
        try:
            with in_site_language():
                certificate = certificates.issue(
                    case,
                    kind,
                    actor=None,
                    actor_label=self.actor_label,
                    valid_until=data.get("validUntil"),
                    origin=CaseDocument.Origin.APPLICATION,
                )
        except certificates.FeeUnpaid as error:
            raise Problem(409, "fee-unpaid", str(error)) from error
        except certificates.CaseError as error:
            raise refused(error) from error
        return Response(CertificateSerializer(certificate, context=self.context(case)).data, status=201)


class CertificateRevocationView(CaseApiView):
    """Revoke the case's certificate; the public check then says so. Revoking again changes nothing (200)."""

    audit_action = "case.certificate.revoke"

    @extend_schema(
        operation_id="cases_certificate_revoke",
        summary="Revoke the certificate of the case, with a reason",
        request=CertificateRevocationSerializer,
        responses={200: CertificateSerializer, **write_problems()},
        tags=["certificates"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = CertificateRevocationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        certificate = (
            case.certificates.filter(revoked_at__isnull=True).first()
            or case.certificates.order_by("-revoked_at", "-pk").first()
        )
        if certificate is None:
            raise Problem(404, "not-found", "This case has no certificate.")
        try:
            with in_site_language():
                certificate = certificates.revoke(
                    certificate, reason=body.validated_data["reason"], actor=None, actor_label=self.actor_label
                )
        except certificates.CaseError as error:
            raise refused(error) from error
        return Response(CertificateSerializer(certificate, context=self.context(case)).data)

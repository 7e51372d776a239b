"""The tax account endpoints: the tax application keeps the accounts up to date and issues activation codes.

Reading needs read permission on the record type "tax_accounts" (otherwise nothing is found: 404),
writing needs write permission (otherwise 403 insufficient-scope, checked by ApiView). Every change goes
through the rules in `services.tax`. The holder's identity never leaves the portal: the account's JSON
says only whether it is linked and since when.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from services import tax
from services.models import TaxAccount, TaxDocument, TaxEntry

from . import tax_serializers as s
from .base import ApiView
from .cases_views import UPLOAD_PROBLEMS
from .problems import Problem
from .schema import problems, write_problems

RECORD_TYPE = "tax_accounts"
TAGS = ["tax accounts"]


def validation_problem(field, detail, code="invalid"):
    return Problem(400, "validation-error", detail, errors=[{"field": field, "detail": detail, "code": code}])


class TaxApiView(ApiView):
    record_type = RECORD_TYPE

    def scoped_accounts(self):
        application = self.application
        if application is None or not (application.may_read(RECORD_TYPE) or application.may_write(RECORD_TYPE)):
            return TaxAccount.objects.none()
        return TaxAccount.objects.all()

    def readable_accounts(self):
        application = self.application
        if application is None or not application.may_read(RECORD_TYPE):
            return TaxAccount.objects.none()
        return TaxAccount.objects.all()

    def get_account(self, taxpayer_number, queryset=None):
        self.set_audit_subject("tax_account", taxpayer_number)
        queryset = self.scoped_accounts() if queryset is None else queryset
        return get_object_or_404(queryset, taxpayer_number__iexact=tax.normalise_number(taxpayer_number))

    def account_data(self, account, status=200):
        account = (
            TaxAccount.objects.prefetch_related(
                Prefetch("entries", queryset=TaxEntry.objects.order_by("-tax_year", "pk")),
                Prefetch("documents", queryset=TaxDocument.objects.order_by("-created_at", "pk")),
            )
            .filter(pk=account.pk)
            .get()
        )
        return Response(s.TaxAccountSerializer(account).data, status=status)


class TaxAccountView(TaxApiView):
    """One tax account, addressed by the taxpayer number."""

    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        self.audit_action = "tax_account.read" if request.method == "GET" else "tax_account.upsert"
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="tax_accounts_retrieve",
        summary="A tax account with its entries and documents",
        responses={200: s.TaxAccountSerializer, **problems(404)},
        tags=TAGS,
    )
    def get(self, request, taxpayer_number):
        account = self.get_account(taxpayer_number, self.readable_accounts())
        return self.account_data(account)

    @extend_schema(
        operation_id="tax_accounts_upsert",
        summary="Create or update a tax account and its entries (by externalId)",
        description=(
            "Idempotent: the same body twice leaves the same state. Entries are matched by `externalId`; "
            "entries not sent are kept unless `replaceEntries` is true. 201 when the account was created."
        ),
        request=s.TaxAccountUpsertSerializer,
        responses={200: s.TaxAccountSerializer, 201: s.TaxAccountSerializer, **write_problems()},
        tags=TAGS,
    )
    def put(self, request, taxpayer_number):
        number = tax.normalise_number(taxpayer_number)
        self.set_audit_subject("tax_account", number)
        if not number or len(number) > TaxAccount._meta.get_field("taxpayer_number").max_length:
            raise validation_problem("taxpayerNumber", "The taxpayer number must have 1 to 30 characters.")
        body = s.TaxAccountUpsertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            account, created = tax.upsert_account(
                number,
                name=data["name"],
                balance_rappen=data["balanceRappen"],
                balance_date=data.get("balanceDate"),
                entries=data["entries"],
                replace_entries=data["replaceEntries"],
            )
        except tax.TaxError as error:
            raise validation_problem("entries", str(error)) from error
        return self.account_data(account, status=201 if created else 200)


class TaxDocumentUploadView(TaxApiView):
    """Multipart with `file`, `externalId`, `title`, `taxYear`; the file is checked by its content."""

    audit_action = "tax_account.document.add"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="tax_accounts_documents_create",
        summary="Deliver a document (e.g. a tax bill) to the tax account; idempotent by externalId",
        request={"multipart/form-data": s.TaxDocumentUploadSerializer},
        responses={201: s.TaxDocumentSerializer, 200: s.TaxDocumentSerializer, **write_problems(413, 415)},
        tags=TAGS,
    )
    def post(self, request, taxpayer_number):
        account = self.get_account(taxpayer_number)
        body = s.TaxDocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            document, created = tax.add_document(
                account, data["externalId"], data["file"], data.get("title", "").strip(), data.get("taxYear")
            )
        except ValidationError as error:
            status, code = UPLOAD_PROBLEMS.get(error.code, (400, "invalid-file"))
            detail = " ".join(error.messages)
            raise Problem(
                status, code, detail, errors=[{"field": "file", "detail": detail, "code": error.code}]
            ) from error
        except tax.TaxError as error:
            raise validation_problem("externalId", str(error)) from error
        return Response(s.TaxDocumentSerializer(document).data, status=201 if created else 200)


class ActivationCodeView(TaxApiView):
    """A new one-time code for the activation letter; the previous code stops working.

    The code is in this response only: the portal keeps a hash. An Idempotency-Key is not honoured here
    (its stored response would keep the code): a repeated call simply issues a new code.
    """

    audit_action = "tax_account.activation_code"
    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self._idempotency_record is not None:
            self._idempotency_record.delete()
            self._idempotency_record = None

    @extend_schema(
        operation_id="tax_accounts_activation_code_create",
        summary="Issue a new activation code for the letter to the taxpayer",
        request=s.ActivationCodeRequestSerializer,
        responses={
            201: OpenApiResponse(s.ActivationCodeSerializer, description="The code, shown this once."),
            **write_problems(),
        },
        tags=TAGS,
    )
    def post(self, request, taxpayer_number):
        account = self.get_account(taxpayer_number)
        body = s.ActivationCodeRequestSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        code = tax.set_activation_code(account, valid_days=body.validated_data["validDays"])
        account.refresh_from_db(fields=["activation_code_expires_at"])
        data = s.ActivationCodeSerializer(
            {"activationCode": code, "validUntil": account.activation_code_expires_at}
        ).data
        response = Response(data, status=201)
        response["Cache-Control"] = "no-store"
        return response

"""The utility records endpoints: the utility's billing application keeps customers, contracts, meters and invoices.

`POST /api/v1/utility-records` upserts all four in bulk. The body is validated as a whole first — the shape of every
row here, the references between rows in `utilities.records_sync` — and any error refuses the whole batch with a 400
problem whose `errors` name each row by a JSON pointer. A valid batch is written in one transaction with bulk
operations. Invoice PDFs and contract terms are uploaded one by one (checked as PDFs by their content), activation
codes for the letter are issued per customer, and a customer account can be read back to check what the portal
holds — whether it is linked, never by whom.

Every endpoint needs the record type "utility_records": write permission to change, read permission to read;
otherwise 403 insufficient-scope.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from stdnum import iso11649
from stdnum.ch import esr

from services.forms import validate_upload
from utilities import linking
from utilities import records_sync as sync
from utilities.models import Contract, Invoice, Medium, Meter, Unit, UtilityCustomer

from . import tax_serializers
from .base import ApiView
from .cases_views import UPLOAD_PROBLEMS
from .problems import PROBLEM_CONTENT_TYPE, Problem, field_errors
from .schema import problems, write_problems
from .school_records import invalid, with_pointers
from .serializers import ProblemSerializer

logger = logging.getLogger(__name__)

RECORD_TYPE = "utility_records"
TAGS = ["utilities"]
MAX_ROWS = 10_000
# Fits every amount column (a base fee is a 32-bit integer); far beyond any real bill.
MAX_RAPPEN = 2_147_483_647

# Which units a meter of each medium may count in.
UNITS_OF_MEDIUM = {
    Medium.ELECTRICITY: {Unit.KWH},
    Medium.GAS: {Unit.KWH, Unit.M3},
    Medium.WATER: {Unit.M3},
    Medium.HEAT: {Unit.KWH, Unit.MWH},
}
# Numbers appear in URLs (`/utility-invoices/{invoiceNumber}/pdf`), so they are kept to URL-safe characters.
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NUMBER_HELP = "Letters, digits, `.`, `_` and `-`."


def _length(model, name):
    return model._meta.get_field(name).max_length


def _choice(choices, help_text, **kwargs):
    """A ChoiceField documented as an enum of this property alone.

    Wrapped in `allOf` so that drf-spectacular does not pool it with other fields of the same name (`status`,
    `kind` …) into shared enum components whose names would collide (as in absences.py).
    """
    values = [value for value, _label in choices]
    schema = {"allOf": [{"type": "string", "enum": values}]}
    field_class = extend_schema_field(schema)(type("UtilityChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=values, help_text=help_text, **kwargs)


def _number(model, name, help_text=NUMBER_HELP, **kwargs):
    return serializers.RegexField(NUMBER_PATTERN, max_length=_length(model, name), help_text=help_text, **kwargs)


def _optional_text(model, name, help_text=""):
    return serializers.CharField(
        max_length=_length(model, name), required=False, allow_blank=True, default="", help_text=help_text
    )


def _before(attrs, first, second, detail):
    if attrs.get(first) and attrs.get(second) and attrs[second] < attrs[first]:
        raise serializers.ValidationError({second: detail})


class UtilityBillingAddressSerializer(serializers.Serializer):
    street = _optional_text(UtilityCustomer, "street")
    houseNumber = _optional_text(UtilityCustomer, "house_number")
    postcode = _optional_text(UtilityCustomer, "postcode")
    town = _optional_text(UtilityCustomer, "town")
    country = serializers.RegexField(
        r"^[A-Z]{2}$", required=False, default="CH", help_text="ISO 3166-1 alpha-2, e.g. `CH`."
    )


class UtilityCustomerRowSerializer(serializers.Serializer):
    customerNumber = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$",
        max_length=_length(UtilityCustomer, "customer_number"),
        help_text="Identifies the customer; spaces are removed and letters upper-cased, as the customer types it.",
    )
    name = serializers.CharField(max_length=_length(UtilityCustomer, "name"), help_text="As printed on invoices.")
    billingAddress = UtilityBillingAddressSerializer(required=False, help_text="Left out: no address.")


class UtilityContractRowSerializer(serializers.Serializer):
    contractNumber = _number(Contract, "contract_number", "Identifies the contract. " + NUMBER_HELP)
    customerNumber = serializers.CharField(max_length=_length(UtilityCustomer, "customer_number"))
    medium = _choice(Medium.choices, "What the contract supplies.")
    tariffName = serializers.CharField(max_length=_length(Contract, "tariff_name"), help_text="e.g. `Strom Natur`")
    energyPrice = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        min_value=0,
        required=False,
        default=0,
        help_text='Rp. per unit excluding VAT, as a decimal string, e.g. `"27.4500"`.',
    )
    baseFeeRappen = serializers.IntegerField(
        min_value=0,
        max_value=MAX_RAPPEN,
        required=False,
        default=0,
        help_text="Base fee per month in Rappen (CHF 1.00 = 100).",
    )
    feedInPrice = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Feed-in remuneration in Rp. per unit (PV), as a decimal string; null if none.",
    )
    supplyAddress = _optional_text(Contract, "supply_address", "Where the energy or water is delivered.")
    startsOn = serializers.DateField()
    endsOn = serializers.DateField(required=False, allow_null=True, default=None, help_text="null: open-ended.")

    def validate(self, attrs):
        _before(attrs, "startsOn", "endsOn", "The end must not be before the start.")
        return attrs


class UtilityMeterRowSerializer(serializers.Serializer):
    meterNumber = _number(Meter, "meter_number", "Identifies the meter. " + NUMBER_HELP)
    customerNumber = serializers.CharField(max_length=_length(UtilityCustomer, "customer_number"))
    contractNumber = serializers.CharField(
        max_length=_length(Contract, "contract_number"),
        required=False,
        allow_null=True,
        default=None,
        help_text="The customer's contract the meter belongs to; same medium.",
    )
    medium = _choice(Medium.choices, "What the meter measures.")
    unit = _choice(Unit.choices, "electricity: kWh; gas: kWh or m3; water: m3; heat: kWh or MWh.")
    kind = _choice(
        Meter.Kind.choices,
        "`smart`: read remotely every 15 minutes; `manual`: the customer reports readings.",
        required=False,
        default=Meter.Kind.SMART,
    )
    location = _optional_text(Meter, "location", "e.g. `Keller, Seestrasse 21`")
    hasExport = serializers.BooleanField(
        required=False, default=False, help_text="A bidirectional electricity meter that also counts feed-in (PV)."
    )
    readingDueOn = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="When the customer is asked to report a reading."
    )

    def validate(self, attrs):
        if attrs["unit"] not in UNITS_OF_MEDIUM[attrs["medium"]]:
            raise serializers.ValidationError({"unit": f"A {attrs['medium']} meter does not count in {attrs['unit']}."})
        if attrs["hasExport"] and attrs["medium"] != Medium.ELECTRICITY:
            raise serializers.ValidationError({"hasExport": "Only electricity meters count feed-in."})
        return attrs


class UtilityInvoiceRowSerializer(serializers.Serializer):
    invoiceNumber = _number(Invoice, "invoice_number", "Identifies the invoice. " + NUMBER_HELP)
    customerNumber = serializers.CharField(max_length=_length(UtilityCustomer, "customer_number"))
    contractNumber = serializers.CharField(
        max_length=_length(Contract, "contract_number"), required=False, allow_null=True, default=None
    )
    periodStart = serializers.DateField()
    periodEnd = serializers.DateField()
    issuedOn = serializers.DateField()
    amountRappen = serializers.IntegerField(
        min_value=-MAX_RAPPEN,
        max_value=MAX_RAPPEN,
        help_text="Amount in Rappen (CHF 1.00 = 100); negative for a credit.",
    )
    dueOn = serializers.DateField()
    status = _choice(Invoice.Status.choices, "Overdue is shown by the portal from `dueOn`.", required=False)
    paidOn = serializers.DateField(required=False, allow_null=True, default=None)
    qrReference = serializers.CharField(
        max_length=40,  # spaces between the groups of digits are allowed and removed
        required=False,
        allow_blank=True,
        default="",
        help_text="QR reference (27 digits) or creditor reference (RF…) of the QR-bill.",
    )

    def validate_qrReference(self, value):
        compact = "".join(value.split()).upper()
        if compact and not (esr.is_valid(compact) and len(compact) == 27) and not iso11649.is_valid(compact):
            raise serializers.ValidationError("Not a valid QR reference (27 digits) or creditor reference (RF…).")
        return compact

    def validate(self, attrs):
        _before(attrs, "periodStart", "periodEnd", "The period must not end before it starts.")
        _before(attrs, "issuedOn", "dueOn", "The invoice cannot be due before it is issued.")
        return attrs


def _rows(serializer, help_text):
    return serializer(many=True, required=False, max_length=MAX_ROWS, help_text=help_text)


class UtilityRecordsUpsertSerializer(serializers.Serializer):
    customers = _rows(
        UtilityCustomerRowSerializer, "Customer accounts by `customerNumber`; their link is never changed."
    )
    contracts = _rows(UtilityContractRowSerializer, "Contracts by `contractNumber`.")
    meters = _rows(UtilityMeterRowSerializer, "Meters by `meterNumber`.")
    invoices = _rows(UtilityInvoiceRowSerializer, "Invoices by `invoiceNumber`; the PDF is uploaded separately.")


class UtilityCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class UtilityRecordsResultSerializer(serializers.Serializer):
    customers = UtilityCountsSerializer()
    contracts = UtilityCountsSerializer()
    meters = UtilityCountsSerializer()
    invoices = UtilityCountsSerializer()


class UtilityContractSerializer(UtilityContractRowSerializer):
    hasTermsDocument = serializers.BooleanField(help_text="Whether the terms document was uploaded.")


class UtilityMeterSerializer(UtilityMeterRowSerializer):
    pass


class UtilityInvoiceSerializer(UtilityInvoiceRowSerializer):
    hasPdf = serializers.BooleanField(help_text="Whether the PDF was uploaded.")


class UtilityCustomerSerializer(UtilityCustomerRowSerializer):
    linked = serializers.BooleanField(help_text="Whether the customer has linked the account; never who.")
    contracts = UtilityContractSerializer(many=True)
    meters = UtilityMeterSerializer(many=True)
    openInvoices = UtilityInvoiceSerializer(many=True, help_text="Invoices with status `open`, the oldest due first.")


class UtilityDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PDF of at most 10 MB; it replaces the previous one.")


EXAMPLE = {
    "customers": [
        {
            "customerNumber": "100200",
            "name": "Anna Halter",
            "billingAddress": {
                "street": "Seestrasse",
                "houseNumber": "21",
                "postcode": "9999",
                "town": "Musterwil",
                "country": "CH",
            },
        }
    ],
    "contracts": [
        {
            "contractNumber": "EL-100200-1",
            "customerNumber": "100200",
            "medium": "electricity",
            "tariffName": "Musterwil Strom Natur",
            "energyPrice": "27.4500",
            "baseFeeRappen": 1500,
            "feedInPrice": "9.5000",
            "supplyAddress": "Seestrasse 21, 9999 Musterwil",
            "startsOn": "2026-01-01",
            "endsOn": None,
        }
    ],
    "meters": [
        {
            "meterNumber": "E-1001",
            "customerNumber": "100200",
            "contractNumber": "EL-100200-1",
            "medium": "electricity",
            "unit": "kWh",
            "kind": "smart",
            "location": "Keller",
            "hasExport": True,
            "readingDueOn": None,
        }
    ],
    "invoices": [
        {
            "invoiceNumber": "R-2026-0002",
            "customerNumber": "100200",
            "contractNumber": "EL-100200-1",
            "periodStart": "2026-07-01",
            "periodEnd": "2026-09-30",
            "issuedOn": "2026-10-05",
            "amountRappen": 31285,
            "dueOn": "2026-11-04",
            "status": "open",
            "paidOn": None,
            "qrReference": "210000000003139471430009017",
        }
    ],
}
CUSTOMER_EXAMPLE = {
    **EXAMPLE["customers"][0],
    "linked": True,
    "contracts": [{**EXAMPLE["contracts"][0], "hasTermsDocument": True}],
    "meters": EXAMPLE["meters"],
    "openInvoices": [{**EXAMPLE["invoices"][0], "hasPdf": True}],
}


def customer_data(customer):
    return {
        "customerNumber": customer.customer_number,
        "name": customer.name,
        "billingAddress": {
            "street": customer.street,
            "houseNumber": customer.house_number,
            "postcode": customer.postcode,
            "town": customer.town,
            "country": customer.country,
        },
        "linked": customer.is_linked,
        "contracts": [contract_data(contract, customer) for contract in customer.contracts.all()],
        "meters": [meter_data(meter, customer) for meter in customer.meters.all()],
        "openInvoices": [invoice_data(invoice, customer) for invoice in customer.open_invoices],
    }


def contract_data(contract, customer):
    return {
        "contractNumber": contract.contract_number,
        "customerNumber": customer.customer_number,
        "medium": contract.medium,
        "tariffName": contract.tariff_name,
        "energyPrice": contract.energy_price,
        "baseFeeRappen": contract.base_fee_rappen,
        "feedInPrice": contract.feed_in_price,
        "supplyAddress": contract.supply_address,
        "startsOn": contract.starts_on,
        "endsOn": contract.ends_on,
        "hasTermsDocument": bool(contract.terms_document),
    }


def meter_data(meter, customer):
    return {
        "meterNumber": meter.meter_number,
        "customerNumber": customer.customer_number,
        "contractNumber": meter.contract.contract_number if meter.contract else None,
        "medium": meter.medium,
        "unit": meter.unit,
        "kind": meter.kind,
        "location": meter.location,
        "hasExport": meter.has_export,
        "readingDueOn": meter.reading_due_on,
    }


def invoice_data(invoice, customer):
    return {
        "invoiceNumber": invoice.invoice_number,
        "customerNumber": customer.customer_number,
        "contractNumber": invoice.contract.contract_number if invoice.contract else None,
        "periodStart": invoice.period_start,
        "periodEnd": invoice.period_end,
        "issuedOn": invoice.issued_on,
        "amountRappen": invoice.amount_rappen,
        "dueOn": invoice.due_on,
        "status": invoice.status,
        "paidOn": invoice.paid_on,
        "qrReference": invoice.qr_reference,
        "hasPdf": bool(invoice.pdf),
    }


def read_problems():
    """401/429 as everywhere, 404, and 403 for an application that may not read utility records."""
    found = {
        **problems(404),
        (403, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description="The application may not read the record type `utility_records`."
        ),
    }
    return dict(sorted(found.items()))


class UtilityApiView(ApiView):
    """Writes need write permission (checked by ApiView), reads need read permission on "utility_records"."""

    record_type = RECORD_TYPE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and not self.application.may_read(RECORD_TYPE):
            raise Problem(403, "insufficient-scope", f"This application may not read records of type '{RECORD_TYPE}'.")

    def forget_idempotency(self):
        """Keep no stored answer: a retry with the same Idempotency-Key runs again."""
        if self._idempotency_record is not None:
            self._idempotency_record.delete()
            self._idempotency_record = None


class UtilityRecordsView(UtilityApiView):
    """Bulk upsert of customers, contracts, meters and invoices."""

    audit_action = "utility_records.upsert"
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="utility_records_upsert",
        summary="Create or update utility customers, contracts, meters and invoices in bulk (idempotent)",
        description=(
            "Every row is the complete state of its record (optional fields left out take their defaults); records "
            "are matched by their numbers and never deleted. Rows may refer to records of the same body or to "
            "stored ones; a contract, meter or invoice never moves to another customer. The whole body is checked "
            "first: any invalid row refuses the batch with `400 validation-error`, each error naming its row by a "
            f"JSON `pointer`. At most {MAX_ROWS} rows per list. The same body twice changes nothing the second "
            "time. Whether and by whom a customer account is linked is the portal's and never changed here."
        ),
        request=UtilityRecordsUpsertSerializer,
        responses={200: UtilityRecordsResultSerializer, **write_problems()},
        examples=[OpenApiExample("A customer with an electricity contract", value=EXAMPLE, request_only=True)],
        tags=TAGS,
    )
    def post(self, request):
        body = UtilityRecordsUpsertSerializer(data=request.data)
        if not body.is_valid():
            errors = with_pointers(field_errors(body.errors))
            raise invalid(errors, f"The request has {len(errors)} invalid field(s); see errors.")
        data = body.validated_data
        self.set_audit_subject("utility_records", f"{sum(len(data.get(name, [])) for name in sync.SECTIONS)} rows")
        try:
            result = sync.upsert(data)
        except sync.UtilityRecordsInvalid as error:
            raise invalid(error.errors, f"{len(error.errors)} row(s) are invalid; nothing was written.") from error
        except IntegrityError as error:
            # Another batch created the same record at the same moment. Nothing was written; the answer is not
            # kept for the Idempotency-Key, so a retry with the same key runs the batch again.
            logger.warning("utility records upsert collided with a concurrent change: %s", error)
            self.forget_idempotency()
            raise Problem(
                409, "concurrent-update", "The records changed while this batch was written; send it again."
            ) from error
        return Response(UtilityRecordsResultSerializer(result).data)


class UtilityCustomerView(UtilityApiView):
    """One customer account as the portal holds it, for the billing application to check."""

    audit_action = "utility_customer.read"

    @extend_schema(
        operation_id="utility_customers_retrieve",
        summary="A utility customer with contracts, meters and open invoices",
        description=(
            "Needs read permission on `utility_records`. `linked` says whether the customer has linked the "
            "account to a portal account; who linked it is never disclosed."
        ),
        responses={200: UtilityCustomerSerializer, **read_problems()},
        examples=[OpenApiExample("A linked customer", value=CUSTOMER_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request, customer_number):
        number = linking.normalise_number(customer_number)
        self.set_audit_subject("utility_customer", number)
        customers = UtilityCustomer.objects.prefetch_related(
            Prefetch("contracts", queryset=Contract.objects.order_by("contract_number")),
            Prefetch("meters", queryset=Meter.objects.select_related("contract").order_by("meter_number")),
            Prefetch(
                "invoices",
                queryset=Invoice.objects.filter(status=Invoice.Status.OPEN)
                .select_related("contract")
                .order_by("due_on", "invoice_number"),
                to_attr="open_invoices",
            ),
        )
        customer = get_object_or_404(customers, customer_number=number)
        return Response(UtilityCustomerSerializer(customer_data(customer)).data)


class DocumentUploadView(UtilityApiView):
    """Multipart with `file`: a PDF, checked by its content, replacing the previous document."""

    parser_classes = [MultiPartParser, FormParser]

    def checked_pdf(self, request):
        body = UtilityDocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            validate_upload(upload, allowed=("pdf",))
        except ValidationError as error:
            status, code = UPLOAD_PROBLEMS.get(error.code, (400, "invalid-file"))
            detail = " ".join(error.messages)
            raise Problem(
                status, code, detail, errors=[{"field": "file", "detail": detail, "code": error.code}]
            ) from error
        return upload


class InvoicePdfView(DocumentUploadView):
    audit_action = "utility_invoice.pdf"

    @extend_schema(
        operation_id="utility_invoices_pdf_update",
        summary="Upload the PDF of an invoice (replaces the previous one)",
        request={"multipart/form-data": UtilityDocumentUploadSerializer},
        responses={200: UtilityInvoiceSerializer, **write_problems(413, 415)},
        tags=TAGS,
    )
    def put(self, request, invoice_number):
        self.set_audit_subject("utility_invoice", invoice_number)
        invoice = get_object_or_404(
            Invoice.objects.select_related("customer", "contract"), invoice_number=invoice_number
        )
        sync.replace_invoice_pdf(invoice, self.checked_pdf(request))
        return Response(UtilityInvoiceSerializer(invoice_data(invoice, invoice.customer)).data)


class ContractTermsView(DocumentUploadView):
    audit_action = "utility_contract.terms"

    @extend_schema(
        operation_id="utility_contracts_terms_update",
        summary="Upload the terms document of a contract (replaces the previous one)",
        request={"multipart/form-data": UtilityDocumentUploadSerializer},
        responses={200: UtilityContractSerializer, **write_problems(413, 415)},
        tags=TAGS,
    )
    def put(self, request, contract_number):
        self.set_audit_subject("utility_contract", contract_number)
        contract = get_object_or_404(Contract.objects.select_related("customer"), contract_number=contract_number)
        sync.replace_terms_document(contract, self.checked_pdf(request))
        return Response(UtilityContractSerializer(contract_data(contract, contract.customer)).data)


class ActivationCodeView(UtilityApiView):
    """A new one-time code for the letter to the customer; the previous code stops working.

    The code is in this response only: the portal keeps a hash. An Idempotency-Key is not honoured here
    (its stored response would keep the code): a repeated call simply issues a new code.
    """

    audit_action = "utility_customer.activation_code"
    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.forget_idempotency()

    @extend_schema(
        operation_id="utility_customers_activation_code_create",
        summary="Issue a new activation code for the letter to the customer",
        description="The customer links the account with the customer number and this code in the portal.",
        request=tax_serializers.ActivationCodeRequestSerializer,
        responses={
            201: OpenApiResponse(tax_serializers.ActivationCodeSerializer, description="The code, shown this once."),
            **write_problems(),
        },
        tags=TAGS,
    )
    def post(self, request, customer_number):
        number = linking.normalise_number(customer_number)
        self.set_audit_subject("utility_customer", number)
        customer = get_object_or_404(UtilityCustomer, customer_number=number)
        body = tax_serializers.ActivationCodeRequestSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        code = linking.set_activation_code(customer, valid_days=body.validated_data["validDays"])
        data = tax_serializers.ActivationCodeSerializer(
            {"activationCode": code, "validUntil": customer.activation_code_expires_at}
        ).data
        response = Response(data, status=201)
        response["Cache-Control"] = "no-store"
        return response

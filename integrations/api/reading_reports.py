"""Meter readings reported by customers, fetched by the id a `meter_reading.reported` event named (or a page at a time).

The event carries ids only (DESIGN.md section 6): the report id and the meter number. The billing application
fetches the report here with its token; every endpoint needs read permission on the record type "meter_readings"
(a token without it answers 403 insufficient-scope, an unknown id 404). The photo is downloaded separately.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from utilities.models import ReadingReport
from utilities.report_forms import photo_content_type

from .base import ApiView
from .cases_views import PassThroughNegotiation
from .paging import id_page
from .problems import PROBLEM_CONTENT_TYPE, Problem
from .schema import problems
from .serializers import ProblemSerializer

RECORD_TYPE = "meter_readings"
TAGS = ["meter readings"]
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ReadingReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The report's id (`data.reportId` of the `meter_reading.reported` event).")
    meterNumber = serializers.CharField(help_text="The meter number as the billing application sent it.")
    customerNumber = serializers.CharField(help_text="The customer account the meter belongs to.")
    unit = serializers.CharField(help_text="`kWh`, `m3` or `MWh`.")
    readOn = serializers.DateField(help_text="The day the customer read the meter (stored at 12:00 Europe/Zurich).")
    value = serializers.DecimalField(
        max_digits=15, decimal_places=3, help_text="The register value the display showed, as a decimal string."
    )
    meterChanged = serializers.BooleanField(
        help_text="The customer says the meter was replaced since the last reading."
    )
    warning = serializers.CharField(
        allow_null=True,
        help_text="What the plausibility check said and the customer confirmed; null if the reading looked usual.",
    )
    comment = serializers.CharField(help_text="The customer's comment; may be empty.")
    photo = serializers.URLField(
        required=False, help_text="Where to download the photo of the meter display; omitted if there is none."
    )
    reportedAt = serializers.DateTimeField()


class ReadingReportListQuerySerializer(serializers.Serializer):
    meter = serializers.CharField(required=False, help_text="Only the reports of this meter number.")
    after = serializers.IntegerField(required=False, min_value=0, help_text="The `next` cursor of the previous page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


class ReadingReportListSerializer(serializers.Serializer):
    results = ReadingReportSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Pass as `after` for the next page; null on the last.")


def report_data(report, request):
    data = {
        "id": report.pk,
        "meterNumber": report.meter.meter_number,
        "customerNumber": report.meter.customer.customer_number,
        "unit": report.meter.unit,
        "readOn": report.read_on,
        "value": report.value,
        "meterChanged": report.meter_changed,
        "warning": report.warning or None,
        "comment": report.comment,
        "reportedAt": report.created_at,
    }
    if report.photo:
        data["photo"] = request.build_absolute_uri(reverse("api:meter_reading_report_photo", kwargs={"pk": report.pk}))
    return data


REPORT_EXAMPLE = {
    "id": 311,
    "meterNumber": "W-2001",
    "customerNumber": "100200",
    "unit": "m3",
    "readOn": "2026-11-27",
    "value": "1310.500",
    "meterChanged": False,
    "warning": "We expected about 1’400 m³ (about 100 m³ used since the last reading of 1’300 m³ on 20.08.2026); …",
    "comment": "Away for three months",
    "photo": "https://portal.musterwil.example/api/v1/meter-reading-reports/311/photo",
    "reportedAt": "2026-11-27T18:02:11.123456Z",
}


def read_problems(*status_codes):
    """401/429 as everywhere, 404 (or `status_codes`), and 403 for an application that may not read readings."""
    found = {
        **problems(*(status_codes or (404,))),
        (403, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description="The application may not read the record type `meter_readings`."
        ),
    }
    return dict(sorted(found.items()))


def _reports():
    return ReadingReport.objects.select_related("meter__customer")


class ReadingReportApiView(ApiView):
    """Reads only; the read permission on "meter_readings" is checked before anything is looked up."""

    subject_type = ""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.set_audit_subject(self.subject_type, kwargs.get("pk", ""))
        if not self.application.may_read(RECORD_TYPE):
            raise Problem(403, "insufficient-scope", f"This application may not read records of type '{RECORD_TYPE}'.")


class ReadingReportListView(ReadingReportApiView):
    """Every reported reading, a page at a time."""

    audit_action = "meter_reading_reports.list"

    @extend_schema(
        operation_id="meter_reading_reports_list",
        summary="Readings reported by customers, oldest first, a page at a time",
        description=(
            "Needs read permission on `meter_readings`. Oldest first; page with `after` = the `next` of the previous "
            "page; `meter` keeps one meter's reports. For a first synchronisation or to catch up; afterwards follow "
            "the `meter_reading.reported` events and fetch single reports."
        ),
        parameters=[ReadingReportListQuerySerializer],
        responses={200: ReadingReportListSerializer, **read_problems(400)},
        tags=TAGS,
    )
    def get(self, request):
        query = ReadingReportListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = _reports()
        if params.get("meter"):
            found = found.filter(meter__meter_number=params["meter"])
        data = id_page(found, params.get("after"), params["limit"], lambda record: report_data(record, request))
        return Response(ReadingReportListSerializer(data).data)


class ReadingReportView(ReadingReportApiView):
    """One reported reading, by the id of its `meter_reading.reported` event."""

    audit_action = "meter_reading_report.read"
    subject_type = "meter_reading_report"

    @extend_schema(
        operation_id="meter_reading_reports_retrieve",
        summary="A reading a customer reported for a manual meter",
        description=(
            "Needs read permission on `meter_readings`. The `id` is `data.reportId` of the `meter_reading.reported` "
            "event. The reading is already stored as the meter's value of that day (source: reported by the customer)."
        ),
        responses={200: ReadingReportSerializer, **read_problems()},
        examples=[OpenApiExample("Confirmed although unusual", value=REPORT_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request, pk):
        report = get_object_or_404(_reports(), pk=pk)
        return Response(ReadingReportSerializer(report_data(report, request)).data)


class ReadingReportPhotoView(ReadingReportApiView):
    """The photo of the meter display, as the customer uploaded it."""

    audit_action = "meter_reading_report.photo"
    subject_type = "meter_reading_report"
    content_negotiation_class = PassThroughNegotiation

    @extend_schema(
        operation_id="meter_reading_reports_photo",
        summary="Download the photo of a reported reading",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The image; Content-Type is `image/jpeg`, `image/png` or `image/webp`."
            ),
            **read_problems(),
        },
        tags=TAGS,
    )
    def get(self, request, pk):
        report = get_object_or_404(ReadingReport.objects.exclude(photo=""), pk=pk)
        try:
            handle = report.photo.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404("The photo of this report is no longer available.") from error
        filename = report.photo.name.rsplit("/", 1)[-1]
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=photo_content_type(filename)
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

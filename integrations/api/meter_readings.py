"""The meter readings endpoint: the utility's metering application delivers register values in bulk.

`POST /api/v1/meter-readings` needs write permission on the record type "meter_readings" (otherwise 403
insufficient-scope, checked by ApiView). Only the envelope is checked here; the rows go as parsed to
`utilities.readings_import.import_readings`, which checks each in plain Python (a serializer per row would take
longer than writing it) and refuses the whole batch if any row is invalid: a 400 problem whose `errors` name each
row by a JSON pointer, and nothing is written. A request carries up to 50,000 readings.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from utilities.readings_import import ReadingsInvalid, import_readings

from .base import ApiView
from .problems import Problem
from .schema import write_problems

RECORD_TYPE = "meter_readings"
TAGS = ["meter readings"]
MAX_ROWS = 50_000


def inline_enum(values, **kwargs):
    """A string out of `values`, documented inline: no shared enum component whose name other fields could take."""
    field_class = extend_schema_field({"allOf": [{"type": "string", "enum": list(values)}]})(
        type("InlineEnumField", (serializers.CharField,), {})
    )
    return field_class(**kwargs)


class MeterReadingRowSerializer(serializers.Serializer):
    """Documents one row; the rows are checked by utilities.readings_import, not by this serializer."""

    meter = serializers.CharField(max_length=40, help_text="The meter number, e.g. `E-1001`.")
    register = inline_enum(
        ["import", "export"],
        required=False,
        default="import",
        help_text="`import`: energy taken from the grid (default); `export`: fed into it (only a meter with feed-in).",
    )
    timestamp = serializers.DateTimeField(
        help_text="ISO 8601 with a UTC offset, e.g. `2026-01-01T00:15:00+01:00`; without an offset it is refused."
    )
    value = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=0,
        help_text="What the register shows (cumulative, not the consumption of the interval); a string or a number.",
    )
    source = inline_enum(
        ["smart", "self_reported", "estimated", "billing"],
        required=False,
        default="smart",
        help_text="Where the value comes from (default `smart`).",
    )


class MeterReadingsUpsertSerializer(serializers.Serializer):
    readings = MeterReadingRowSerializer(
        many=True, max_length=MAX_ROWS, help_text=f"At most {MAX_ROWS:,} readings; each meter + register + time once."
    )


class MeterReadingsResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Readings that were new.")
    updated = serializers.IntegerField(help_text="Readings whose value or source changed.")
    unchanged = serializers.IntegerField(help_text="Readings already stored with the same value and source.")


EXAMPLE = {
    "readings": [
        {"meter": "E-1001", "timestamp": "2026-01-01T00:00:00+01:00", "value": "15234.125"},
        {"meter": "E-1001", "timestamp": "2026-01-01T00:15:00+01:00", "value": "15234.370"},
        {"meter": "E-1001", "register": "export", "timestamp": "2026-01-01T00:15:00+01:00", "value": "812.004"},
        {"meter": "W-2001", "timestamp": "2025-12-31T09:30:00Z", "value": "1311", "source": "billing"},
    ]
}


def invalid(detail, errors):
    return Problem(400, "validation-error", detail, errors=errors)


def readings_of(data):
    """The list of rows from the body, or a 400 problem if the envelope is not {"readings": [...]}."""
    rows = data.get("readings") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        detail = "A list of readings is required."
        error = {"field": "readings", "pointer": "#/readings", "detail": detail, "code": "required"}
        raise invalid(detail, [error])
    if len(rows) > MAX_ROWS:
        detail = f"At most {MAX_ROWS:,} readings per request; split the batch."
        error = {"field": "readings", "pointer": "#/readings", "detail": detail, "code": "max_length"}
        raise invalid(detail, [error])
    return rows


class MeterReadingsView(ApiView):
    """Bulk upsert of meter readings (register values), idempotent per meter + register + time."""

    record_type = RECORD_TYPE
    audit_action = "meter_readings.upsert"
    parser_classes = [JSONParser]

    def handle_exception(self, exc):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when the JSON parser (or the idempotency check
        # before the view) first reads it: that is the client's batch being too large, not a server error.
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            exc = Problem(
                413, "payload-too-large", f"The body exceeds {limit:,} bytes; send fewer readings per request."
            )
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="meter_readings_upsert",
        summary="Create or update meter readings in bulk (idempotent)",
        description=(
            "Each reading is a register value (what the meter shows) of one meter, register and time. A reading "
            "already stored with the same value and source is left as it is, another value or source replaces it; "
            "nothing is deleted. The whole batch is checked first: any invalid row (unknown meter, feed-in on a "
            "meter without it, a time without UTC offset, a negative value or one with more than 3 decimals, the "
            "same reading twice) refuses the batch with `400 validation-error`, each error naming its row by a "
            f"JSON `pointer` (the first 100 are listed). At most {MAX_ROWS:,} readings per request; a body larger "
            "than the portal accepts is `413`. The same body twice changes nothing the second time."
        ),
        request=MeterReadingsUpsertSerializer,
        responses={200: MeterReadingsResultSerializer, **write_problems(413)},
        examples=[OpenApiExample("Smart meter with feed-in, and a water meter", value=EXAMPLE, request_only=True)],
        tags=TAGS,
    )
    def post(self, request):
        rows = readings_of(request.data)
        self.set_audit_subject("meter_readings", f"{len(rows)} readings")
        try:
            result = import_readings(rows)
        except ReadingsInvalid as error:
            detail = f"{error.total} row error(s); nothing was written."
            raise invalid(detail, error.errors) from error
        return Response(MeterReadingsResultSerializer(result).data)

"""Bulk import of meter readings from the utility's metering application: checked as a whole, then upserted.

A batch is a list of plain rows (parsed JSON): `{"meter": "E-1001", "register": "import", "timestamp":
"2026-01-01T00:15:00+01:00", "value": "1234.567", "source": "smart"}`. Every row is checked in plain Python first
(a serializer per row would cost more than the database write); any error refuses the whole batch with
`ReadingsInvalid` and nothing is written. A valid batch is written per meter + register + timestamp: a new
reading is created, a different value or source updates it, the same reading again changes nothing. The same
reading twice in one batch is refused (its two values could differ, and neither would be "the" value).

On PostgreSQL each chunk of rows is ONE statement: the columns travel as five arrays and are unnested into an
INSERT … ON CONFLICT DO UPDATE that skips unchanged rows and tells created from updated rows by `xmax`. Elsewhere
(SQLite) the existing readings of the chunk are read first to count, then `bulk_create(update_conflicts=True)`.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from .models import Meter, MeterReading, ReadingSource, Register

CHUNK = 10_000
MAX_ERRORS = 100
FIELDS = frozenset({"meter", "register", "timestamp", "value", "source"})
IMPORT = Register.IMPORT.value
REGISTERS = {"import": Register.IMPORT.value, "export": Register.EXPORT.value}
SOURCES = {
    "smart": ReadingSource.SMART.value,
    "self_reported": ReadingSource.SELF_REPORTED.value,
    "estimated": ReadingSource.ESTIMATED.value,
    "billing": ReadingSource.BILLING.value,
}
# MeterReading.value has 15 digits, 3 of them decimals.
VALUE_LIMIT = Decimal(10) ** 12
THOUSANDTH = Decimal("0.001")
# Far-off years are typing errors, and the edges of datetime's range would overflow when converted to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# Meter numbers per look-up query: one query for any real batch, and within SQLite's limit of bound variables.
LOOKUP_CHUNK = 10_000

UPSERT_SQL = """
WITH written AS (
    INSERT INTO utilities_meterreading AS t (meter_id, register, "timestamp", value, source)
    SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::text[]::timestamptz[], %s::numeric[], %s::smallint[])
    ON CONFLICT (meter_id, register, "timestamp") DO UPDATE
        SET value = EXCLUDED.value, source = EXCLUDED.source
        WHERE (t.value, t.source) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source)
    RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written
"""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other):
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


class ReadingsInvalid(Exception):
    """The batch was refused as a whole; `errors` names each bad row (field, pointer, detail, code)."""

    def __init__(self, errors, total=None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(f"{self.total} invalid row(s)")


def row_error(index, field, detail, code):
    parts = ("readings", index, field) if field else ("readings", index)
    return {
        "field": ".".join(str(part) for part in parts),
        "pointer": "#/" + "/".join(str(part) for part in parts),
        "detail": detail,
        "code": code,
    }


def import_readings(rows, *, default_source=ReadingSource.SMART):
    """Check every row, then create or update the readings; returns an ImportResult or raises ReadingsInvalid."""
    columns = parse_rows(rows, default_source=int(default_source))
    result = ImportResult()
    write = _write_postgresql if connection.vendor == "postgresql" else _write_portable
    with transaction.atomic():
        for start in range(0, len(columns[0]), CHUNK):
            result.add(write(*(column[start : start + CHUNK] for column in columns)))
    return result


def parse_rows(rows, *, default_source=ReadingSource.SMART.value):
    """Rows → five columns (meter ids, registers, timestamps, values, sources); raises ReadingsInvalid."""
    meters = _meters_by_number(rows)
    errors = []
    meter_ids, registers, timestamps, values, sources = [], [], [], [], []
    seen = {}
    # The loop runs once per reading (35,040 a year per meter): everything in it is a local name and a dict lookup.
    fromisoformat, decimal, is_dict = datetime.datetime.fromisoformat, Decimal, dict
    for index, row in enumerate(rows):
        if type(row) is not is_dict:
            errors.append(row_error(index, "", "Each reading must be an object.", "invalid"))
            continue
        if not FIELDS.issuperset(row):
            for field in sorted(set(row) - FIELDS):
                errors.append(row_error(index, field, "Unknown field.", "unknown-field"))
            continue
        failed = len(errors)

        number = row.get("meter")
        meter = meters.get(number) if type(number) is str else None
        if meter is None:
            errors.append(_meter_error(index, number))

        register = row.get("register")
        register = IMPORT if register is None else REGISTERS.get(register) if type(register) is str else None
        if register is None:
            errors.append(row_error(index, "register", 'Must be "import" or "export".', "invalid-choice"))
        elif register == Register.EXPORT and meter is not None and not meter[1]:
            errors.append(row_error(index, "register", "This meter does not measure feed-in.", "no-export-register"))

        timestamp = row.get("timestamp")
        try:
            timestamp = fromisoformat(timestamp)
        except (TypeError, ValueError):
            timestamp = None
            errors.append(
                row_error(index, "timestamp", "Must be an ISO 8601 date and time with a UTC offset.", "invalid")
            )
        else:
            if timestamp.tzinfo is None:
                errors.append(
                    row_error(index, "timestamp", "Needs a UTC offset, e.g. +01:00 or Z.", "timestamp-without-offset")
                )
            elif not FIRST_YEAR <= timestamp.year <= LAST_YEAR:
                errors.append(row_error(index, "timestamp", "Not a plausible time of a reading.", "out-of-range"))

        value = _value(row.get("value"), decimal)
        if value is None:
            errors.append(
                row_error(index, "value", "Must be a number from 0 with at most 3 decimals (below 10^12).", "invalid")
            )

        source = row.get("source")
        source = default_source if source is None else SOURCES.get(source) if type(source) is str else None
        if source is None:
            errors.append(
                row_error(index, "source", 'Must be "smart", "self_reported", "estimated" or "billing".', "invalid")
            )

        if len(errors) > failed:
            continue
        key = (meter[0], register, timestamp)
        first = seen.setdefault(key, index)
        if first != index:
            errors.append(row_error(index, "timestamp", f"Same reading as row {first}.", "duplicate-reading"))
            continue
        meter_ids.append(meter[0])
        registers.append(register)
        timestamps.append(timestamp)
        values.append(value)
        sources.append(source)
    if errors:
        raise ReadingsInvalid(errors[:MAX_ERRORS], total=len(errors))
    return meter_ids, registers, timestamps, values, sources


def _meters_by_number(rows):
    """{meter number: (id, has_export)} for every number the batch names (one query unless it names thousands)."""
    numbers = {row.get("meter") for row in rows if type(row) is dict}
    numbers = sorted(number for number in numbers if type(number) is str and number)
    found = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        meters = Meter.objects.filter(meter_number__in=numbers[start : start + LOOKUP_CHUNK])
        found.update(
            (number, (pk, has_export))
            for number, pk, has_export in meters.values_list("meter_number", "id", "has_export")
        )
    return found


def _meter_error(index, number):
    if type(number) is not str or not number:
        return row_error(index, "meter", "The meter number is required.", "required")
    return row_error(index, "meter", f"There is no meter {number[:40]!r}.", "unknown-meter")


def _value(raw, decimal):
    """A register value as Decimal, or None if it is not a plain number ≥ 0 with at most 3 decimals."""
    if type(raw) is str:
        try:
            value = decimal(raw)
        except InvalidOperation:
            return None
    elif type(raw) is int:
        value = decimal(raw)
    elif type(raw) is float:
        value = decimal(repr(raw))  # the digits the sender wrote, not the binary float's expansion
    else:
        return None
    if not value.is_finite() or value < 0 or value >= VALUE_LIMIT:
        return None
    if value.as_tuple().exponent < -3 and value != value.quantize(THOUSANDTH):
        return None
    return value


def _write_postgresql(meter_ids, registers, timestamps, values, sources):
    # Timestamps travel as ISO text: psycopg dumps an aware datetime several times slower than isoformat() plus
    # PostgreSQL's own parsing. A psycopg cursor of its own binds the arrays server-side in binary, where Django's
    # cursor would render them into the SQL text (a 400 kB statement per chunk).
    import psycopg  # only installations on PostgreSQL need the driver

    stamps = [timestamp.isoformat() for timestamp in timestamps]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(UPSERT_SQL, [meter_ids, registers, stamps, values, sources], binary=True)
        created, updated = cursor.fetchone()
    return ImportResult(created, updated, len(meter_ids) - created - updated)


def _write_portable(meter_ids, registers, timestamps, values, sources):
    existing = _existing(meter_ids, timestamps)
    created = updated = 0
    changed = []
    for meter_id, register, timestamp, value, source in zip(
        meter_ids, registers, timestamps, values, sources, strict=True
    ):
        before = existing.get((meter_id, register, timestamp))
        if before is None:
            created += 1
        elif before != (value, source):
            updated += 1
        else:
            continue
        changed.append(
            MeterReading(meter_id=meter_id, register=register, timestamp=timestamp, value=value, source=source)
        )
    MeterReading.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["meter", "register", "timestamp"],
        update_fields=["value", "source"],
    )
    return ImportResult(created, updated, len(meter_ids) - created - updated)


def _existing(meter_ids, timestamps):
    """{(meter id, register, timestamp): (value, source)} of the stored readings the chunk may touch."""
    if not meter_ids:
        return {}
    stored = MeterReading.objects.filter(
        meter_id__in=set(meter_ids), timestamp__gte=min(timestamps), timestamp__lte=max(timestamps)
    ).values_list("meter_id", "register", "timestamp", "value", "source")
    return {(meter_id, register, timestamp): (value, source) for meter_id, register, timestamp, value, source in stored}

"""Bulk import of meter readings: counts, stored values, refused batches with pointers, on SQLite and PostgreSQL.

Run the PostgreSQL path with e.g. (pytest-django creates the database test_gp_h2)
DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_h2 .venv/bin/pytest -q tests/utilities/test_readings_import.py
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from utilities import readings_import
from utilities.models import MeterReading, ReadingSource, Register
from utilities.readings_import import ReadingsInvalid, import_readings

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def quarter_hours(meter, count, *, start="2026-03-01T00:00:00+01:00", first=Decimal("100.000"), **extra):
    """`count` rows 15 minutes apart, each 0.25 kWh above the one before, as the API hands them over (strings)."""
    moment = datetime.datetime.fromisoformat(start)
    return [
        {
            "meter": meter,
            "timestamp": (moment + datetime.timedelta(minutes=15 * step)).isoformat(),
            "value": str(first + Decimal("0.25") * step),
            **extra,
        }
        for step in range(count)
    ]


def stored(meter, register=Register.IMPORT):
    return list(
        MeterReading.objects.filter(meter=meter, register=register)
        .order_by("timestamp")
        .values_list("timestamp", "value", "source")
    )


def counts(result):
    return (result.created, result.updated, result.unchanged)


def test_new_readings_are_stored_as_sent_and_the_same_batch_again_changes_nothing(utility_world):
    smart = utility_world["smart"]
    rows = quarter_hours("E-1001", 8)

    assert counts(import_readings(rows)) == (8, 0, 0)
    assert counts(import_readings(rows)) == (0, 0, 8)

    first = datetime.datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # 2026-03-01 00:00 at +01:00
    assert stored(smart) == [
        (
            first + datetime.timedelta(minutes=15 * step),
            Decimal("100.000") + Decimal("0.25") * step,
            ReadingSource.SMART,
        )
        for step in range(8)
    ]


def test_a_changed_value_or_source_updates_and_the_rest_stays(utility_world):
    smart = utility_world["smart"]
    import_readings(quarter_hours("E-1001", 6))
    again = quarter_hours("E-1001", 8)  # two more at the end
    again[1]["value"] = "100.300"
    again[2]["source"] = "estimated"

    assert counts(import_readings(again)) == (2, 2, 4)

    values = stored(smart)
    assert len(values) == 8
    assert values[1][1:] == (Decimal("100.300"), ReadingSource.SMART)
    assert values[2][1:] == (Decimal("100.500"), ReadingSource.ESTIMATED)


def test_a_batch_larger_than_a_chunk_is_written_chunk_by_chunk(utility_world, monkeypatch):
    monkeypatch.setattr(readings_import, "CHUNK", 7)
    rows = quarter_hours("E-1001", 30)
    import_readings(rows[:10])

    assert counts(import_readings(rows)) == (20, 0, 10)
    assert MeterReading.objects.filter(meter=utility_world["smart"]).count() == 30


def test_registers_sources_numbers_and_offsets(utility_world):
    smart, water = utility_world["smart"], utility_world["manual"]
    rows = [
        {"meter": "E-1001", "register": "export", "timestamp": "2026-06-01T12:00:00+02:00", "value": 812.004},
        {"meter": "E-1001", "register": "import", "timestamp": "2026-06-01T10:00:00Z", "value": "15234.1"},
        {"meter": "W-2001", "timestamp": "2025-12-31T09:30:00+01:00", "value": 1311, "source": "billing"},
        {"meter": "W-2001", "timestamp": "2026-06-30T18:00:00+02:00", "value": "1400.000", "source": "self_reported"},
    ]

    assert counts(import_readings(rows, default_source=ReadingSource.ESTIMATED)) == (4, 0, 0)

    noon = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert stored(smart, Register.EXPORT) == [(noon, Decimal("812.004"), ReadingSource.ESTIMATED)]
    assert stored(smart, Register.IMPORT) == [(noon, Decimal("15234.100"), ReadingSource.ESTIMATED)]
    assert stored(water) == [
        (datetime.datetime(2025, 12, 31, 8, 30, tzinfo=UTC), Decimal("1311.000"), ReadingSource.BILLING),
        (datetime.datetime(2026, 6, 30, 16, 0, tzinfo=UTC), Decimal("1400.000"), ReadingSource.SELF_REPORTED),
    ]


def test_every_bad_row_is_named_by_its_pointer_and_nothing_is_written(utility_world):
    rows = quarter_hours("E-1001", 13)
    rows[1]["meter"] = "E-9999"
    rows[2]["timestamp"] = "2026-03-01T00:30:00"
    rows[3]["timestamp"] = "yesterday"
    rows[4]["value"] = "-1"
    rows[5]["value"] = "100.0001"
    rows[6]["register"] = "both"
    rows[7]["source"] = "guessed"
    rows[8]["unit"] = "kWh"
    rows[9] = ["E-1001", "2026-03-01T02:15:00+01:00", "1"]
    rows[10]["value"] = True
    del rows[11]["meter"]
    rows[12]["timestamp"] = "0001-01-01T00:00:00+05:00"

    with pytest.raises(ReadingsInvalid) as refused:
        import_readings(rows)

    errors = {error["pointer"]: error["code"] for error in refused.value.errors}
    assert errors == {
        "#/readings/1/meter": "unknown-meter",
        "#/readings/2/timestamp": "timestamp-without-offset",
        "#/readings/3/timestamp": "invalid",
        "#/readings/4/value": "invalid",
        "#/readings/5/value": "invalid",
        "#/readings/6/register": "invalid-choice",
        "#/readings/7/source": "invalid",
        "#/readings/8/unit": "unknown-field",
        "#/readings/9": "invalid",
        "#/readings/10/value": "invalid",
        "#/readings/11/meter": "required",
        "#/readings/12/timestamp": "out-of-range",
    }
    assert refused.value.errors[0]["field"] == "readings.1.meter"
    assert "E-9999" in refused.value.errors[0]["detail"]
    assert not MeterReading.objects.exists()


def test_feed_in_is_refused_for_a_meter_without_it(utility_world):
    rows = [
        {"meter": "E-3001", "register": "export", "timestamp": "2026-06-01T12:00:00+02:00", "value": "1.000"},
        {"meter": "E-3001", "timestamp": "2026-06-01T12:00:00+02:00", "value": "2.000"},
    ]

    with pytest.raises(ReadingsInvalid) as refused:
        import_readings(rows)

    assert [(error["pointer"], error["code"]) for error in refused.value.errors] == [
        ("#/readings/0/register", "no-export-register")
    ]
    assert not MeterReading.objects.exists()


def test_the_same_reading_twice_in_a_batch_is_refused_even_in_another_offset(utility_world):
    rows = quarter_hours("E-1001", 3)
    rows.append({"meter": "E-1001", "timestamp": "2026-02-28T23:15:00Z", "value": "100.250"})  # = row 1

    with pytest.raises(ReadingsInvalid) as refused:
        import_readings(rows)

    assert [(error["pointer"], error["detail"]) for error in refused.value.errors] == [
        ("#/readings/3/timestamp", "Same reading as row 1.")
    ]
    assert not MeterReading.objects.exists()


def test_a_batch_full_of_errors_lists_the_first_hundred_and_counts_all(utility_world):
    rows = quarter_hours("E-0000", 250)

    with pytest.raises(ReadingsInvalid) as refused:
        import_readings(rows)

    assert len(refused.value.errors) == 100
    assert refused.value.total == 250


def test_postgresql_writes_each_chunk_in_one_statement(utility_world, monkeypatch):
    if connection.vendor != "postgresql":
        reason = "the single-statement upsert (unnest … ON CONFLICT) is PostgreSQL's; set DATABASE_URL"
        print(f"\nSKIPPING: {reason}")
        pytest.skip(reason)
    monkeypatch.setattr(readings_import, "_write_portable", None)  # the portable path must not run
    statements = []
    real = readings_import._write_postgresql
    monkeypatch.setattr(readings_import, "_write_postgresql", lambda *columns: statements.append(1) or real(*columns))
    monkeypatch.setattr(readings_import, "CHUNK", 10)
    rows = quarter_hours("E-1001", 25) + quarter_hours("E-1001", 5, register="export")
    import_readings(rows[:12])
    rows[0]["value"] = "99.000"

    assert counts(import_readings(rows)) == (18, 1, 11)
    assert len(statements) == 2 + 3
    assert stored(utility_world["smart"])[0][1] == Decimal("99.000")
    assert len(stored(utility_world["smart"], Register.EXPORT)) == 5

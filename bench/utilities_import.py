"""Bench: bulk import of 15-minute meter readings through `import_readings`, against PostgreSQL `COPY` of the same rows.

    .venv/bin/python bench/utilities_import.py [--meters 1000] [--days 365] [--keep]
        [--server postgres://postgres@127.0.0.1:5432] [--database gp_bench_utilities]

Creates a throwaway PostgreSQL database, migrates it and creates `--meters` smart meters, then, for the same
`--meters` × `--days` × 96 rows (in chunks of 10,000, as the API receives them: parsed JSON objects with strings):
  import – `utilities.readings_import.import_readings(rows)` per chunk into the empty table (one transaction each);
  again  – the first chunks once more: every row unchanged (what a retried delivery costs);
  COPY   – the table truncated, then the same rows with `COPY … FROM STDIN` (text format, rendered before timing).
Reports rows/s of both and their ratio (budget, DESIGN.md §10: import ≥ 30 % of COPY) on stdout and in
bench/results/utilities_import.json. The database is dropped at the end unless --keep. See bench/README.md.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402 — after the path set-up, like the imports below

CHUNK = 10_000
ZURICH = ZoneInfo("Europe/Zurich")
TABLE = "utilities_meterreading"
COPY_SQL = f'COPY {TABLE} (meter_id, register, "timestamp", value, source) FROM STDIN'
# A household's quarter hour: more by day than by night, in Wh so values stay exact with 3 decimals.
PROFILE_WH = [40 + (60 if 28 <= quarter < 88 else 0) + (quarter % 7) * 5 for quarter in range(96)]


def throwaway_database(server, name):
    """Create the database `name` on `server` (dropped first if a kept run left it) and point Django at it."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


def release_database(args):
    """Drop the bench's database, or say where it is with --keep."""
    if args.keep:
        print(f"kept database {args.database} ({args.server}/{args.database})", file=sys.stderr)
        return
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def save_result(name, result):
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")


def make_meters(count, *, prefix="B"):
    """`count` smart electricity meters of one bench customer; returns [(id, meter number)]."""
    from utilities.models import Meter, UtilityCustomer

    customer, _created = UtilityCustomer.objects.get_or_create(customer_number=f"{prefix}-BENCH", name="Bench")
    Meter.objects.bulk_create(
        Meter(customer=customer, meter_number=f"{prefix}-{number:06d}", medium="electricity", unit="kWh")
        for number in range(count)
    )
    return list(Meter.objects.filter(customer=customer).order_by("id").values_list("id", "meter_number"))


def quarter_hours(start, days):
    """Aware local times of every quarter hour of `days` days from local midnight of `start` (DST included)."""
    first = datetime.datetime.combine(start, datetime.time(), tzinfo=ZURICH).astimezone(datetime.UTC)
    return [(first + datetime.timedelta(minutes=15 * step)).astimezone(ZURICH) for step in range(days * 96)]


def cumulative_wh(count, offset):
    """Register values in Wh for `count` quarter hours: the meter's display starting at `offset`."""
    values, total = [], offset
    for step in range(count):
        total += PROFILE_WH[step % 96]
        values.append(total)
    return values


def render_value(wh):
    return f"{wh // 1000}.{wh % 1000:03d}"


def api_chunks(meters, times):
    """Chunks of CHUNK rows as the API hands them to import_readings (parsed JSON), meter after meter."""
    stamps = [moment.isoformat() for moment in times]
    chunk = []
    for position, (_meter_id, number) in enumerate(meters):
        for stamp, wh in zip(stamps, cumulative_wh(len(times), 1_000_000 * position), strict=True):
            chunk.append({"meter": number, "register": "import", "timestamp": stamp, "value": render_value(wh)})
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def copy_chunks(meters, times):
    """The same rows as COPY text (meter id, register, timestamp, value, source), in chunks of CHUNK rows."""
    stamps = [moment.isoformat() for moment in times]
    lines = []
    for position, (meter_id, _number) in enumerate(meters):
        prefix = f"{meter_id}\t1\t"
        for stamp, wh in zip(stamps, cumulative_wh(len(times), 1_000_000 * position), strict=True):
            lines.append(f"{prefix}{stamp}\t{render_value(wh)}\t1\n")
            if len(lines) == CHUNK:
                yield "".join(lines).encode()
                lines = []
    if lines:
        yield "".join(lines).encode()


def checkpoint():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def table_rows():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608 — our own table name
        return cursor.fetchone()[0]


def run_import(meters, times, progress):
    from utilities.readings_import import ImportResult, import_readings

    total, seconds, parse_seconds, sample = ImportResult(), 0.0, 0.0, []
    for number, chunk in enumerate(api_chunks(meters, times)):
        if number == 0:
            body = json.dumps({"readings": chunk})
            before = time.perf_counter()
            json.loads(body)
            parse_seconds = time.perf_counter() - before
            sample = chunk
        before = time.perf_counter()
        total.add(import_readings(chunk))
        seconds += time.perf_counter() - before
        progress(number)
    return total, seconds, parse_seconds, sample


def run_reimport(meters, times, chunks):
    from utilities.readings_import import ImportResult, import_readings

    total, seconds = ImportResult(), 0.0
    for number, chunk in enumerate(api_chunks(meters, times)):
        if number == chunks:
            break
        before = time.perf_counter()
        total.add(import_readings(chunk))
        seconds += time.perf_counter() - before
    return total, seconds


def run_copy(meters, times, progress):
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    checkpoint()
    seconds, rows = 0.0, 0
    for number, data in enumerate(copy_chunks(meters, times)):
        before = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
            copy.write(data)
        seconds += time.perf_counter() - before
        rows += data.count(b"\n")
        progress(number)
    return rows, seconds


def progress_printer(total_chunks, label):
    every = max(1, total_chunks // 20)
    started = time.perf_counter()

    def report(number):
        if (number + 1) % every == 0 or number + 1 == total_chunks:
            elapsed = time.perf_counter() - started
            print(f"  {label}: {number + 1}/{total_chunks} chunks, {elapsed:.0f} s", file=sys.stderr)

    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=1000, help="smart meters (default 1000)")
    parser.add_argument("--days", type=int, default=365, help="days of 15-minute readings per meter (default 365)")
    parser.add_argument("--start", type=datetime.date.fromisoformat, default=datetime.date(2025, 1, 1))
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="gp_bench_utilities", help="name of the throwaway database")
    parser.add_argument("--again", type=int, default=5, help="chunks imported a second time (unchanged rows)")
    parser.add_argument("--keep", action="store_true", help="keep the database (with the COPY-loaded rows)")
    args = parser.parse_args(argv)

    print(f"database {args.database}: creating and migrating …", file=sys.stderr)
    migrate_seconds = throwaway_database(args.server, args.database)
    try:
        from django.db import connection

        meters = make_meters(args.meters)
        times = quarter_hours(args.start, args.days)
        rows = len(meters) * len(times)
        chunks = -(-rows // CHUNK)
        print(f"{rows:,} rows in {chunks} chunks of {CHUNK:,}", file=sys.stderr)

        checkpoint()
        imported, import_seconds, parse_seconds, sample = run_import(
            meters, times, progress_printer(chunks, "import_readings")
        )
        stored = table_rows()
        again, again_seconds = run_reimport(meters, times, min(args.again, chunks))
        copied, copy_seconds = run_copy(meters, times, progress_printer(chunks, "COPY"))
        copied_stored = table_rows()

        import_rate, copy_rate = rows / import_seconds, copied / copy_seconds
        again_rows = again.created + again.updated + again.unchanged
        result = {
            "database": f"PostgreSQL {connection.pg_version // 10000}",
            "meters": len(meters),
            "days": args.days,
            "rows": rows,
            "chunk": CHUNK,
            "migrate_s": round(migrate_seconds, 1),
            "import": {
                "seconds": round(import_seconds, 2),
                "rows_per_s": round(import_rate),
                "created": imported.created,
                "updated": imported.updated,
                "unchanged": imported.unchanged,
                "stored": stored,
            },
            "json_parse_per_chunk_ms": round(parse_seconds * 1000, 1),
            "import_with_json_parse_rows_per_s": round(rows / (import_seconds + parse_seconds * chunks)),
            "again": {
                "rows": again_rows,
                "unchanged": again.unchanged,
                "rows_per_s": round(again_rows / again_seconds) if again_seconds else None,
            },
            "copy": {"seconds": round(copy_seconds, 2), "rows_per_s": round(copy_rate), "stored": copied_stored},
            "ratio_import_to_copy": round(import_rate / copy_rate, 3),
            "ratio_with_json_parse_to_copy": round(rows / (import_seconds + parse_seconds * chunks) / copy_rate, 3),
            "budget": "import >= 0.30 of COPY",
            "sample_row": sample[0] if sample else None,
        }
        assert stored == rows == copied_stored, (stored, rows, copied_stored)
        assert imported.created == rows and again.unchanged == again_rows, (imported, again)
        report(result)
    finally:
        release_database(args)


def report(result):
    save_result("utilities_import", result)
    within = "within budget" if result["ratio_import_to_copy"] >= 0.30 else "OVER BUDGET"
    print(
        f"Meter reading import bench: {result['meters']:,} meters × {result['days']} days × 96 = "
        f"{result['rows']:,} rows, chunks of {result['chunk']:,}, {result['database']}"
    )
    print(f"{'':36}{'rows':>12}{'seconds':>10}{'rows/s':>11}")
    print(
        f"{'import_readings (new rows)':36}{result['rows']:>12,}{result['import']['seconds']:>10.1f}"
        f"{result['import']['rows_per_s']:>11,}"
    )
    again = result["again"]
    if again["rows"]:
        print(f"{'import_readings (same rows again)':36}{again['rows']:>12,}{'':>10}{again['rows_per_s']:>11,}")
    print(
        f"{'COPY FROM STDIN (text)':36}{result['rows']:>12,}{result['copy']['seconds']:>10.1f}"
        f"{result['copy']['rows_per_s']:>11,}"
    )
    print()
    print(f"ratio, import / COPY:                 {result['ratio_import_to_copy']:.2f} ({within}: ≥ 0.30)")
    print(
        f"ratio with the JSON parse of the body: {result['ratio_with_json_parse_to_copy']:.2f} "
        f"(json.loads of one {result['chunk']:,}-row body: {result['json_parse_per_chunk_ms']} ms)"
    )
    full_rows = 1000 * 365 * 96
    print(
        f"estimate for 1,000 meters × 365 days ({full_rows:,} rows): import ≈ "
        f"{full_rows / result['import']['rows_per_s'] / 60:.0f} min, COPY ≈ "
        f"{full_rows / result['copy']['rows_per_s'] / 60:.0f} min"
    )


if __name__ == "__main__":
    main()

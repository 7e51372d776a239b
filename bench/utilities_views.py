"""Bench: database time of each consumption view (day, month, year; with and without last year) of one smart meter.

    .venv/bin/python bench/utilities_views.py [--years 3] [--other-meters 20] [--runs 15] [--keep]
        [--server postgres://postgres@127.0.0.1:5432] [--database gp_bench_utilities_views]

Creates a throwaway PostgreSQL database, loads `--years` years of 15-minute readings of one meter through
`import_readings` (105,216 rows for 3 years) and one year of `--other-meters` other meters with COPY (so the index
holds more than the one meter), runs ANALYZE, then for each view calls `utilities.consumption.series(...)` for the
last day, month and year of the data, captures its SQL and runs it with EXPLAIN ANALYZE `--runs` times.
Reports the median planning + execution time per view (budget, DESIGN.md §10: the 3-year meter's monthly and
yearly chart ≤ 50 ms database time), the median wall time of the whole `series()` call, and the number of
queries, on stdout and in bench/results/utilities_views.json. The database is dropped at the end unless --keep.
"""

import argparse
import datetime
import json
import statistics
import sys
import time

from utilities_import import (
    COPY_SQL,
    api_chunks,
    copy_chunks,
    make_meters,
    quarter_hours,
    release_database,
    save_result,
    throwaway_database,
)

BUDGET_MS = 50.0
VIEWS = [(period, compare) for period in ("day", "month", "year") for compare in (False, True)]


def load(meter, others, start, years):
    from django.db import connection, transaction

    from utilities.readings_import import import_readings

    days = (start.replace(year=start.year + years) - start).days
    rows, before = 0, time.perf_counter()
    for chunk in api_chunks([(meter.pk, meter.meter_number)], quarter_hours(start, days)):
        rows += import_readings(chunk).created
    import_seconds = time.perf_counter() - before
    last_year = quarter_hours(start.replace(year=start.year + years - 1), 365)
    other_rows = 0
    for data in copy_chunks(others, last_year):
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
            copy.write(data)
        other_rows += data.count(b"\n")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE utilities_meterreading")
    return rows, import_seconds, other_rows, start + datetime.timedelta(days=days - 1)


def explain_ms(sql):
    """Planning + execution time of one statement as PostgreSQL measures it (EXPLAIN ANALYZE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    return plan["Planning Time"] + plan["Execution Time"]


def measure(meter, period, compare, day, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from utilities.consumption import series

    with CaptureQueriesContext(connection) as captured:
        result = series(meter, period=period, day=day, compare=compare)
    statements = [query["sql"] for query in captured.captured_queries]
    database, wall = [], []
    for _run in range(runs):
        database.append(sum(explain_ms(sql) for sql in statements))
        before = time.perf_counter()
        series(meter, period=period, day=day, compare=compare)
        wall.append((time.perf_counter() - before) * 1000)
    return {
        "view": period,
        "compare": compare,
        "bars": len(result.bars),
        "bars_with_value": sum(bar.value is not None for bar in result.bars),
        "queries": len(statements),
        "db_ms_median": round(statistics.median(database), 2),
        "db_ms_max": round(max(database), 2),
        "series_ms_median": round(statistics.median(wall), 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=3, help="years of readings of the measured meter (default 3)")
    parser.add_argument("--other-meters", type=int, default=20, help="meters with one year of readings besides it")
    parser.add_argument("--start", type=datetime.date.fromisoformat, default=datetime.date(2023, 1, 1))
    parser.add_argument("--runs", type=int, default=15, help="EXPLAIN ANALYZE runs per view (default 15)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="gp_bench_utilities_views", help="name of the throwaway database")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    print(f"database {args.database}: creating and migrating …", file=sys.stderr)
    throwaway_database(args.server, args.database)
    try:
        from utilities.models import Meter

        print("loading readings …", file=sys.stderr)
        (meter_id, _number), *others = make_meters(1 + args.other_meters)
        meter = Meter.objects.get(pk=meter_id)
        rows, import_seconds, other_rows, last_day = load(meter, others, args.start, args.years)
        # The newest whole day, month and year of the data; "compare" reads the year before as well.
        days = {"day": last_day, "month": last_day.replace(day=15), "year": last_day.replace(month=6, day=15)}
        views = [measure(meter, period, compare, days[period], args.runs) for period, compare in VIEWS]
        result = {
            "meter_rows": rows,
            "years": args.years,
            "other_meters": args.other_meters,
            "other_rows": other_rows,
            "import_s": round(import_seconds, 2),
            "runs": args.runs,
            "budget_ms": BUDGET_MS,
            "views": views,
        }
        report(result)
    finally:
        release_database(args)


def report(result):
    save_result("utilities_views", result)
    print(
        f"Consumption view bench: one meter with {result['years']} years ({result['meter_rows']:,} readings, imported "
        f"in {result['import_s']} s) among {result['other_rows']:,} readings of {result['other_meters']} other meters"
    )
    print(f"{'view':24}{'bars':>6}{'queries':>9}{'db ms p50':>11}{'db ms max':>11}{'series() ms':>13}")
    for view in result["views"]:
        name = f"{view['view']}{' + last year' if view['compare'] else ''}"
        print(
            f"{name:24}{view['bars']:>6}{view['queries']:>9}{view['db_ms_median']:>11.2f}{view['db_ms_max']:>11.2f}"
            f"{view['series_ms_median']:>13.2f}"
        )
    charts = [view for view in result["views"] if view["view"] in ("month", "year")]
    worst = max(view["db_ms_median"] for view in charts)
    within = "within budget" if worst <= result["budget_ms"] else "OVER BUDGET"
    print(f"\nslowest monthly/yearly view: {worst:.2f} ms database time ({within}: ≤ {result['budget_ms']:.0f} ms)")


if __name__ == "__main__":
    main()

"""Consumption per day, month and year from register values: the numbers, the gaps, the clock changes, the cost."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.utilities.conftest import add_profile
from utilities import chart, consumption
from utilities.consumption import local_midnight
from utilities.models import Meter, MeterReading, ReadingSource, Register

pytestmark = pytest.mark.django_db

QUARTER = Decimal("0.250")  # add_profile's default: 24 kWh a day


def reading(meter, moment, value, register=Register.IMPORT, source=ReadingSource.SMART):
    return MeterReading.objects.create(
        meter=meter, register=register, timestamp=moment, value=Decimal(value), source=source
    )


def utc_midnight(day):
    return local_midnight(day).astimezone(datetime.UTC)


def test_values_at_reads_the_value_at_or_before_each_moment_in_one_query(utility_world, django_assert_num_queries):
    meter = utility_world["smart"]
    start = local_midnight(datetime.date(2025, 3, 1))
    add_profile(meter, start, 1)
    moments = [
        start - datetime.timedelta(minutes=1),
        start,
        start + datetime.timedelta(minutes=20),
        start + datetime.timedelta(days=3),
    ]
    with django_assert_num_queries(1):
        found = consumption.values_at(meter, Register.IMPORT, moments)
    assert found[0] == (None, None)
    assert found[1] == (Decimal("0.000"), start)
    assert found[2] == (QUARTER, start + datetime.timedelta(minutes=15))
    assert found[3] == (Decimal("24.000"), start + datetime.timedelta(days=1))


def test_month_bars_are_the_daily_consumption_with_totals_and_average(utility_world, django_assert_num_queries):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(datetime.date(2025, 3, 1)), 10)
    with django_assert_num_queries(1):
        result = consumption.series(meter, period="month", day=datetime.date(2025, 3, 15))
    assert len(result.bars) == 31
    assert [bar.value for bar in result.bars[:10]] == [Decimal("24.000")] * 10
    assert all(bar.value is None for bar in result.bars[10:])
    assert result.total == Decimal("240.000")
    assert result.average == Decimal("24.000")
    assert result.has_data
    assert result.unit == "kWh"
    assert result.label == "March 2025"
    assert result.prev_date == datetime.date(2025, 2, 1)
    assert result.next_date == datetime.date(2025, 4, 1)


def test_a_day_has_96_quarter_hours_and_92_or_100_when_the_clocks_change(utility_world):
    meter = utility_world["smart"]
    # Steps in real time (UTC): local wall-clock arithmetic would repeat or skip the changed hour.
    add_profile(meter, utc_midnight(datetime.date(2025, 3, 29)), 3)  # clocks go forward on 30 March 2025
    add_profile(meter, utc_midnight(datetime.date(2025, 10, 25)), 3, first_value=1000)  # back on 26 October

    normal = consumption.series(meter, period="day", day=datetime.date(2025, 3, 29))
    spring = consumption.series(meter, period="day", day=datetime.date(2025, 3, 30))
    autumn = consumption.series(meter, period="day", day=datetime.date(2025, 10, 26))

    assert [len(normal.bars), len(spring.bars), len(autumn.bars)] == [96, 92, 100]
    assert normal.total == Decimal("24.000")
    assert spring.total == Decimal("23.000")
    assert autumn.total == Decimal("25.000")
    assert all(bar.value == QUARTER for bar in autumn.bars)
    assert spring.bars[8].label == "03:00"  # 02:00 to 03:00 does not exist that night
    repeated = [bar.title for bar in autumn.bars if bar.label == "02:00"]
    assert repeated == ["02:00–02:15 CEST", "02:00–02:15 CET"]


def test_year_bars_are_months(utility_world):
    meter = utility_world["smart"]
    start = local_midnight(datetime.date(2025, 1, 1))
    reading(meter, start, "100")
    reading(meter, local_midnight(datetime.date(2025, 2, 1)), "400")
    reading(meter, local_midnight(datetime.date(2025, 3, 1)), "650")
    result = consumption.series(meter, period="year", day=datetime.date(2025, 6, 1))
    assert len(result.bars) == 12
    assert [bar.value for bar in result.bars[:3]] == [Decimal("300.000"), Decimal("250.000"), None]
    assert result.total == Decimal("550.000")
    assert result.average == Decimal("275.000")
    assert result.label == "2025"


def test_gaps_and_meter_changes_leave_bars_unknown_instead_of_wrong(utility_world):
    meter = utility_world["smart"]
    day = datetime.date(2025, 5, 1)
    reading(meter, local_midnight(day), "10")
    reading(meter, local_midnight(day + datetime.timedelta(days=1)), "20")  # day 1: 10
    # nothing read on day 2 and 3, the next value comes at the end of day 4: the gap is not counted on day 4
    reading(meter, local_midnight(day + datetime.timedelta(days=4)), "60")
    reading(meter, local_midnight(day + datetime.timedelta(days=5)), "70")  # day 5: 10
    reading(meter, local_midnight(day + datetime.timedelta(days=6)), "3")  # replaced meter: negative difference
    result = consumption.series(meter, period="month", day=day)
    assert [bar.value for bar in result.bars[:7]] == [
        Decimal("10.000"),
        None,
        None,
        None,
        Decimal("10.000"),
        None,
        None,
    ]
    assert result.total == Decimal("20.000")
    assert result.average == Decimal("10.000")


def test_no_readings_means_no_data(utility_world):
    result = consumption.series(utility_world["smart"], period="month", day=datetime.date(2025, 5, 1))
    assert not result.has_data
    assert result.total is None
    assert result.average is None


def test_compare_adds_the_same_bars_one_year_earlier_in_the_same_query(utility_world, django_assert_num_queries):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(datetime.date(2024, 6, 1)), 3, kwh_per_quarter=Decimal("0.500"))
    add_profile(meter, local_midnight(datetime.date(2025, 6, 1)), 2, first_value=5000)
    with django_assert_num_queries(1):
        result = consumption.series(meter, period="month", day=datetime.date(2025, 6, 10), compare=True)
    assert [(bar.value, bar.previous) for bar in result.bars[:4]] == [
        (Decimal("24.000"), Decimal("48.000")),
        (Decimal("24.000"), Decimal("48.000")),
        (None, Decimal("48.000")),
        (None, None),
    ]
    assert result.total == Decimal("48.000")
    assert result.previous_total == Decimal("144.000")
    assert result.previous_average == Decimal("48.000")
    assert not result.is_running


def test_a_running_month_compares_with_last_year_up_to_the_same_point(utility_world):
    meter = utility_world["smart"]
    today = timezone.localdate()
    start = today.replace(day=1)
    last_year = start.replace(year=start.year - 1)
    add_profile(meter, local_midnight(last_year), 28, kwh_per_quarter=Decimal("0.500"))  # 48 kWh a day
    result = consumption.series(meter, period="month", day=today, compare=True)
    assert result.is_running
    days_begun = (today - start).days + 1
    assert result.previous_total_so_far == Decimal("48.000") * min(days_begun, 28)
    assert result.previous_total == Decimal("48.000") * 28


def test_compare_in_the_day_view_follows_the_wall_clock(utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(datetime.date(2024, 7, 1)), 1, kwh_per_quarter=Decimal("0.100"))
    add_profile(meter, local_midnight(datetime.date(2025, 7, 1)), 1, first_value=100)
    result = consumption.series(meter, period="day", day=datetime.date(2025, 7, 1), compare=True)
    assert len(result.bars) == 96
    assert all(bar.value == QUARTER and bar.previous == Decimal("0.100") for bar in result.bars)
    assert result.previous_total == Decimal("9.600")


def test_leap_day_compares_with_28_february(utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(datetime.date(2027, 2, 28)), 1)
    add_profile(meter, local_midnight(datetime.date(2028, 2, 29)), 1, first_value=1000)
    result = consumption.series(meter, period="day", day=datetime.date(2028, 2, 29), compare=True)
    assert result.total == Decimal("24.000")
    assert result.previous_total == Decimal("24.000")


def test_export_register_is_separate(utility_world):
    meter = utility_world["smart"]
    start = local_midnight(datetime.date(2025, 6, 1))
    add_profile(meter, start, 1)
    add_profile(meter, start, 1, register=Register.EXPORT, kwh_per_quarter=Decimal("0.125"))
    imported = consumption.series(meter, Register.IMPORT, period="day", day=datetime.date(2025, 6, 1))
    exported = consumption.series(meter, Register.EXPORT, period="day", day=datetime.date(2025, 6, 1))
    assert imported.total == Decimal("24.000")
    assert exported.total == Decimal("12.000")
    assert exported.register_label == "Feed-in"


def test_period_total_is_one_query(utility_world, django_assert_num_queries):
    meter = utility_world["smart"]
    start = local_midnight(datetime.date(2025, 6, 1))
    add_profile(meter, start, 5)
    with django_assert_num_queries(1):
        total = consumption.period_total(meter, Register.IMPORT, start, start + datetime.timedelta(days=3))
    assert total == Decimal("72.000")
    assert consumption.period_total(meter, Register.IMPORT, start - datetime.timedelta(days=3), start) is None


def test_period_totals_of_several_meters_in_one_query(utility_world, django_assert_num_queries):
    start = local_midnight(datetime.date(2025, 6, 1))
    add_profile(utility_world["smart"], start, 2)
    add_profile(utility_world["meter_b"], start, 2, kwh_per_quarter=Decimal("0.5"))
    meters = Meter.objects.filter(medium="electricity")
    with django_assert_num_queries(1):
        totals = consumption.period_totals(meters, Register.IMPORT, start, start + datetime.timedelta(days=1))
    assert totals == {
        utility_world["smart"].pk: Decimal("24.000"),
        utility_world["meter_b"].pk: Decimal("48.000"),
        utility_world["meter_c"].pk: None,
    }


def test_csv_rows_have_a_header_and_one_row_per_bar(utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(datetime.date(2025, 6, 1)), 1)
    rows = consumption.csv_rows(consumption.series(meter, period="month", day=datetime.date(2025, 6, 1), compare=True))
    assert rows[0] == ["Start", "End", "Consumption", "Unit", "Previous year"]
    assert rows[1] == ["2025-06-01T00:00:00+02:00", "2025-06-02T00:00:00+02:00", "24.000", "kWh", ""]
    assert rows[2][2] == ""
    assert len(rows) == 31


def test_reading_intervals_of_a_manual_meter(utility_world, django_assert_num_queries):
    meter = utility_world["manual"]
    first = local_midnight(datetime.date(2025, 1, 1))
    reading(meter, first, "1000.000", source=ReadingSource.BILLING)
    reading(meter, first + datetime.timedelta(days=100), "1050.000", source=ReadingSource.SELF_REPORTED)
    reading(meter, first + datetime.timedelta(days=200), "1150.000", source=ReadingSource.SELF_REPORTED)
    reading(meter, first + datetime.timedelta(days=210), "5.000", source=ReadingSource.BILLING)  # new meter
    with django_assert_num_queries(1):
        intervals = consumption.reading_intervals(meter)
    assert [interval.reading.value for interval in intervals] == [
        Decimal("5.000"),
        Decimal("1150.000"),
        Decimal("1050.000"),
        Decimal("1000.000"),
    ]
    assert [interval.consumption for interval in intervals] == [None, Decimal("100.000"), Decimal("50.000"), None]
    assert intervals[1].per_day == Decimal("1.000")
    assert intervals[2].per_day == Decimal("0.500")
    assert intervals[2].days == 100
    assert intervals[3].since is None and intervals[3].per_day is None


def test_chart_scales_to_a_round_maximum():
    assert [chart.nice_maximum(value) for value in (0, Decimal("0.37"), 24, 48, 230, 1000)] == [
        1,
        Decimal("0.5"),
        Decimal("25"),
        Decimal("50"),
        Decimal("250"),
        Decimal("1000"),
    ]


def test_chart_is_a_labelled_image_with_escaped_text(utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(datetime.date(2025, 6, 1)), 2)
    result = consumption.series(meter, period="month", day=datetime.date(2025, 6, 1), compare=True)
    result.label = "<script>June</script>"
    svg = str(chart.consumption_chart(result, chart_id="c1"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<script>" not in svg and "&lt;script&gt;June&lt;/script&gt;" in svg
    assert svg.count('class="chart-bar"') == 2
    assert "28 bars without data." in svg
    assert "c1-hatch" in svg  # the previous year's pattern, here for the legend only


def test_chart_without_data_says_so(utility_world):
    result = consumption.series(utility_world["smart"], period="year", day=datetime.date(2025, 6, 1))
    svg = str(chart.consumption_chart(result))
    assert "No readings for 2025." in svg
    assert 'class="chart-bar"' not in svg

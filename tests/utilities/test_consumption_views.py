"""Consumption pages: who may open them, what a person sees (chart, table, switchers) and what the CSV holds."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.utilities.conftest import ROLES, add_profile, login
from utilities.consumption import local_midnight, month_bounds
from utilities.models import MeterReading, ReadingSource, Register

pytestmark = pytest.mark.django_db

# (meter key, url name, who gets 200)
ACCESS = [
    ("smart", "meter", "holder"),
    ("manual", "meter", "holder"),
    ("smart", "meter_csv", "holder"),
    ("meter_b", "meter", "other_holder"),
    ("meter_b", "meter_csv", "other_holder"),
    ("meter_c", "meter", "org_owner"),
    ("meter_c", "meter_csv", "org_owner"),
]
DAY = datetime.date(2025, 6, 1)


def url(world, key, name="meter", **params):
    path = reverse(f"utilities:{name}", args=[world[key].pk])
    if params:
        path += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return path


@pytest.mark.parametrize("role", ROLES)
def test_only_the_holder_opens_a_meter_everyone_else_gets_404(client, utility_world, role):
    login(client, utility_world, role)
    for key, name, allowed in ACCESS:
        response = client.get(url(utility_world, key, name))
        if role == "anonymous":
            assert response.status_code == 302, (key, name)
            assert "/auth/login/" in response["Location"]
        else:
            assert response.status_code == (200 if role == allowed else 404), (key, name, role)


def test_month_page_shows_chart_table_totals_and_links(client, utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(DAY), 3)
    login(client, utility_world, "holder")
    response = client.get(url(utility_world, "smart", period="month", date="2025-06-15"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Meter E-1001" in page and "Keller" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="consumption-chart"' in page
    assert 'role="img"' in page and '<title id="consumption-chart-title">Consumption, June 2025, in kWh</title>' in page
    assert "72.00 kWh in total. Average per day with data: 24.00 kWh." in page  # the chart's description
    assert '<th scope="row">Average per day with data</th><td>24.00</td>' in page
    assert "<caption>Consumption June 2025 in kWh</caption>" in page
    assert page.count('<th scope="row"><time') == 30
    assert "<td>24.00</td>" in page
    assert "Compare with the previous year" in page
    assert "period=day&amp;date=2025-06-15&amp;register=import" in page
    assert "period=month&amp;date=2025-05-01&amp;register=import" in page  # earlier
    assert "period=month&amp;date=2025-07-01&amp;register=import" in page  # later
    assert reverse("utilities:meter_csv", args=[meter.pk]) in page


def test_switching_to_day_and_year(client, utility_world):
    add_profile(utility_world["smart"], local_midnight(DAY), 2)
    login(client, utility_world, "holder")
    day = client.get(url(utility_world, "smart", period="day", date="2025-06-01")).content.decode()
    assert day.count('<th scope="row"><time') == 96
    assert "00:00–00:15" in day and "<td>0.250</td>" in day
    year = client.get(url(utility_world, "smart", period="year", date="2025-06-01")).content.decode()
    assert year.count('<th scope="row"><time') == 12
    assert "June 2025" in year and "<td>48.00</td>" in year


def test_compare_shows_the_previous_year_column_and_hatched_bars(client, utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(DAY - datetime.timedelta(days=365)), 1, kwh_per_quarter=Decimal("0.500"))
    add_profile(meter, local_midnight(DAY), 1, first_value=5000)
    login(client, utility_world, "holder")
    page = client.get(url(utility_world, "smart", period="month", date="2025-06-01", compare=1)).content.decode()
    assert '<th scope="col">Previous year (kWh)</th>' in page
    assert "<td>24.00</td>" in page and "<td>48.00</td>" in page
    assert 'class="chart-previous"' in page and "consumption-chart-hatch" in page
    assert "Hide the previous year" in page


def test_feed_in_is_shown_separately(client, utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(DAY), 1)
    add_profile(meter, local_midnight(DAY), 1, register=Register.EXPORT, kwh_per_quarter=Decimal("0.125"))
    login(client, utility_world, "holder")
    consumption_page = client.get(url(utility_world, "smart", date="2025-06-01")).content.decode()
    feed_in_page = client.get(url(utility_world, "smart", date="2025-06-01", register="export")).content.decode()
    assert "register=export" in consumption_page and "Feed-in" in consumption_page
    assert "<caption>Consumption June 2025 in kWh</caption>" in consumption_page
    assert "<td>24.00</td>" in consumption_page
    assert "<caption>Feed-in June 2025 in kWh</caption>" in feed_in_page
    assert "<td>12.00</td>" in feed_in_page and "<td>24.00</td>" not in feed_in_page


def test_bad_parameters_fall_back_with_a_message(client, utility_world):
    login(client, utility_world, "holder")
    meter_b_page = client.get(url(utility_world, "meter_b", period="week"))
    assert meter_b_page.status_code == 404
    response = client.get(url(utility_world, "smart", period="week", date="2025-13-45", register="gas"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The period “week” is unknown; showing a month." in page
    assert "The date is not valid; showing the current period." in page
    assert "This meter has no such register; showing the consumption." in page
    assert f"There are no readings for {timezone.localdate():%B %Y}." in page


def test_a_meter_without_feed_in_has_no_export_register(client, utility_world):
    login(client, utility_world, "other_holder")
    page = client.get(url(utility_world, "meter_b", register="export")).content.decode()
    assert "This meter has no such register; showing the consumption." in page
    assert "consumption-registers" not in page


def test_csv_equals_the_database(client, utility_world):
    meter = utility_world["smart"]
    add_profile(meter, local_midnight(DAY), 3, kwh_per_quarter=Decimal("0.375"))
    login(client, utility_world, "holder")
    response = client.get(url(utility_world, "smart", "meter_csv", period="month", date="2025-06-10"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="E-1001_import_2025-06-01_2025-06-30.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Start", "End", "Consumption", "Unit"]
    assert len(rows) == 31
    stored = {
        reading.timestamp: reading.value
        for reading in MeterReading.objects.filter(meter=meter, register=Register.IMPORT)
    }
    for start, end, value, unit in rows[1:4]:
        begin, finish = datetime.datetime.fromisoformat(start), datetime.datetime.fromisoformat(end)
        assert Decimal(value) == stored[finish] - stored[begin]
        assert unit == "kWh"
    assert [row[2] for row in rows[4:]] == [""] * 27


def test_manual_meter_shows_reading_intervals(client, utility_world):
    meter = utility_world["manual"]
    first = local_midnight(datetime.date(2025, 1, 10))
    for days, value in ((0, "500.000"), (100, "550.000")):
        MeterReading.objects.create(
            meter=meter,
            register=Register.IMPORT,
            timestamp=first + datetime.timedelta(days=days),
            value=Decimal(value),
            source=ReadingSource.SELF_REPORTED,
        )
    login(client, utility_world, "holder")
    page = client.get(url(utility_world, "manual")).content.decode()
    assert "Readings of meter W-2001 in m³, newest first" in page
    assert "20.04.2025" in page and "10.01.2025" in page
    assert "<td>50.000</td>" in page and "<td>0.500</td>" in page
    assert "<svg" not in page
    assert client.get(url(utility_world, "manual", "meter_csv")).status_code == 404


def test_medium_page_lists_the_contexts_meters_with_last_months_consumption(client, utility_world):
    meter = utility_world["smart"]
    this_month, _end = month_bounds(timezone.localdate())
    last_month, _end = month_bounds(this_month.date() - datetime.timedelta(days=1))
    # Steps in real time from UTC: a local start would repeat the hour the clocks go back.
    add_profile(meter, last_month.astimezone(datetime.UTC), 33)
    stored = MeterReading.objects.filter(meter=meter, register=Register.IMPORT)
    expected = stored.get(timestamp=this_month).value - stored.get(timestamp=last_month).value
    login(client, utility_world, "holder")
    page = client.get(reverse("utilities:medium", args=["electricity"])).content.decode()
    assert "E-1001" in page and "E-3001" not in page and "E-4001" not in page
    assert f"Consumption {last_month:%B %Y}</th>" in page
    assert f"<td>{expected:,.2f} kWh</td>".replace(",", "’") in page
    assert reverse("utilities:meter", args=[utility_world["smart"].pk]) in page
    assert client.get(reverse("utilities:medium", args=["steam"])).status_code == 404

    client.logout()
    login(client, utility_world, "org_owner")
    page = client.get(reverse("utilities:medium", args=["electricity"])).content.decode()
    assert "E-4001" in page and "E-1001" not in page


def test_page_query_count_does_not_grow_with_readings_or_bars(client, utility_world):
    add_profile(utility_world["smart"], local_midnight(DAY), 20)
    login(client, utility_world, "holder")
    client.get(url(utility_world, "smart"))  # the first request of a session writes its bookkeeping rows
    counts = []
    for period in ("day", "month", "year"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(utility_world, "smart", period=period, date="2025-06-01", compare=1))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2] <= 15  # DESIGN.md section 10

"""The "Energy and water" section of the account dashboard: consumption against last year, open invoices, the next
reading due, and who sees the section at all."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from account.acting_context import ActingContext
from utilities import consumption, dashboard
from utilities.models import Meter, Register

from .conftest import add_profile, login

DASHBOARD = "/en/account/"


def local(*parts):
    return datetime.datetime(*parts, tzinfo=consumption.local_zone())


def section(client):
    page = client.get(DASHBOARD).content.decode()
    if 'id="dashboard-utilities"' not in page:
        return None
    start = page.index('id="dashboard-utilities"')
    return page[start : page.index("</section>", start)]


def context_for(person):
    request = RequestFactory().get(DASHBOARD)
    request.user = person
    request.acting_context = ActingContext(user=person)
    return dashboard.dashboard_context(request)


def test_consumption_this_month_so_far_is_compared_with_the_same_days_last_year(utility_world):
    smart = utility_world["smart"]
    add_profile(smart, local(2026, 3, 1), 10, kwh_per_quarter=Decimal("0.250"), first_value=5000)
    add_profile(smart, local(2025, 3, 1), 10, kwh_per_quarter=Decimal("0.200"), first_value=1000)
    # The feed-in register is not consumption and must not count.
    add_profile(smart, local(2026, 3, 1), 10, register=Register.EXPORT, kwh_per_quarter=Decimal("1.000"))

    (usage,) = dashboard.usage_by_medium([smart], local(2026, 3, 10, 12, 0))

    # Nine days and a half: 9 × 96 + 48 quarters.
    assert usage.medium == "Electricity" and usage.unit == "kWh"
    assert usage.current == Decimal("228.000")
    assert usage.previous == Decimal("182.400")
    assert usage.change_percent == 25


def test_a_medium_without_last_year_s_data_says_so_instead_of_a_half_sum(utility_world):
    smart = utility_world["smart"]
    second = Meter.objects.create(
        customer=utility_world["customer_a"], meter_number="E-1002", medium="electricity", unit="kWh"
    )
    add_profile(smart, local(2026, 3, 1), 3)
    add_profile(second, local(2026, 3, 1), 3)
    add_profile(smart, local(2025, 3, 1), 3)

    (usage,) = dashboard.usage_by_medium([smart, second], local(2026, 3, 3))

    assert usage.current == Decimal("96.000")  # 2 meters × 2 days × 96 × 0.25 kWh
    assert usage.previous is None and usage.change_percent is None


def test_the_same_days_last_year_of_a_leap_day(utility_world):
    (start, end), (last_start, last_end) = dashboard.month_so_far(local(2028, 2, 29, 8, 0))
    assert start == local(2028, 2, 1) and end == local(2028, 2, 29, 8, 0)
    assert last_start == local(2027, 2, 1) and last_end == local(2027, 2, 28, 8, 0)


def test_the_section_shows_open_invoices_and_the_next_reading(client, utility_world):
    login(client, utility_world, "holder")
    shown = section(client)
    assert shown is not None and "Energy and water" in shown
    due = utility_world["open_invoice"].due_on.strftime("%d.%m.%Y")
    assert "1 invoice, CHF 312.85" in shown and f"next due {due}" in shown
    reading_due = utility_world["manual"].reading_due_on.strftime("%d.%m.%Y")
    assert f"{reading_due}, meter W-2001" in shown
    assert "Consumption this month so far" in shown and "Electricity" in shown


def test_the_section_is_hidden_for_people_without_a_customer_account(client, utility_world):
    for role in ("stranger", "org_member"):
        client.logout()
        login(client, utility_world, role)
        assert section(client) is None, role
    assert context_for(utility_world["stranger"]) is None


def test_an_organisation_s_owner_acting_personally_is_pointed_to_the_other_context(client, utility_world):
    client.force_login(utility_world["org_owner"])
    shown = section(client)
    assert "Switch the context" in shown and "CHF" not in shown
    login(client, utility_world, "org_owner")
    assert "None open" in section(client)


@pytest.mark.parametrize("extra_meters", [0, 3])
def test_the_section_costs_a_bounded_number_of_queries(utility_world, extra_meters):
    for index in range(extra_meters):
        Meter.objects.create(
            customer=utility_world["customer_a"], meter_number=f"E-9{index}", medium="electricity", unit="kWh"
        )
    with CaptureQueriesContext(connection) as queries:
        context = context_for(utility_world["holder"])
    smart_meters = 1 + extra_meters
    assert context["invoices"]["count"] == 1
    assert len(queries) <= 3 + smart_meters
    assert timezone.localdate() == context["today"]

"""Consumption pages of the account: one meter per day, month or year (chart, table, CSV), and a medium's meters.

A meter is loaded through `policies.get_meter` (404 for anyone but its holder). Parameters that make no sense fall
back to the defaults with a message, so a stale or edited link still shows something useful.
"""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import consumption, policies
from .chart import consumption_chart
from .models import Medium, Register

REGISTERS = {"import": Register.IMPORT, "export": Register.EXPORT}
REGISTER_NAMES = {value: key for key, value in REGISTERS.items()}
# The earliest date a link may ask for; older dates are typing mistakes, not history.
EARLIEST = datetime.date(2000, 1, 1)


def _choice(request, meter):
    """(period, day, register, compare) from the query string, with a message for each value that was ignored."""
    problems = []
    period = request.GET.get("period") or "month"
    if period not in consumption.PERIODS:
        problems.append(_("The period “%(value)s” is unknown; showing a month.") % {"value": period})
        period = "month"
    today = timezone.localdate()
    day = today
    if request.GET.get("date"):
        try:
            day = datetime.date.fromisoformat(request.GET["date"])
        except ValueError:
            day = None
        if day is None or not EARLIEST <= day <= today:
            problems.append(_("The date is not valid; showing the current period."))
            day = today
    register = REGISTERS.get(request.GET.get("register") or "import")
    if register is None or register not in meter.registers:
        problems.append(_("This meter has no such register; showing the consumption."))
        register = Register.IMPORT
    compare = request.GET.get("compare") == "1"
    return period, day, register, compare, problems


def _query(period, day, register, compare=False):
    params = {"period": period, "date": day.isoformat(), "register": REGISTER_NAMES[register]}
    if compare:
        params["compare"] = "1"
    return "?" + urlencode(params)


@login_required
def meter(request, pk):
    meter = policies.get_meter(request, pk)
    period, day, register, compare, problems = _choice(request, meter)
    for problem in problems:
        messages.warning(request, problem)
    context = {"meter": meter, "period": period, "register": register, "compare": compare}
    if meter.is_smart:
        series = consumption.series(meter, register, period=period, day=day, compare=compare)
        context.update(
            series=series,
            chart=consumption_chart(series),
            periods=[
                (name, label, _query(name, day, register, compare))
                for name, label in (("day", _("Day")), ("month", _("Month")), ("year", _("Year")))
            ],
            registers=[(value, value.label, _query(period, day, value, compare)) for value in meter.registers]
            if meter.has_export
            else [],
            previous_link=_query(period, series.prev_date, register, compare),
            next_link=_query(period, series.next_date, register, compare) if series.next_date else "",
            compare_link=_query(period, day, register, not compare),
            csv_link=_query(period, day, register, compare),
        )
    else:
        context["intervals"] = consumption.reading_intervals(meter, register)
    return render(request, "utilities/consumption/meter.html", context)


@login_required
def meter_csv(request, pk):
    """The selected range as CSV: `;`-separated with a decimal point, as Swiss Excel opens it; UTF-8 with BOM."""
    meter = policies.get_meter(request, pk)
    if not meter.is_smart:
        raise Http404
    period, day, register, compare, _problems = _choice(request, meter)
    series = consumption.series(meter, register, period=period, day=day, compare=compare)
    start = series.start.date().isoformat()
    end = (series.end - datetime.timedelta(days=1)).date().isoformat() if period != "day" else start
    name = f"{meter.meter_number}_{REGISTER_NAMES[register]}_{start}" + (f"_{end}" if end != start else "")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(name)}.csv"'
    response.write("\ufeff")
    csv.writer(response, delimiter=";", lineterminator="\r\n").writerows(consumption.csv_rows(series))
    return response


def _safe_filename(name):
    return "".join(char if char.isalnum() or char in "-_." else "-" for char in name)


@login_required
def medium(request, medium):
    """The acting context's meters of one medium, each linking to its consumption."""
    if medium not in Medium.values:
        raise Http404
    meters = list(
        policies.meters_visible_to(request.user)
        .filter(customer__in=policies.customers_in_context(request), medium=medium)
        .select_related("customer")
        .order_by("meter_number")
    )
    today = timezone.localdate()
    this_month_start, _end = consumption.month_bounds(today)
    last_month_start, _end = consumption.month_bounds(this_month_start.date() - datetime.timedelta(days=1))
    smart = policies.meters_visible_to(request.user).filter(pk__in=[meter.pk for meter in meters if meter.is_smart])
    last_month = consumption.period_totals(smart, Register.IMPORT, last_month_start, this_month_start)
    this_month = consumption.period_totals(smart, Register.IMPORT, this_month_start, timezone.now())
    rows = [(meter, last_month.get(meter.pk), this_month.get(meter.pk)) for meter in meters]
    return render(
        request,
        "utilities/consumption/medium.html",
        {
            "medium": Medium(medium),
            "rows": rows,
            "last_month": last_month_start.date(),
            "this_month": this_month_start.date(),
        },
    )

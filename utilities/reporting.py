"""Meter readings reported by the customer: the plausibility check, the report itself and the meter's history.

Only manual meters are reported (a smart meter sends its values every 15 minutes). A report is checked against the
meter's last reading and against the consumption of up to two years before it: what cannot be right is refused
(a date in the future or before the last reading, a value lower than the last one without a meter change); what is
merely surprising is a warning the person may confirm with a comment. Views, admin and API call `report()`, which
checks again and never trusts what a form said.
"""

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from integrations import events

from .models import Meter, MeterReading, ReadingReport, ReadingSource, Register

logger = logging.getLogger(__name__)

RECORD_TYPE = "meter_readings"
ZURICH = ZoneInfo("Europe/Zurich")
# The consumption a report is compared with: the readings of up to two years before the last one, and at least a
# month of them (a shorter span says too little about a household's rhythm).
HISTORY_WINDOW = datetime.timedelta(days=730)
MIN_HISTORY = datetime.timedelta(days=30)
# A report warns when the consumption since the last reading is below half or above twice what was expected and
# the gap is large enough to matter (a few cubic metres of water are within any household's variation).
LOW_RATIO = Decimal("0.5")
HIGH_RATIO = Decimal("2")
SIGNIFICANT_GAP = {"kWh": Decimal("100"), "m3": Decimal("5"), "MWh": Decimal("0.5")}
# A reading taken up to this many days before the due date counts as the one asked for.
DUE_WINDOW = datetime.timedelta(days=30)
HISTORY_LIMIT = 40
THOUSANDTH = Decimal("0.001")


class ReportError(Exception):
    """The report was refused; `issues` say why, each for a form field (or None)."""

    def __init__(self, issues):
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = issues


class NeedsConfirmation(ReportError):
    """The reading is plausible only if the person confirms it and says why."""

    def __init__(self, warning):
        super().__init__([Issue("comment", warning)])
        self.warning = warning


@dataclass(frozen=True)
class Issue:
    field: str | None
    message: str

    def __str__(self):
        return self.message


@dataclass
class Check:
    errors: list = field(default_factory=list)
    warning: str = ""

    @property
    def ok(self):
        return not self.errors and not self.warning


@dataclass
class HistoryRow:
    date: datetime.date
    value: Decimal
    source_label: str
    report: ReadingReport | None = None
    consumption: Decimal | None = None

    @property
    def value_text(self):
        return format_value(self.value)

    @property
    def consumption_text(self):
        return format_value(self.consumption) if self.consumption is not None else ""


def format_value(value):
    """1234.500 → "1’234.5": the digits the meter shows, grouped the Swiss way, without trailing zeros."""
    text = format(Decimal(value).quantize(THOUSANDTH), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return number_format(Decimal(text), force_grouping=True)


def reading_time(read_on):
    """The timestamp a reported reading is stored at: noon of its day in Zurich.

    People report the date, not the hour. Noon keeps the value inside its day whatever the hour really was, so
    the day, month and year boundaries the consumption views probe (midnight) never split a report from its day,
    and no daylight-saving change makes the time ambiguous.
    """
    return datetime.datetime.combine(read_on, datetime.time(12, 0), tzinfo=ZURICH)


def local_date(reading):
    return timezone.localtime(reading.timestamp, ZURICH).date()


def _days_between(earlier, later):
    """Days on the wall clock in Zurich: a day with a daylight-saving change still counts as one day."""
    wall = timezone.localtime(later, ZURICH).replace(tzinfo=None) - timezone.localtime(earlier, ZURICH).replace(
        tzinfo=None
    )
    return Decimal(wall.days) + Decimal(wall.seconds) / Decimal(86400)


def _readings(meter):
    return MeterReading.objects.filter(meter=meter, register=Register.IMPORT)


def last_reading(meter, before=None):
    """The meter's latest consumption reading (before `before`, if given), or None."""
    readings = _readings(meter)
    if before is not None:
        readings = readings.filter(timestamp__lt=before)
    return readings.order_by("-timestamp").first()


def _last_meter_change(meter, until):
    """Noon of the day the meter was last replaced up to `until`: older values belong to the old meter."""
    changed_on = (
        ReadingReport.objects.filter(meter=meter, meter_changed=True, read_on__lte=timezone.localdate(until, ZURICH))
        .order_by("-read_on")
        .values_list("read_on", flat=True)
        .first()
    )
    return reading_time(changed_on) if changed_on else None


def daily_average(meter, last):
    """Average consumption per day over the history window ending with `last`, or None if there is too little.

    Two probes of the reading index (first and last value of the window) instead of loading the readings.
    """
    if last is None:
        return None
    start = last.timestamp - HISTORY_WINDOW
    changed_at = _last_meter_change(meter, last.timestamp)
    if changed_at is not None and changed_at > start:
        start = changed_at
    first = _readings(meter).filter(timestamp__gte=start, timestamp__lte=last.timestamp).order_by("timestamp").first()
    if first is None or last.timestamp - first.timestamp < MIN_HISTORY or last.value < first.value:
        return None
    days = _days_between(first.timestamp, last.timestamp)
    return (last.value - first.value) / days


def _expected_from(meter, last, on_date):
    average = daily_average(meter, last)
    if average is None:
        return None
    days = _days_between(last.timestamp, reading_time(on_date))
    if days < 0:
        return None
    return (last.value + average * days).quantize(THOUSANDTH)


def expected_value(meter, on_date):
    """What the meter should show on `on_date`: the last reading plus the usual consumption per day since."""
    return _expected_from(meter, last_reading(meter, before=reading_time(on_date)), on_date)


def _date_text(day):
    return date_format(day, "SHORT_DATE_FORMAT")


def check(meter, read_on, value, meter_changed=False, today=None):
    """What the portal says about a reading: errors refuse it, a warning asks the person to confirm it."""
    today = today or timezone.localdate()
    value = Decimal(str(value))
    result = Check()
    unit = meter.get_unit_display()
    if read_on > today:
        result.errors.append(Issue("read_on", _("The reading date cannot be in the future.")))
    if value < 0:
        result.errors.append(Issue("value", _("A meter reading cannot be negative.")))
    latest = last_reading(meter)
    if latest is not None and read_on < local_date(latest):
        result.errors.append(
            Issue(
                "read_on",
                _("The reading date is before the last reading of this meter (%(date)s).")
                % {"date": _date_text(local_date(latest))},
            )
        )
    # The value is compared with the reading before this day's noon: a correction on the same day replaces it.
    previous = last_reading(meter, before=reading_time(read_on))
    if result.errors or previous is None:
        return result
    last_text = {"value": format_value(previous.value), "unit": unit, "date": _date_text(local_date(previous))}
    if value < previous.value and not meter_changed:
        result.errors.append(
            Issue(
                "value",
                _(
                    "The reading is lower than the last one (%(value)s %(unit)s on %(date)s). If the meter was "
                    "replaced, tick “The meter was replaced”."
                )
                % last_text,
            )
        )
        return result
    if meter_changed:
        return result
    expected = _expected_from(meter, previous, read_on)
    if expected is None:
        return result
    expected_use = expected - previous.value
    use = value - previous.value
    gap = abs(use - expected_use)
    surprising = use < expected_use * LOW_RATIO or use > expected_use * HIGH_RATIO
    if expected_use > 0 and surprising and gap >= SIGNIFICANT_GAP.get(meter.unit, Decimal("1")):
        result.warning = _(
            "We expected about %(expected)s %(unit)s (about %(expected_use)s %(unit)s used since the last reading "
            "of %(value)s %(unit)s on %(date)s); you entered %(entered)s %(unit)s. Please check the value. If it "
            "is right, confirm it and tell us why in a comment."
        ) % {
            **last_text,
            "expected": format_value(expected),
            "expected_use": format_value(expected_use),
            "entered": format_value(value),
        }
    return result


def _move_due_date(meter, read_on):
    """The next reading is due a year after the one this report answers (if it answered one)."""
    due = meter.reading_due_on
    if due is None or read_on < due - DUE_WINDOW:
        return False
    while due - DUE_WINDOW <= read_on:
        due = _one_year_on(due)
    meter.reading_due_on = due
    return True


def _one_year_on(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def report(meter, user, read_on, value, *, photo=None, meter_changed=False, comment="", confirmed=False, today=None):
    """Store a reading the customer reported; raise ReportError (or NeedsConfirmation) if it is refused."""
    comment = (comment or "").strip()
    value = Decimal(str(value))
    with transaction.atomic():
        # One report of a meter at a time: the check and the stored reading see the same last reading.
        meter = Meter.objects.select_for_update(of=("self",)).get(pk=meter.pk)
        if meter.kind != Meter.Kind.MANUAL:
            raise ReportError([Issue(None, _("This meter is read remotely; no reading needs to be reported."))])
        result = check(meter, read_on, value, meter_changed=meter_changed, today=today)
        if result.errors:
            raise ReportError(result.errors)
        if result.warning and not (confirmed and comment):
            raise NeedsConfirmation(result.warning)
        created = ReadingReport.objects.create(
            meter=meter,
            reported_by=user,
            read_on=read_on,
            value=value,
            photo=photo or "",
            meter_changed=meter_changed,
            warning=result.warning,
            comment=comment,
        )
        MeterReading.objects.update_or_create(
            meter=meter,
            register=Register.IMPORT,
            timestamp=reading_time(read_on),
            defaults={"value": value, "source": ReadingSource.SELF_REPORTED},
        )
        if _move_due_date(meter, read_on):
            meter.save(update_fields=["reading_due_on", "updated_at"])
        events.emit(
            "meter_reading.reported",
            record_type=RECORD_TYPE,
            subject_id=created.pk,
            subject_ref=meter.meter_number,
            data={"reportId": created.pk, "meterNumber": meter.meter_number},
        )
    logger.info("meter %s: reading reported (report %s)", meter.meter_number, created.pk)
    return created


def history(meter, limit=HISTORY_LIMIT):
    """The meter's readings for its page, newest first: the person's reports and the readings from elsewhere.

    A self-reported reading is shown as its report (with photo, comment and warning); corrections of the same day
    each keep their row. Consumption is the difference to the next older row, except across a meter change.
    """
    reports = list(meter.reports.order_by("-read_on", "-created_at")[:limit])
    reported_days = {item.read_on for item in reports}
    rows = [HistoryRow(item.read_on, item.value, ReadingSource.SELF_REPORTED.label, report=item) for item in reports]
    for reading in _readings(meter).order_by("-timestamp")[:limit]:
        day = local_date(reading)
        if reading.source == ReadingSource.SELF_REPORTED and day in reported_days:
            continue
        rows.append(HistoryRow(day, reading.value, reading.get_source_display()))
    rows.sort(key=lambda row: (row.date, row.report.created_at if row.report else timezone.now()), reverse=True)
    rows = rows[:limit]
    for newer, older in zip(rows, rows[1:], strict=False):
        if newer.date > older.date and newer.value >= older.value and not (newer.report and newer.report.meter_changed):
            newer.consumption = newer.value - older.value
    return rows

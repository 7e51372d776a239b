"""The rules of reported meter readings: plausibility, what is stored, the event, the due date and the history."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.models import Event
from utilities import reporting
from utilities.models import MeterReading, ReadingReport, ReadingSource, Register

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def add_reading(meter, day, value, source=ReadingSource.BILLING):
    return MeterReading.objects.create(
        meter=meter,
        register=Register.IMPORT,
        timestamp=reporting.reading_time(day),
        value=Decimal(value),
        source=source,
    )


@pytest.fixture
def water(utility_world):
    """The manual water meter with 1 m³ a day: 1000 m³ 400 days ago, 1300 m³ 100 days ago (today expected: 1400)."""
    meter = utility_world["manual"]
    add_reading(meter, days_ago(400), "1000")
    add_reading(meter, days_ago(100), "1300")
    return meter


def events():
    return list(Event.objects.filter(type="meter_reading.reported"))


def test_expected_value_continues_the_usual_consumption(water):
    assert reporting.last_reading(water).value == Decimal("1300")
    assert reporting.expected_value(water, timezone.localdate()) == Decimal("1400.000")


def test_no_expectation_without_enough_history(utility_world):
    meter = utility_world["manual"]
    assert reporting.expected_value(meter, timezone.localdate()) is None
    add_reading(meter, days_ago(20), "50")
    add_reading(meter, days_ago(5), "60")
    assert reporting.expected_value(meter, timezone.localdate()) is None
    assert reporting.check(meter, timezone.localdate(), Decimal("5000")).ok


def test_a_plausible_reading_is_stored_announced_and_the_due_date_moves(utility_world, water):
    due = water.reading_due_on
    person = utility_world["holder"]

    created = reporting.report(water, person, timezone.localdate(), Decimal("1395.5"), comment="  ")

    stored = ReadingReport.objects.get()
    assert stored == created
    assert (stored.reported_by, stored.value, stored.warning, stored.comment) == (person, Decimal("1395.5"), "", "")
    reading = MeterReading.objects.get(meter=water, source=ReadingSource.SELF_REPORTED)
    assert reading.value == Decimal("1395.5")
    local = timezone.localtime(reading.timestamp, reporting.ZURICH)
    assert (local.date(), local.hour, local.minute) == (timezone.localdate(), 12, 0)
    [event] = events()
    assert (event.record_type, event.subject_id, event.subject_ref) == ("meter_readings", str(created.pk), "W-2001")
    assert event.data == {"reportId": created.pk, "meterNumber": "W-2001"}
    water.refresh_from_db()
    assert water.reading_due_on == due.replace(year=due.year + 1)


def test_the_due_date_stays_when_no_reading_was_due(utility_world, water):
    later = timezone.localdate() + datetime.timedelta(days=200)
    water.reading_due_on = later
    water.save()

    reporting.report(water, utility_world["holder"], timezone.localdate(), Decimal("1400"))

    water.refresh_from_db()
    assert water.reading_due_on == later


def test_a_lower_reading_is_refused_with_the_last_one(utility_world, water):
    with pytest.raises(reporting.ReportError) as refused:
        reporting.report(water, utility_world["holder"], timezone.localdate(), Decimal("1299"))

    [issue] = refused.value.issues
    assert issue.field == "value"
    assert "lower than the last one (1’300 m³ on" in issue.message
    assert days_ago(100).strftime("%d.%m.%Y") in issue.message
    assert "The meter was replaced" in issue.message
    assert not ReadingReport.objects.exists() and not events()


def test_a_lower_reading_of_a_replaced_meter_is_accepted(utility_world, water):
    created = reporting.report(water, utility_world["holder"], days_ago(1), Decimal("3.2"), meter_changed=True)

    assert created.meter_changed and created.warning == ""
    assert reporting.last_reading(water).value == Decimal("3.2")
    # The old meter's values no longer set the expectation of the new one.
    assert reporting.expected_value(water, timezone.localdate()) is None
    assert reporting.check(water, timezone.localdate(), Decimal("4")).ok


def test_a_reading_far_from_expected_warns_and_needs_a_confirmation_with_a_comment(utility_world, water):
    today = timezone.localdate()
    result = reporting.check(water, today, Decimal("1310"))
    assert not result.errors
    assert "We expected about 1’400 m³" in result.warning

    with pytest.raises(reporting.NeedsConfirmation):
        reporting.report(water, utility_world["holder"], today, Decimal("1310"))
    with pytest.raises(reporting.NeedsConfirmation):
        reporting.report(water, utility_world["holder"], today, Decimal("1310"), confirmed=True, comment=" ")
    assert not ReadingReport.objects.exists() and not events()

    created = reporting.report(
        water, utility_world["holder"], today, Decimal("1310"), confirmed=True, comment="Away for three months"
    )
    assert created.warning == result.warning
    assert created.comment == "Away for three months"
    assert len(events()) == 1


@pytest.mark.parametrize(("value", "warns"), [("1500", False), ("1560", True), ("1360", False), ("1340", True)])
def test_the_warning_thresholds(water, value, warns):
    # Expected use 100 m³: below half (50) or above twice (200) warns.
    assert bool(reporting.check(water, timezone.localdate(), Decimal(value)).warning) is warns


def test_a_small_gap_does_not_warn(utility_world):
    meter = utility_world["manual"]
    add_reading(meter, days_ago(400), "100")
    add_reading(meter, days_ago(100), "103")
    # 1 m³ expected, 3 m³ used: three times as much, but 2 m³ is within any household's variation.
    assert reporting.check(meter, timezone.localdate(), Decimal("106")).ok


def test_dates_in_the_future_or_before_the_last_reading_are_refused(utility_world, water):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    [issue] = reporting.check(water, tomorrow, Decimal("1400")).errors
    assert (issue.field, issue.message) == ("read_on", "The reading date cannot be in the future.")

    [issue] = reporting.check(water, days_ago(101), Decimal("1299")).errors
    assert issue.field == "read_on"
    assert days_ago(100).strftime("%d.%m.%Y") in issue.message

    with pytest.raises(reporting.ReportError):
        reporting.report(water, utility_world["holder"], tomorrow, Decimal("1400"))
    assert not ReadingReport.objects.exists()


def test_a_smart_meter_accepts_no_report(utility_world):
    with pytest.raises(reporting.ReportError) as refused:
        reporting.report(utility_world["smart"], utility_world["holder"], timezone.localdate(), Decimal("1"))
    assert "read remotely" in str(refused.value)
    assert not ReadingReport.objects.exists() and not events()


def test_a_correction_on_the_same_day_replaces_the_reading(utility_world, water):
    today = timezone.localdate()
    reporting.report(water, utility_world["holder"], today, Decimal("1450"))
    # Compared with the reading before today's, not with the value it corrects.
    assert reporting.check(water, today, Decimal("1405")).ok

    reporting.report(water, utility_world["holder"], today, Decimal("1405"))

    assert MeterReading.objects.get(meter=water, source=ReadingSource.SELF_REPORTED).value == Decimal("1405")
    assert ReadingReport.objects.count() == 2
    assert len(events()) == 2


def test_history_shows_reports_and_other_readings_newest_first(utility_world, water):
    add_reading(water, days_ago(50), "1350", source=ReadingSource.ESTIMATED)
    created = reporting.report(water, utility_world["holder"], days_ago(2), Decimal("1398"), comment="Photo later")

    rows = reporting.history(water)

    assert [(row.date, row.value_text, row.source_label) for row in rows] == [
        (days_ago(2), "1’398", "Reported by the customer"),
        (days_ago(50), "1’350", "Estimated"),
        (days_ago(100), "1’300", "Read by the utility"),
        (days_ago(400), "1’000", "Read by the utility"),
    ]
    assert rows[0].report == created
    assert [row.consumption_text for row in rows] == ["48", "50", "300", ""]

"""Demo absences and leave requests of Musterwil (called by seed_demo after the school records).

Sara (5b, the demo teacher's class): an excused absence, a reported one for the teacher to assess, a late arrival
and a pending leave request of two half-days (the class teacher decides); Lina (3a): one excused absence. The demo
admin joins the school management. Dates are school days relative to today, inside the current school year.

Idempotent: each demo record is found again by its student and its demo note, so a second run creates nothing (also
on a later day, and also after the demo teacher assessed the reported absence).
"""

import datetime
import logging

from django.utils import timezone

from .models import Absence, LeaveRequest, ReasonCategory

logger = logging.getLogger(__name__)


def _school_day(day, year, step=-1):
    """The nearest Monday to Friday from `day` in direction `step`, kept inside the school year."""
    day = min(max(day, year.starts_on), year.ends_on)
    while day.weekday() >= 5:
        candidate = day + datetime.timedelta(days=step)
        if not year.starts_on <= candidate <= year.ends_on:
            step = -step
            candidate = day + datetime.timedelta(days=step)
        day = candidate
    return day


def _ensure_absence(student, school_class, note, **fields):
    absence = Absence.objects.filter(student=student, note=note).first()
    if absence is None:
        absence = Absence.objects.create(student=student, school_class=school_class, note=note, **fields)
    return absence


def ensure_demo_absences(records, users):
    """Create the demo absences and leave request if missing; returns them by name."""
    today = timezone.localdate()
    year = records["school_year"]
    classes, children = records["classes"], records["children"]
    sara, lina = children["student"], children["lina"]
    parent, teacher = users["parent"], users["teacher"]

    def back(days):
        return _school_day(today - datetime.timedelta(days=days), year)

    def ahead(days):
        return _school_day(today + datetime.timedelta(days=days), year, step=1)

    excused_day, reported_day, late_day = back(14), back(1), back(6)
    lina_from, lina_until = back(9), back(8)
    result = {
        "sara_excused": _ensure_absence(
            sara,
            classes["5b"],
            "Bitte Hausaufgaben der Banknachbarin mitgeben.",
            starts_on=excused_day,
            ends_on=excused_day,
            half_days=2,
            reason=ReasonCategory.ILLNESS,
            source=Absence.Source.GUARDIAN,
            status=Absence.Status.EXCUSED,
            reported_by=parent,
        ),
        "sara_reported": _ensure_absence(
            sara,
            classes["5b"],
            "Zahnarzttermin, zurück nach der Pause.",
            starts_on=reported_day,
            ends_on=reported_day,
            half_days=1,
            reason=ReasonCategory.APPOINTMENT,
            source=Absence.Source.GUARDIAN,
            status=Absence.Status.REPORTED,
            reported_by=parent,
        ),
        "sara_late": _ensure_absence(
            sara,
            classes["5b"],
            "Bus verpasst.",
            kind=Absence.Kind.LATE,
            starts_on=late_day,
            ends_on=late_day,
            half_days=0,
            minutes_late=10,
            reason=ReasonCategory.OTHER,
            source=Absence.Source.TEACHER,
            status=Absence.Status.EXCUSED,
            reported_by=teacher,
        ),
        "lina_excused": _ensure_absence(
            lina,
            classes["3a"],
            "Fieber, bleibt zwei Tage zu Hause.",
            starts_on=lina_from,
            ends_on=lina_until,
            half_days=4 if lina_until > lina_from else 2,
            reason=ReasonCategory.ILLNESS,
            source=Absence.Source.GUARDIAN,
            status=Absence.Status.EXCUSED,
            reported_by=parent,
        ),
    }
    leave_reason = "Hochzeit der Tante in Lugano (Demo)."
    leave = LeaveRequest.objects.filter(student=sara, reason=leave_reason).first()
    if leave is None:
        leave_day = ahead(21)
        leave = LeaveRequest.objects.create(
            student=sara,
            school_class=classes["5b"],
            starts_on=leave_day,
            ends_on=leave_day,
            half_days=2,
            reason=leave_reason,
            requested_by=parent,
            decided_by_role=LeaveRequest.DecidedBy.CLASS_TEACHER,
        )
    result["sara_leave"] = leave

    admin = users.get("admin")
    if admin is not None:
        records["school"].management.add(admin)
    logger.info("demo absences ready: %s", ", ".join(f"{key}={value.pk}" for key, value in result.items()))
    return result

"""Business rules of absences (Absenzen) and leave requests (Urlaubsgesuche).

Guardians who may act for a child report absences and ask for leave; the teachers of the class record absences and
late arrivals and assess what guardians reported; leave is decided by a class teacher of the class up to the
school's limit of half-days (`School.leave_half_days_by_class_teacher`), above it by the school management.
Who sees what: guardians (also those with an information right only) and the student see the child's records, the
teachers of a class see the class's, the school management sees the leave requests it decides; nobody else.

Views, demo and admin call these functions; they raise `AbsenceError` with a message for the person.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from account import notifications
from integrations import events

from . import policies, summaries
from .models import (
    Absence,
    Enrolment,
    Guardianship,
    LeaveRequest,
    ReasonCategory,
    SchoolClass,
    TeachingAssignment,
    Term,
)
from .signals import absence_reported

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "school"
RECORD_TYPE = "absences"
# A guardian reports an absence at most this many days after it began, and at most this far ahead (longer planned
# absences are leave requests).
REPORT_DAYS_BACK = 30
REPORT_DAYS_AHEAD = 30
# Leave is asked for at most this far ahead.
LEAVE_DAYS_AHEAD = 365
MAX_MINUTES_LATE = 240


class AbsenceError(Exception):
    """A rule of absences was broken; the message is shown to the person. `field` names the form field, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class NotAllowed(AbsenceError):
    """The person sees the record but may not do this with it (views answer 403)."""


# --- who sees what ---------------------------------------------------------------------------------------------


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def _taught_classes(user):
    return TeachingAssignment.objects.filter(teacher=user).values("school_class")


def absences_visible_to(user):
    """Absences of the person's children (any guardianship), their own, and of the classes they teach."""
    if not _person(user):
        return Absence.objects.none()
    return Absence.objects.filter(
        Q(student__in=Guardianship.objects.filter(guardian=user).values("student"))
        | Q(student=user)
        | Q(school_class__in=_taught_classes(user))
    )


def leave_requests_visible_to(user):
    """Like absences, plus the requests the school management decides, for the members of that management."""
    if not _person(user):
        return LeaveRequest.objects.none()
    return LeaveRequest.objects.filter(
        Q(student__in=Guardianship.objects.filter(guardian=user).values("student"))
        | Q(student=user)
        | Q(school_class__in=_taught_classes(user))
        | Q(
            decided_by_role=LeaveRequest.DecidedBy.MANAGEMENT,
            school_class__school__in=user.managed_schools.values("pk"),
        )
    )


def students_with_absences_for(user):
    """The students whose absence page the person opens: their children and themselves."""
    if not _person(user):
        return get_user_model().objects.none()
    return get_user_model().objects.filter(
        Q(pk__in=Guardianship.objects.filter(guardian=user).values("student")) | Q(pk=user.pk)
    )


def classes_taught_by(user):
    """The classes whose absences the person keeps: any teaching assignment (class teacher or subject teacher)."""
    if not _person(user):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(pk__in=_taught_classes(user))


def may_record_for_class(user, school_class):
    return policies.is_teacher_of(user, school_class)


def may_assess(user, absence):
    """Every teacher of the class may assess (excuse or not) an absence of the class."""
    return policies.is_teacher_of(user, absence.school_class)


def may_decide_leave(user, leave):
    if not _person(user):
        return False
    if leave.decided_by_role == LeaveRequest.DecidedBy.CLASS_TEACHER:
        return policies.is_class_teacher_of(user, leave.school_class)
    return leave.school_class.school.management.filter(pk=user.pk).exists()


def may_withdraw_leave(user, leave):
    return leave.status == LeaveRequest.Status.PENDING and policies.may_act_for_student(user, leave.student)


def current_enrolment(student):
    """The student's current enrolment (the newest if there are several), with class and school."""
    return (
        policies.current_enrolments()
        .filter(student=student)
        .select_related("school_class__school", "school_class__school_year")
        .order_by("-starts_on", "-pk")
        .first()
    )


def current_term(school_class, today=None):
    today = today or timezone.localdate()
    terms = Term.objects.filter(school_year_id=school_class.school_year_id)
    return terms.filter(starts_on__lte=today, ends_on__gte=today).first() or terms.order_by("starts_on").first()


def class_students(school_class):
    """Students currently enrolled in the class, by name."""
    return (
        get_user_model()
        .objects.filter(pk__in=policies.current_enrolments().filter(school_class=school_class).values("student"))
        .order_by("last_name", "first_name", "pk")
    )


# --- helpers -----------------------------------------------------------------------------------------------------


def _name(user):
    return user.get_full_name() or user.email


def _date(value):
    return date_format(value, "SHORT_DATE_FORMAT")


def _period(starts_on, ends_on):
    if starts_on == ends_on:
        return _date(starts_on)
    return f"{_date(starts_on)}–{_date(ends_on)}"


def _notify(people, title, body, url_name, **kwargs):
    """Notify each person in their own language; `title` and `body` are callables run with that language."""
    for person in people:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            url = reverse(f"school:{url_name}", kwargs=kwargs)
            notifications.notify(person, NOTIFICATION_KIND, title(), body(), url=url)


def _class_teachers(school_class):
    return get_user_model().objects.filter(
        teaching_assignments__school_class=school_class, teaching_assignments__is_class_teacher=True, is_active=True
    )


def _guardians(student):
    return get_user_model().objects.filter(guardianships__student=student, is_active=True).distinct()


def _check_dates(starts_on, ends_on, half_days):
    if starts_on is None or ends_on is None:
        raise AbsenceError(_("Please enter the dates."), field="starts_on")
    if ends_on < starts_on:
        raise AbsenceError(_("The last day must not be before the first day."), field="ends_on")
    if half_days is None or half_days < 1:
        raise AbsenceError(_("Enter at least one half-day."), field="half_days")
    most = 2 * ((ends_on - starts_on).days + 1)
    if half_days > most:
        raise AbsenceError(
            _("These dates have at most %(most)d half-days.") % {"most": most},
            field="half_days",
        )


def _check_within_year(school_class, starts_on, ends_on):
    year = school_class.school_year
    if starts_on < year.starts_on or ends_on > year.ends_on:
        raise AbsenceError(
            _("The dates must lie within the school year %(year)s (%(period)s).")
            % {"year": year.name, "period": _period(year.starts_on, year.ends_on)},
            field="starts_on",
        )


def _lock_enrolment(enrolment):
    # Reports for one student are serialised on their enrolment row, so two reports cannot both pass the overlap
    # check (PostgreSQL; SQLite writes one at a time anyway).
    Enrolment.objects.select_for_update(of=("self",)).filter(pk=enrolment.pk).first()


def _check_no_overlap(student, starts_on, ends_on):
    overlapping = (
        Absence.objects.filter(
            student=student, kind=Absence.Kind.ABSENCE, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        raise AbsenceError(
            _("An absence from %(period)s is already recorded. Please contact the class teacher to change it.")
            % {"period": _period(overlapping.starts_on, overlapping.ends_on)},
            field="starts_on",
        )


def _class_ids(school_class):
    return {"classId": school_class.pk, "classExternalId": school_class.external_id or None}


def _event_data(absence):
    """The thin payload of "absence.reported": ids and codes only (DESIGN.md section 6). Names, dates, reasons and
    notes leave the portal only through the authenticated fetch `GET /api/v1/absences/{id}`."""
    return {
        "absenceId": absence.pk,
        "studentId": absence.student_id,
        **_class_ids(absence.school_class),
        "kind": absence.kind,
        "source": absence.source,
    }


def _leave_event_data(leave):
    """The thin payload of "leave_request.submitted"; the request itself is fetched with
    `GET /api/v1/leave-requests/{id}`."""
    return {"leaveRequestId": leave.pk, "studentId": leave.student_id, **_class_ids(leave.school_class)}


def _announce(absence):
    """The event for specialist applications, now; the signal for other features (lunch table), on commit."""
    events.emit("absence.reported", record_type=RECORD_TYPE, subject_id=absence.pk, data=_event_data(absence))
    if absence.kind == Absence.Kind.ABSENCE:
        transaction.on_commit(lambda: absence_reported.send(sender=Absence, absence=absence))


# --- absences ----------------------------------------------------------------------------------------------------


def report_absence(user, student, *, starts_on, ends_on, half_days, reason, note="", today=None):
    """A guardian who may act reports an absence of `student`; the class teachers are told."""
    today = today or timezone.localdate()
    if not policies.may_act_for_student(user, student):
        raise NotAllowed(_("Only a guardian with custody may report absences for this child."))
    if reason not in ReasonCategory.values:
        raise AbsenceError(_("Please choose a reason."), field="reason")
    _check_dates(starts_on, ends_on, half_days)
    if starts_on < today - datetime.timedelta(days=REPORT_DAYS_BACK):
        raise AbsenceError(
            _("Absences can be reported up to %(days)d days afterwards. Please contact the class teacher.")
            % {"days": REPORT_DAYS_BACK},
            field="starts_on",
        )
    if ends_on > today + datetime.timedelta(days=REPORT_DAYS_AHEAD):
        raise AbsenceError(
            _("Absences can be reported up to %(days)d days ahead. For longer planned absences, ask for leave.")
            % {"days": REPORT_DAYS_AHEAD},
            field="ends_on",
        )
    enrolment = current_enrolment(student)
    if enrolment is None:
        raise AbsenceError(_("The child is not enrolled in a class at the moment."))
    with transaction.atomic():
        _lock_enrolment(enrolment)
        _check_no_overlap(student, starts_on, ends_on)
        absence = Absence.objects.create(
            student=student,
            school_class=enrolment.school_class,
            kind=Absence.Kind.ABSENCE,
            starts_on=starts_on,
            ends_on=ends_on,
            half_days=half_days,
            reason=reason,
            note=(note or "").strip(),
            source=Absence.Source.GUARDIAN,
            status=Absence.Status.REPORTED,
            reported_by=user,
        )
        _announce(absence)
        _notify(
            _class_teachers(enrolment.school_class),
            lambda: (
                gettext("Absence reported: %(name)s, %(period)s")
                % {"name": _name(student), "period": _period(starts_on, ends_on)}
            ),
            lambda: (
                gettext(
                    "%(guardian)s reported an absence of %(name)s (class %(class)s): "
                    "%(half_days)d half-days, %(reason)s."
                )
                % {
                    "guardian": _name(user),
                    "name": _name(student),
                    "class": enrolment.school_class.name,
                    "half_days": half_days,
                    "reason": ReasonCategory(reason).label,
                }
            ),
            "absences_detail",
            pk=absence.pk,
        )
    logger.info("absence %s reported by user %s for student %s", absence.pk, user.pk, student.pk)
    return absence


def record_absence(
    teacher,
    school_class,
    student,
    *,
    kind,
    starts_on,
    ends_on=None,
    half_days=0,
    minutes_late=0,
    reason,
    status,
    note="",
    today=None,
):
    """A teacher of the class records an absence or a late arrival of a student of the class, already assessed."""
    today = today or timezone.localdate()
    if not may_record_for_class(teacher, school_class):
        raise NotAllowed(_("Only the teachers of the class record its absences."))
    if not policies.current_enrolments().filter(student=student, school_class=school_class).exists():
        raise AbsenceError(_("The student is not in this class."), field="student")
    if kind not in Absence.Kind.values:
        raise AbsenceError(_("Please choose absence or late arrival."), field="kind")
    if status not in (Absence.Status.EXCUSED, Absence.Status.UNEXCUSED):
        raise AbsenceError(_("Please choose excused or unexcused."), field="status")
    if reason not in ReasonCategory.values:
        raise AbsenceError(_("Please choose a reason."), field="reason")
    if kind == Absence.Kind.LATE:
        if starts_on is None:
            raise AbsenceError(_("Please enter the date."), field="starts_on")
        if starts_on > today:
            raise AbsenceError(_("A late arrival cannot lie in the future."), field="starts_on")
        if not minutes_late or not 1 <= minutes_late <= MAX_MINUTES_LATE:
            raise AbsenceError(
                _("Enter the minutes late (1 to %(most)d).") % {"most": MAX_MINUTES_LATE}, field="minutes_late"
            )
        ends_on, half_days = starts_on, 0
    else:
        _check_dates(starts_on, ends_on, half_days)
        minutes_late = 0
    _check_within_year(school_class, starts_on, ends_on)
    with transaction.atomic():
        enrolment = Enrolment.objects.filter(student=student, school_class=school_class).first()
        _lock_enrolment(enrolment)
        if kind == Absence.Kind.ABSENCE:
            _check_no_overlap(student, starts_on, ends_on)
        absence = Absence.objects.create(
            student=student,
            school_class=school_class,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            half_days=half_days,
            minutes_late=minutes_late,
            reason=reason,
            note=(note or "").strip(),
            source=Absence.Source.TEACHER,
            status=status,
            reported_by=teacher,
        )
        _announce(absence)
        if status == Absence.Status.UNEXCUSED:
            _notify_unexcused(absence)
    logger.info(
        "absence %s (%s, %s) recorded by teacher %s for student %s", absence.pk, kind, status, teacher.pk, student.pk
    )
    return absence


def assess_absence(teacher, absence, status):
    """A teacher of the class marks an absence excused or unexcused; guardians hear once when it is unexcused."""
    if status not in (Absence.Status.EXCUSED, Absence.Status.UNEXCUSED):
        raise AbsenceError(_("Please choose excused or unexcused."), field="status")
    if not may_assess(teacher, absence):
        raise NotAllowed(_("Only the teachers of the class assess its absences."))
    with transaction.atomic():
        absence = (
            Absence.objects.select_for_update(of=("self",)).select_related("student", "school_class").get(pk=absence.pk)
        )
        previous = absence.status
        if previous == status:
            return absence
        absence.status = status
        absence.save(update_fields=["status"])
        if status == Absence.Status.UNEXCUSED:
            _notify_unexcused(absence)
    logger.info("absence %s assessed %s -> %s by teacher %s", absence.pk, previous, status, teacher.pk)
    return absence


def _notify_unexcused(absence):
    """Tell all guardians of the child, once per absence (guardians_notified_at)."""
    if absence.guardians_notified_at is not None:
        return
    student = absence.student
    period = (absence.starts_on, absence.ends_on)

    def title():
        if absence.kind == Absence.Kind.LATE:
            return gettext("Unexcused late arrival: %(name)s") % {"name": _name(student)}
        return gettext("Unexcused absence: %(name)s") % {"name": _name(student)}

    def body():
        if absence.kind == Absence.Kind.LATE:
            return gettext(
                "%(name)s arrived %(minutes)d minutes late on %(date)s. The school recorded it as unexcused."
            ) % {"name": _name(student), "minutes": absence.minutes_late, "date": _date(absence.starts_on)}
        return gettext(
            "The absence of %(name)s (%(period)s, %(half_days)d half-days) is unexcused. "
            "If you think this is wrong, please contact the class teacher."
        ) % {"name": _name(student), "period": _period(*period), "half_days": absence.half_days}

    _notify(_guardians(student), title, body, "absences_child", student_id=student.pk)
    absence.guardians_notified_at = timezone.now()
    Absence.objects.filter(pk=absence.pk).update(guardians_notified_at=absence.guardians_notified_at)


# --- leave requests ----------------------------------------------------------------------------------------------


def route(school, half_days):
    """Who decides a request of `half_days`: the class teacher up to the school's limit, else the management."""
    if half_days <= school.leave_half_days_by_class_teacher:
        return LeaveRequest.DecidedBy.CLASS_TEACHER
    return LeaveRequest.DecidedBy.MANAGEMENT


def request_leave(user, student, *, starts_on, ends_on, half_days, reason, today=None):
    """A guardian who may act asks for leave in advance; the deciders are told."""
    today = today or timezone.localdate()
    if not policies.may_act_for_student(user, student):
        raise NotAllowed(_("Only a guardian with custody may ask for leave for this child."))
    reason = (reason or "").strip()
    if not reason:
        raise AbsenceError(_("Please give the reason for the leave."), field="reason")
    _check_dates(starts_on, ends_on, half_days)
    if starts_on < today:
        raise AbsenceError(
            _("Leave is asked for in advance: the first day must not be in the past."), field="starts_on"
        )
    if ends_on > today + datetime.timedelta(days=LEAVE_DAYS_AHEAD):
        raise AbsenceError(
            _("Leave can be asked for up to %(days)d days ahead.") % {"days": LEAVE_DAYS_AHEAD}, field="ends_on"
        )
    enrolment = current_enrolment(student)
    if enrolment is None:
        raise AbsenceError(_("The child is not enrolled in a class at the moment."))
    school_class = enrolment.school_class
    with transaction.atomic():
        _lock_enrolment(enrolment)
        open_request = LeaveRequest.objects.filter(
            student=student,
            status__in=(LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED),
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).first()
        if open_request is not None:
            raise AbsenceError(
                _("There is already a leave request for %(period)s.")
                % {"period": _period(open_request.starts_on, open_request.ends_on)},
                field="starts_on",
            )
        leave = LeaveRequest.objects.create(
            student=student,
            school_class=school_class,
            starts_on=starts_on,
            ends_on=ends_on,
            half_days=half_days,
            reason=reason,
            requested_by=user,
            decided_by_role=route(school_class.school, half_days),
        )
        events.emit(
            "leave_request.submitted", record_type=RECORD_TYPE, subject_id=leave.pk, data=_leave_event_data(leave)
        )
        if leave.decided_by_role == LeaveRequest.DecidedBy.CLASS_TEACHER:
            deciders = _class_teachers(school_class)
        else:
            deciders = school_class.school.management.filter(is_active=True)
        _notify(
            deciders,
            lambda: (
                gettext("Leave request: %(name)s, %(period)s")
                % {"name": _name(student), "period": _period(starts_on, ends_on)}
            ),
            lambda: (
                gettext("%(guardian)s asks for %(half_days)d half-days of leave for %(name)s (class %(class)s).")
                % {"guardian": _name(user), "half_days": half_days, "name": _name(student), "class": school_class.name}
            ),
            "absences_leave",
            pk=leave.pk,
        )
    logger.info(
        "leave request %s by user %s for student %s (%d half-days, %s)",
        leave.pk,
        user.pk,
        student.pk,
        half_days,
        leave.decided_by_role,
    )
    return leave


def _locked_pending(leave):
    leave = (
        LeaveRequest.objects.select_for_update(of=("self",))
        .select_related("student", "school_class__school")
        .get(pk=leave.pk)
    )
    if leave.status != LeaveRequest.Status.PENDING:
        raise AbsenceError(
            _("This leave request is no longer pending (%(status)s).") % {"status": leave.get_status_display()}
        )
    return leave


def decide_leave(user, leave, *, approve, note="", reason=ReasonCategory.FAMILY):
    """Approve (an excused absence is recorded) or decline (with a note); the guardians are told."""
    note = (note or "").strip()
    if not may_decide_leave(user, leave):
        if leave.decided_by_role == LeaveRequest.DecidedBy.MANAGEMENT:
            raise NotAllowed(_("This leave request is decided by the school management."))
        raise NotAllowed(_("This leave request is decided by the class teacher."))
    if not approve and not note:
        raise AbsenceError(_("Please say why the leave is declined."), field="note")
    if approve and reason not in (ReasonCategory.FAMILY, ReasonCategory.OTHER):
        raise AbsenceError(_("Please choose family reasons or other."), field="reason")
    with transaction.atomic():
        leave = _locked_pending(leave)
        leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.DECLINED
        leave.decided_by = user
        leave.decided_at = timezone.now()
        leave.decision_note = note
        leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        absence = None
        if approve:
            absence = Absence.objects.create(
                student=leave.student,
                school_class=leave.school_class,
                kind=Absence.Kind.ABSENCE,
                starts_on=leave.starts_on,
                ends_on=leave.ends_on,
                half_days=leave.half_days,
                reason=reason,
                note="",
                source=Absence.Source.LEAVE,
                status=Absence.Status.EXCUSED,
                reported_by=user,
            )
            _announce(absence)
        student = leave.student

        def title():
            if approve:
                return gettext("Leave approved: %(name)s, %(period)s") % {
                    "name": _name(student),
                    "period": _period(leave.starts_on, leave.ends_on),
                }
            return gettext("Leave declined: %(name)s, %(period)s") % {
                "name": _name(student),
                "period": _period(leave.starts_on, leave.ends_on),
            }

        def body():
            if approve:
                text = gettext("The leave of %(name)s has been approved; the absence is excused.") % {
                    "name": _name(student)
                }
            else:
                text = gettext("The leave of %(name)s has been declined.") % {"name": _name(student)}
            return f"{text}\n{note}" if note else text

        _notify(_guardians(student), title, body, "absences_leave", pk=leave.pk)
    logger.info("leave request %s %s by user %s", leave.pk, leave.status, user.pk)
    return leave, absence


def withdraw_leave(user, leave):
    """A guardian who may act withdraws a pending request."""
    if not policies.may_act_for_student(user, leave.student):
        raise NotAllowed(_("Only a guardian with custody may withdraw this leave request."))
    with transaction.atomic():
        leave = _locked_pending(leave)
        leave.status = LeaveRequest.Status.WITHDRAWN
        leave.save(update_fields=["status"])
    logger.info("leave request %s withdrawn by user %s", leave.pk, user.pk)
    return leave


def pending_for_management(user):
    """Pending requests above the class teacher's limit in the schools the person manages."""
    if not _person(user):
        return LeaveRequest.objects.none()
    return LeaveRequest.objects.filter(
        status=LeaveRequest.Status.PENDING,
        decided_by_role=LeaveRequest.DecidedBy.MANAGEMENT,
        school_class__school__in=user.managed_schools.values("pk"),
    )


def decidable_in_class(user, school_class):
    """Pending requests of the class this person (a class teacher of it) decides."""
    if not policies.is_class_teacher_of(user, school_class):
        return LeaveRequest.objects.none()
    return LeaveRequest.objects.filter(
        school_class=school_class,
        status=LeaveRequest.Status.PENDING,
        decided_by_role=LeaveRequest.DecidedBy.CLASS_TEACHER,
    )


# --- totals ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    excused: int = 0
    unexcused: int = 0
    reported: int = 0
    late: int = 0


def _totals_aggregates():
    absence = Q(kind=Absence.Kind.ABSENCE)
    return {
        "excused": Sum("half_days", filter=absence & Q(status=Absence.Status.EXCUSED), default=0),
        "unexcused": Sum("half_days", filter=absence & Q(status=Absence.Status.UNEXCUSED), default=0),
        "reported": Sum("half_days", filter=absence & Q(status=Absence.Status.REPORTED), default=0),
        "late": Count("pk", filter=Q(kind=Absence.Kind.LATE)),
    }


def _in_term(term):
    return Absence.objects.filter(starts_on__lte=term.ends_on, ends_on__gte=term.starts_on)


def term_totals(student, term):
    """For the report card: excused and unexcused half-days (and those not yet assessed) and late arrivals of the
    absences overlapping the term, each counted with its half-days. One query."""
    return Totals(**_in_term(term).filter(student=student).aggregate(**_totals_aggregates()))


def class_term_totals(school_class, term):
    """[(student, Totals)] for the students currently in the class, by name. Two queries."""
    students = list(class_students(school_class))
    rows = (
        _in_term(term)
        .filter(student__in=[s.pk for s in students])
        .values("student")
        .annotate(**_totals_aggregates())
        .order_by()
    )
    by_student = {row.pop("student"): Totals(**row) for row in rows}
    return [(student, by_student.get(student.pk, Totals())) for student in students]


# --- overview summaries ------------------------------------------------------------------------------------------


def child_summary(viewer, student):
    """This term's totals and the open leave requests of the child (guardians, the student)."""
    if not students_with_absences_for(viewer).filter(pk=student.pk).exists():
        return None
    enrolment = current_enrolment(student)
    if enrolment is None:
        return None
    term = current_term(enrolment.school_class)
    open_requests = LeaveRequest.objects.filter(student=student, status=LeaveRequest.Status.PENDING).count()
    return {"term": term, "totals": term_totals(student, term) if term else Totals(), "open_requests": open_requests}


def class_summary(teacher, school_class):
    """Reported absences to assess and the leave requests this teacher may decide."""
    if not policies.is_teacher_of(teacher, school_class):
        return None
    to_assess = Absence.objects.filter(school_class=school_class, status=Absence.Status.REPORTED).count()
    to_decide = decidable_in_class(teacher, school_class).count()
    return {"to_assess": to_assess, "to_decide": to_decide}


summaries.register_child("absences", "schools/absences/summary_child.html", child_summary, order=40)
summaries.register_class("absences", "schools/absences/summary_class.html", class_summary, order=40)

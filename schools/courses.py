"""Course registrations (Kursanmeldungen): who sees which courses, registering, the waiting list, cancelling, fees.

A guardian who may act for a child (custody, not information-only) registers the child for a course of the child's
school while the registration window is open. The child gets a place while places are left, else a place on the
waiting list. Cancelling a place moves the first child on the waiting list up in the same transaction; that child's
guardians are told. A place with a fee is billed to the guardian as a case with a payment (`services.cases.bill`);
a waiting-list entry is not billed, and the unpaid fee of a cancelled place is cancelled.

Capacity is never exceeded: every change of a course's registrations locks the course row first (on PostgreSQL
`SELECT … FOR UPDATE`; SQLite runs write transactions one at a time).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from account import notifications

from . import policies, summaries
from .models import Course, CourseRegistration, Guardianship

logger = logging.getLogger(__name__)

Status = CourseRegistration.Status
ACTIVE = (Status.REGISTERED, Status.WAITING)
NO_GRADE = -1  # a class without a grade: only courses without a lower grade bound are open to it


class CourseError(Exception):
    """A rule of course registrations was broken; the message is shown to the person."""


class NotAllowed(CourseError):
    """The person sees the record but may not do this (views answer 403)."""


# --- who sees what ------------------------------------------------------------------------------------------


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def own_enrolments(user):
    """Current enrolments of the person themself and of the children they are a guardian of (not of pupils)."""
    return policies.current_enrolments().filter(
        Q(student=user) | Q(student__in=Guardianship.objects.filter(guardian=user).values("student"))
    )


def _eligible_enrolments(enrolments):
    """Enrolments (of an outer Course query) in a class of the course's school with a fitting grade."""
    return (
        enrolments.filter(school_class__school=OuterRef("school"))
        .annotate(class_grade=Coalesce("school_class__grade", Value(NO_GRADE)))
        .filter(
            class_grade__gte=Coalesce(OuterRef("min_grade"), Value(NO_GRADE)),
            class_grade__lte=Coalesce(OuterRef("max_grade"), Value(32767)),
        )
    )


def courses_visible_to(user):
    """Courses open to the person or one of their children: the school of a current class, the grade in range."""
    if not _person(user):
        return Course.objects.none()
    return Course.objects.filter(Exists(_eligible_enrolments(own_enrolments(user))))


def eligible_students(course, student_ids):
    """The students among `student_ids` the course is open to."""
    enrolments = (
        policies.current_enrolments()
        .filter(school_class__school_id=course.school_id)
        .annotate(class_grade=Coalesce("school_class__grade", Value(NO_GRADE)))
        .filter(class_grade__gte=course.min_grade if course.min_grade is not None else NO_GRADE)
    )
    if course.max_grade is not None:
        enrolments = enrolments.filter(class_grade__lte=course.max_grade)
    return get_user_model().objects.filter(pk__in=list(student_ids)).filter(pk__in=enrolments.values("student"))


def registrations_visible_to(user):
    """Registrations of the person themself and of the children they are a guardian of (teachers see none)."""
    if not _person(user):
        return CourseRegistration.objects.none()
    return CourseRegistration.objects.filter(
        Q(student=user) | Q(student__in=Guardianship.objects.filter(guardian=user).values("student"))
    )


def with_places(courses):
    """Annotate `taken` (registered) and `waiting` counts; `places_left` is then a property-like attribute."""
    return courses.annotate(
        taken=Count("registrations", filter=Q(registrations__status=Status.REGISTERED), distinct=True),
        waiting=Count("registrations", filter=Q(registrations__status=Status.WAITING), distinct=True),
    )


def with_positions(registrations):
    """Annotate `position`: the place on the waiting list (1 = next to move up) of waiting registrations."""
    ahead = (
        CourseRegistration.objects.filter(course=OuterRef("course"), status=Status.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return registrations.annotate(
        ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)),
    )


def position_of(registration):
    """The waiting-list position (1-based) of a waiting registration, else None."""
    if registration.status != Status.WAITING:
        return None
    ahead = getattr(registration, "ahead", None)
    if ahead is None:
        ahead = (
            CourseRegistration.objects.filter(course_id=registration.course_id, status=Status.WAITING)
            .filter(
                Q(created_at__lt=registration.created_at)
                | Q(created_at=registration.created_at, pk__lt=registration.pk)
            )
            .count()
        )
    return ahead + 1


def ordinal(number):
    """ "1st", "2nd", "3rd", "4th" in English; translations say it their way ("1.", "2." in German)."""
    if 10 <= number % 100 <= 20:
        suffix = pgettext("ordinal suffix", "th")
    else:
        suffix = {
            1: pgettext("ordinal suffix", "st"),
            2: pgettext("ordinal suffix", "nd"),
            3: pgettext("ordinal suffix", "rd"),
        }.get(number % 10, pgettext("ordinal suffix", "th"))
    return f"{number}{suffix}"


def waiting_label(position):
    return _("%(ordinal)s on the waiting list") % {"ordinal": ordinal(position)}


def places_left(course):
    taken = getattr(course, "taken", None)
    if taken is None:
        taken = course.registrations.filter(status=Status.REGISTERED).count()
    return max(course.capacity - taken, 0)


def window_state(course, now=None):
    """ "upcoming", "open" or "closed"."""
    now = now or timezone.now()
    if now < course.registration_opens_at:
        return "upcoming"
    if now > course.registration_closes_at:
        return "closed"
    return "open"


def has_started(course, today=None):
    return course.starts_on is not None and (today or timezone.localdate()) >= course.starts_on


def may_cancel(user, registration, today=None):
    return (
        registration.status in ACTIVE
        and not has_started(registration.course, today)
        and policies.may_act_for_student(user, registration.student)
    )


def is_eligible(course, student):
    return eligible_students(course, [student.pk]).exists()


def fee_label(rappen):
    """ "CHF 1’250.00", the way the portal writes amounts everywhere."""
    from services.templatetags.cases import chf

    return chf(rappen)


# --- registering ---------------------------------------------------------------------------------------------


def register(user, course, student):
    """Register `student` for `course` as `user` (a guardian who may act); returns the new registration.

    The child gets a place if one is left and nobody waits, else the next place on the waiting list. A place with a
    fee is billed to `user` at once.
    """
    if not policies.may_act_for_student(user, student):
        raise NotAllowed(_("Only a guardian with custody may register this child for a course."))
    if not is_eligible(course, student):
        raise CourseError(_("This course is not open to %(name)s's class.") % {"name": student.get_full_name()})
    state = window_state(course)
    if state == "upcoming":
        raise CourseError(
            _("Registration opens on %(date)s.")
            % {"date": date_format(timezone.localtime(course.registration_opens_at), "SHORT_DATETIME_FORMAT")}
        )
    if state == "closed":
        raise CourseError(_("Registration for this course has closed."))
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        active = CourseRegistration.objects.filter(course=course, student=student, status__in=ACTIVE).first()
        if active is not None:
            if active.status == Status.WAITING:
                raise CourseError(_("%(name)s is already on the waiting list.") % {"name": student.get_full_name()})
            raise CourseError(_("%(name)s is already registered for this course.") % {"name": student.get_full_name()})
        # Places freed meanwhile (e.g. the capacity was raised) go to those waiting first.
        _fill_places(course)
        taken = course.registrations.filter(status=Status.REGISTERED).count()
        waiting = course.registrations.filter(status=Status.WAITING).exists()
        status = Status.REGISTERED if taken < course.capacity and not waiting else Status.WAITING
        try:
            with transaction.atomic():
                registration = CourseRegistration.objects.create(
                    course=course, student=student, registered_by=user, status=status
                )
        except IntegrityError as error:
            message = _("%(name)s is already registered for this course.") % {"name": student.get_full_name()}
            raise CourseError(message) from error
        if status == Status.REGISTERED:
            _bill(registration, user)
    logger.info(
        "course %s: %s registered student %s as %s (registration %s)",
        course.pk,
        user.pk,
        student.pk,
        status,
        registration.pk,
    )
    return registration


def _bill(registration, guardian):
    """Bill the course fee of a registered place to `guardian` (nothing for a free course)."""
    course = registration.course
    if not course.fee_rappen or guardian is None:
        return None
    from services import cases

    student = registration.student
    with translation.override(guardian.language or settings.LANGUAGE_CODE):
        title = _("Course fee: %(course)s – %(name)s") % {"course": course.title, "name": student.get_full_name()}
        lines = [
            (_("Course"), course.title),
            (_("Participant"), student.get_full_name()),
            (_("School"), course.school.name),
        ]
        if course.starts_on:
            lines.append((_("Starts on"), date_format(course.starts_on, "SHORT_DATE_FORMAT")))
        if course.schedule:
            lines.append((_("When and where"), course.schedule))
        lines.append((_("Fee"), fee_label(course.fee_rappen)))
        case = cases.bill(guardian, title, course.fee_rappen, key=f"course-registration:{registration.pk}", lines=lines)
    registration.fee_case = case
    registration.save(update_fields=["fee_case"])
    return case


def _payer(registration):
    """Who pays a place that moved up: the guardian who registered while they may still act, else another one."""
    if registration.registered_by_id and policies.may_act_for_student(registration.registered_by, registration.student):
        return registration.registered_by
    guardianship = (
        Guardianship.objects.filter(student=registration.student, has_custody=True, information_only=False)
        .select_related("guardian")
        .order_by("pk")
        .first()
    )
    return guardianship.guardian if guardianship else None


def _fill_places(course):
    """Move waiting registrations up while places are left (the course row is locked by the caller)."""
    moved = []
    taken = course.registrations.filter(status=Status.REGISTERED).count()
    if taken >= course.capacity:
        return moved
    queue = (
        course.registrations.filter(status=Status.WAITING)
        .select_related("student", "registered_by", "course__school")
        .order_by("created_at", "pk")
    )
    for registration in queue[: course.capacity - taken]:
        registration.status = Status.REGISTERED
        registration.moved_up_at = timezone.now()
        registration.save(update_fields=["status", "moved_up_at"])
        payer = _payer(registration)
        if payer is None and course.fee_rappen:
            logger.warning("registration %s moved up without a guardian to bill", registration.pk)
        _bill(registration, payer)
        _notify_moved_up(registration)
        logger.info("course %s: registration %s moved up from the waiting list", course.pk, registration.pk)
        moved.append(registration)
    return moved


def fill_places(course):
    """Give free places to those waiting (e.g. after the school raised the capacity); returns who moved up."""
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        return _fill_places(course)


def _notify_moved_up(registration):
    course, student = registration.course, registration.student
    guardians = Guardianship.objects.filter(student=student, has_custody=True).select_related("guardian")
    for guardianship in guardians:
        guardian = guardianship.guardian
        with translation.override(guardian.language or settings.LANGUAGE_CODE):
            url = reverse("school:courses_detail", kwargs={"pk": course.pk})
            title = _("Place available: %(name)s is registered for %(course)s") % {
                "name": student.get_full_name(),
                "course": course.title,
            }
            body = _("A place became free and %(name)s moved up from the waiting list: %(name)s is now registered.") % {
                "name": student.get_full_name()
            }
            if course.fee_rappen and registration.fee_case_id and registration.fee_case.owner_user_id == guardian.pk:
                body += " " + _("The fee of %(fee)s is billed to you; you can pay it from your account.") % {
                    "fee": fee_label(course.fee_rappen)
                }
        notifications.notify(guardian, "school", title, body, url)


# --- cancelling ----------------------------------------------------------------------------------------------


def cancel(user, registration):
    """Cancel a registration (a guardian who may act, until the course starts).

    A freed place goes to the first child on the waiting list in the same transaction; the unpaid fee of the
    cancelled place is cancelled.
    """
    if not policies.may_act_for_student(user, registration.student):
        raise NotAllowed(_("Only a guardian with custody may cancel this registration."))
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=registration.course_id)
        registration = CourseRegistration.objects.select_related("student", "fee_case").get(pk=registration.pk)
        registration.course = course
        if registration.status == Status.CANCELLED:
            raise CourseError(_("This registration has already been cancelled."))
        if has_started(course):
            raise CourseError(_("The course has started; please contact the school to cancel."))
        was_registered = registration.status == Status.REGISTERED
        registration.status = Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        if registration.fee_case_id:
            _cancel_fee(registration.fee_case, user)
        moved = _fill_places(course) if was_registered else []
    logger.info(
        "course %s: %s cancelled registration %s (%s); %s moved up",
        course.pk,
        user.pk,
        registration.pk,
        "place" if was_registered else "waiting list",
        [r.pk for r in moved],
    )
    return registration


def _cancel_fee(case, user):
    """Cancel the open fee of a cancelled place and withdraw its bill; a paid fee stays (refund by the school)."""
    from services import cases

    with translation.override((case.owner_user.language if case.owner_user else "") or settings.LANGUAGE_CODE):
        text = _("Fee cancelled: the course registration was cancelled.")
    if not cases.cancel_bill(case, actor=user, text=text):
        logger.info("case %s: fee of a cancelled course place was paid already; refund by the school", case.pk)


# --- overview -----------------------------------------------------------------------------------------------


def child_summary(viewer, student):
    """The child's active registrations with status and waiting position, for the guardians and the student."""
    if viewer.pk != student.pk and not Guardianship.objects.filter(guardian=viewer, student=student).exists():
        return None
    registrations = list(
        with_positions(
            CourseRegistration.objects.filter(student=student, status__in=ACTIVE).select_related("course")
        ).order_by("course__starts_on", "course__title")
    )
    return {
        "registrations": [
            {
                "course": registration.course,
                "status": registration.status,
                "label": waiting_label(position_of(registration))
                if registration.status == Status.WAITING
                else registration.get_status_display(),
            }
            for registration in registrations
        ]
    }


summaries.register_child("courses", "schools/courses/summary_child.html", child_summary, order=50)

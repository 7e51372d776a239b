"""Weekly plans (Wochenpläne): a teacher plans a class's week, publishes it, guardians acknowledge it per child.

Who sees what:
- the teachers of a class (any teaching assignment) see and edit all of its plans, drafts included;
- students see the published plans of their current classes;
- guardians (with custody or information right only) see the published plans of their children's current
  classes, and acknowledge a plan per child (acknowledging only states that they have read it).

Views and the demo call these functions; they raise `WeeklyPlanError` with a clear message.
"""

import datetime
import logging
import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from account import notifications

from . import summaries
from .models import Guardianship, SchoolClass, TeachingAssignment
from .models.weekly_plans import PlanAcknowledgement, WeeklyPlan, WeeklyPlanAttachment, WeeklyPlanTask
from .policies import children_of, classes_visible_to, current_enrolments, is_teacher_of

logger = logging.getLogger(__name__)

# How many past weeks the entry page lists.
RECENT_WEEKS = 8
MAX_ATTACHMENTS = 10


class WeeklyPlanError(Exception):
    """A rule of weekly plans was broken; the message says what to do."""


# --- weeks ------------------------------------------------------------------------------------------------------


def monday_of(day):
    """The Monday of the week `day` falls in: every plan is filed under its Monday."""
    return day - datetime.timedelta(days=day.weekday())


def this_monday(today=None):
    return monday_of(today or timezone.localdate())


def week_label(monday):
    """Monday to Friday, e.g. "02.11.2026 – 06.11.2026"."""
    friday = monday + datetime.timedelta(days=4)
    return f"{formats.date_format(monday, 'd.m.Y')} – {formats.date_format(friday, 'd.m.Y')}"


# --- who sees and does what -------------------------------------------------------------------------------------


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def taught_classes(user):
    """The classes the person has a teaching assignment in (class teacher or subject teacher)."""
    if not _person(user):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(pk__in=TeachingAssignment.objects.filter(teacher=user).values("school_class"))


def plannable_classes(user, today=None):
    """The classes a teacher may make plans for: their classes of school years that are not over."""
    today = today or timezone.localdate()
    return (
        taught_classes(user)
        .filter(school_year__ends_on__gte=today)
        .select_related("school", "school_year")
        .order_by("school__name", "name")
    )


def plans_visible_to(user):
    """Teachers: every plan of their classes (drafts too); students and guardians: published plans of the
    (children's) current classes."""
    if not _person(user):
        return WeeklyPlan.objects.none()
    return WeeklyPlan.objects.filter(
        Q(school_class__in=taught_classes(user).values("pk"))
        | Q(published_at__isnull=False, school_class__in=classes_visible_to(user).values("pk"))
    )


def plans_editable_by(user):
    """The plans a person may edit, publish and delete: those of the classes they teach."""
    return WeeklyPlan.objects.filter(school_class__in=taught_classes(user).values("pk"))


def may_edit(user, plan):
    return is_teacher_of(user, plan.school_class_id)


def acknowledgeable_children(user, plan):
    """The guardian's children currently in the plan's class, for whom the guardian may acknowledge it."""
    User = get_user_model()
    if not _person(user) or plan.published_at is None:
        return User.objects.none()
    return (
        children_of(user)
        .filter(pk__in=current_enrolments().filter(school_class=plan.school_class_id).values("student"))
        .order_by("first_name", "last_name", "pk")
    )


# --- plans, tasks, attachments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskData:
    subject: str
    description: str
    day: int | None = None  # 0 = Monday … 4 = Friday; None = any time in the week
    compulsory: bool = True


def _lock(queryset):
    if connection.features.has_select_for_update_of:
        return queryset.select_for_update(of=("self",))
    if connection.features.has_select_for_update:
        return queryset.select_for_update()
    return queryset


def _check_week(school_class, monday):
    year = school_class.school_year
    if monday > year.ends_on or monday + datetime.timedelta(days=4) < year.starts_on:
        raise WeeklyPlanError(
            _("The week of %(week)s is not in the school year %(year)s of class %(class)s.")
            % {"week": week_label(monday), "year": year.name, "class": school_class.name}
        )


def _replace_tasks(plan, tasks):
    plan.tasks.all().delete()
    WeeklyPlanTask.objects.bulk_create(
        WeeklyPlanTask(
            plan=plan,
            subject=task.subject.strip(),
            description=task.description.strip(),
            day=task.day,
            compulsory=task.compulsory,
            position=position,
        )
        for position, task in enumerate(tasks)
    )


def create_plan(teacher, school_class, week, *, title="", notes="", tasks=(), files=()):
    """Make a draft plan for the week `week` falls in; one plan per class and week."""
    if not is_teacher_of(teacher, school_class):
        raise WeeklyPlanError(_("You can only make plans for the classes you teach."))
    monday = monday_of(week)
    _check_week(school_class, monday)
    duplicate = _("There is already a plan for class %(class)s in the week %(week)s. Open it to change it.") % {
        "class": school_class.name,
        "week": week_label(monday),
    }
    if WeeklyPlan.objects.filter(school_class=school_class, week_starts_on=monday).exists():
        raise WeeklyPlanError(duplicate)
    try:
        with transaction.atomic():
            plan = WeeklyPlan.objects.create(
                school_class=school_class,
                week_starts_on=monday,
                title=title.strip(),
                notes=notes.strip(),
                created_by=teacher,
            )
            _replace_tasks(plan, tasks)
            for upload in files:
                add_attachment(plan, upload)
    except IntegrityError as error:
        # Two teachers saved a plan for the same week at the same moment.
        raise WeeklyPlanError(duplicate) from error
    logger.info("Weekly plan %s created for class %s, week %s by user %s", plan.pk, school_class.pk, monday, teacher.pk)
    return plan


def update_plan(teacher, plan, *, title, notes, tasks, files=(), remove_attachments=()):
    """Change title, notes, tasks and attachments; published plans may be changed too (visible at once)."""
    if not may_edit(teacher, plan):
        raise WeeklyPlanError(_("You can only change the plans of the classes you teach."))
    with transaction.atomic():
        plan = _lock(WeeklyPlan.objects.filter(pk=plan.pk)).get()
        plan.title, plan.notes = title.strip(), notes.strip()
        plan.save(update_fields=["title", "notes"])
        _replace_tasks(plan, tasks)
        for attachment in plan.attachments.filter(pk__in=[a.pk for a in remove_attachments]):
            remove_attachment(attachment)
        for upload in files:
            add_attachment(plan, upload)
    logger.info("Weekly plan %s changed by user %s", plan.pk, teacher.pk)
    return plan


def delete_plan(teacher, plan):
    """Only drafts are deleted: once published, students and guardians may rely on a plan."""
    if not may_edit(teacher, plan):
        raise WeeklyPlanError(_("You can only delete the plans of the classes you teach."))
    if plan.published_at is not None:
        raise WeeklyPlanError(_("A published plan cannot be deleted; change it instead."))
    with transaction.atomic():
        for attachment in plan.attachments.all():
            remove_attachment(attachment)
        plan.delete()
    logger.info("Weekly plan draft %s deleted by user %s", plan.pk, teacher.pk)


def attachment_storage():
    """Plan files are personal to the class: the private storage, served only after a permission check."""
    return storages["private"]


def add_attachment(plan, upload, filename=None):
    """Store an (already checked) uploaded file with the plan, in the private storage."""
    filename = os.path.basename(filename or upload.name)[:200]
    if plan.attachments.count() >= MAX_ATTACHMENTS:
        raise WeeklyPlanError(_("A plan can have at most %(max)d attachments.") % {"max": MAX_ATTACHMENTS})
    storage = attachment_storage()
    name = storage.generate_filename(f"schools/plans/{plan.pk}/{uuid.uuid4().hex}/{filename}")
    stored = storage.save(name, upload)
    attachment = WeeklyPlanAttachment(plan=plan, filename=filename)
    attachment.file.name = stored
    attachment.save()
    return attachment


def remove_attachment(attachment):
    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: attachment_storage().delete(name))


def open_attachment(attachment):
    return attachment_storage().open(attachment.file.name, "rb")


# --- publishing and acknowledging -------------------------------------------------------------------------------


def recipients(plan):
    """The class's current students and all their guardians (custody or information right only), once each."""
    User = get_user_model()
    students = current_enrolments().filter(school_class=plan.school_class_id).values("student")
    guardians = Guardianship.objects.filter(student__in=students).values("guardian")
    return User.objects.filter(Q(pk__in=students) | Q(pk__in=guardians), is_active=True).order_by("pk")


def plan_url(plan):
    return reverse("school:plans_detail", kwargs={"pk": plan.pk})


def publish(teacher, plan, *, notify=True):
    """Publish the plan: students and guardians see it from now on and are notified once.

    Returns False (and notifies nobody) when the plan was already published."""
    if not may_edit(teacher, plan):
        raise WeeklyPlanError(_("You can only publish the plans of the classes you teach."))
    with transaction.atomic():
        locked = _lock(WeeklyPlan.objects.filter(pk=plan.pk)).select_related("school_class").get()
        if locked.published_at is not None:
            plan.published_at = locked.published_at
            return False
        if not locked.tasks.exists():
            raise WeeklyPlanError(_("Add at least one task before publishing the plan."))
        locked.published_at = plan.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        sent = _notify_published(locked) if notify else 0
    logger.info("Weekly plan %s published by user %s, %d notified", plan.pk, teacher.pk, sent)
    return True


def _notify_published(plan):
    count = 0
    for person in recipients(plan):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            params = {"class": plan.school_class.name, "week": week_label(plan.week_starts_on)}
            title = _("Weekly plan of class %(class)s for %(week)s") % params
            body = _("The weekly plan of class %(class)s for %(week)s is published: %(title)s") % {
                **params,
                "title": plan.title or _("(no title)"),
            }
            notifications.notify(person, "school", title, body, plan_url(plan))
        count += 1
    return count


def acknowledge(guardian, plan, student):
    """A guardian states having read the published plan for one child; doing it twice changes nothing.

    Returns (acknowledgement, created)."""
    if plan.published_at is None:
        raise WeeklyPlanError(_("This plan is not published yet."))
    if not acknowledgeable_children(guardian, plan).filter(pk=student.pk).exists():
        raise WeeklyPlanError(_("You can only acknowledge plans of your own children's classes."))
    try:
        with transaction.atomic():
            acknowledgement, created = PlanAcknowledgement.objects.get_or_create(
                plan=plan, student=student, guardian=guardian
            )
    except IntegrityError:
        acknowledgement, created = PlanAcknowledgement.objects.get(plan=plan, student=student, guardian=guardian), False
    if created:
        logger.info("Weekly plan %s acknowledged for student %s by guardian %s", plan.pk, student.pk, guardian.pk)
    return acknowledgement, created


def acknowledgement_table(plan):
    """For the teacher: each current student of the class with the acknowledgements of their guardians."""
    enrolments = (
        current_enrolments()
        .filter(school_class=plan.school_class_id)
        .select_related("student")
        .order_by("student__last_name", "student__first_name", "student__pk")
    )
    by_student = {}
    for acknowledgement in plan.acknowledgements.select_related("guardian").order_by("acknowledged_at"):
        by_student.setdefault(acknowledgement.student_id, []).append(acknowledgement)
    return [
        {"student": enrolment.student, "acknowledgements": by_student.get(enrolment.student_id, [])}
        for enrolment in enrolments
    ]


# --- reading: plan page and entry page --------------------------------------------------------------------------

WHOLE_WEEK = gettext_lazy("Whole week")


def tasks_by_day(plan, tasks=None):
    """Groups of tasks, Monday to Friday, then "whole week"; each with its date (None for the whole week)."""
    tasks = list(plan.tasks.all() if tasks is None else tasks)
    groups = []
    for day, label in WeeklyPlanTask.Day.choices:
        day_tasks = [task for task in tasks if task.day == day]
        if day_tasks:
            date = plan.week_starts_on + datetime.timedelta(days=day)
            groups.append({"day": day, "label": label, "date": date, "tasks": day_tasks})
    whole_week = [task for task in tasks if task.day is None]
    if whole_week:
        groups.append({"day": None, "label": WHOLE_WEEK, "date": None, "tasks": whole_week})
    return groups


def _with_counts(queryset):
    return queryset.annotate(
        task_count=Count("tasks", distinct=True),
        compulsory_count=Count("tasks", filter=Q(tasks__compulsory=True), distinct=True),
    )


def _order_weeks(plans, monday):
    """This and coming weeks first (soonest first), then past weeks (latest first)."""
    upcoming = sorted((p for p in plans if p.week_starts_on >= monday), key=lambda p: p.week_starts_on)
    past = sorted((p for p in plans if p.week_starts_on < monday), key=lambda p: p.week_starts_on, reverse=True)
    return upcoming + past


def teacher_overview(user, today=None):
    """[{school_class, plans}] for the classes the teacher plans for; recent, current and future weeks."""
    monday = this_monday(today)
    classes = list(plannable_classes(user, today))
    if not classes:
        return []
    plans = _with_counts(
        WeeklyPlan.objects.filter(
            school_class__in=classes, week_starts_on__gte=monday - datetime.timedelta(weeks=RECENT_WEEKS)
        )
    ).annotate(acknowledged_students=Count("acknowledgements__student", distinct=True))
    by_class = {}
    for plan in plans:
        by_class.setdefault(plan.school_class_id, []).append(plan)
    students = dict(
        current_enrolments(today)
        .filter(school_class__in=classes)
        .values("school_class")
        .annotate(count=Count("pk"))
        .values_list("school_class", "count")
    )
    return [
        {
            "school_class": school_class,
            "plans": _order_weeks(by_class.get(school_class.pk, []), monday),
            "students": students.get(school_class.pk, 0),
        }
        for school_class in classes
    ]


def _published_in(class_ids, monday):
    return _with_counts(
        WeeklyPlan.objects.filter(
            school_class__in=class_ids,
            published_at__isnull=False,
            week_starts_on__gte=monday - datetime.timedelta(weeks=RECENT_WEEKS),
        ).select_related("school_class")
    )


def guardian_overview(user, today=None):
    """[{student, this_week, plans, acknowledged}] per child: this week's plan and the other recent ones."""
    monday = this_monday(today)
    children = list(children_of(user).order_by("first_name", "last_name", "pk"))
    if not children:
        return []
    enrolments = list(current_enrolments(today).filter(student__in=children).values_list("student", "school_class"))
    classes_of = {}
    for student_id, class_id in enrolments:
        classes_of.setdefault(student_id, set()).add(class_id)
    plans = list(_published_in({class_id for _student, class_id in enrolments}, monday))
    acknowledged = {
        (plan_id, student_id): at
        for plan_id, student_id, at in PlanAcknowledgement.objects.filter(
            guardian=user, plan__in=[plan.pk for plan in plans]
        ).values_list("plan", "student", "acknowledged_at")
    }
    result = []
    for child in children:
        child_plans = _order_weeks([p for p in plans if p.school_class_id in classes_of.get(child.pk, ())], monday)
        entries = [{"plan": p, "acknowledged_at": acknowledged.get((p.pk, child.pk))} for p in child_plans]
        result.append(
            {
                "student": child,
                "this_week": [e for e in entries if e["plan"].week_starts_on == monday],
                "other_weeks": [e for e in entries if e["plan"].week_starts_on != monday],
            }
        )
    return result


def student_overview(user, today=None):
    """The published plans of the student's own current classes, this and coming weeks first."""
    if not _person(user):
        return []
    monday = this_monday(today)
    class_ids = current_enrolments(today).filter(student=user).values("school_class")
    return _order_weeks(list(_published_in(class_ids, monday)), monday)


# --- summaries for the school overview and the dashboard --------------------------------------------------------


def child_summary(viewer, student, today=None):
    """This week's published plan of the child's class: title, compulsory tasks, acknowledged by the viewer."""
    monday = this_monday(today)
    plan = (
        _with_counts(
            WeeklyPlan.objects.filter(
                published_at__isnull=False,
                week_starts_on=monday,
                school_class__in=current_enrolments(today).filter(student=student).values("school_class"),
            )
        )
        .select_related("school_class")
        .order_by("school_class__name")
        .first()
    )
    summary = {"plan": plan, "week": week_label(monday), "is_guardian": False, "acknowledged_at": None}
    if plan is not None and viewer.pk != student.pk:
        summary["is_guardian"] = Guardianship.objects.filter(guardian=viewer, student=student).exists()
        summary["acknowledged_at"] = (
            PlanAcknowledgement.objects.filter(plan=plan, student=student, guardian=viewer)
            .values_list("acknowledged_at", flat=True)
            .first()
        )
    return summary


def class_summary(teacher, school_class, today=None):
    """This week's plan of the class for its teacher: draft, published or missing; students acknowledged x of y."""
    if not is_teacher_of(teacher, school_class):
        return None
    monday = this_monday(today)
    plan = (
        WeeklyPlan.objects.filter(school_class=school_class, week_starts_on=monday)
        .annotate(acknowledged_students=Count("acknowledgements__student", distinct=True))
        .first()
    )
    state = "missing" if plan is None else "published" if plan.published_at else "draft"
    students = current_enrolments(today).filter(school_class=school_class).count() if plan else 0
    return {
        "plan": plan,
        "state": state,
        "week": week_label(monday),
        "monday": monday,
        "acknowledged": plan.acknowledged_students if plan else 0,
        "students": students,
    }


summaries.register_child("plans", "schools/plans/summary_child.html", child_summary, order=10)
summaries.register_class("plans", "schools/plans/summary_class.html", class_summary, order=10)

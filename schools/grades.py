"""Grades (Noteneinsicht): teachers enter assessments and grades, students and guardians see them once published.

Who sees what:

- the teachers of a class (any teaching assignment) see every assessment of the class, published or not, with all
  grades (`assessments_for_teacher`);
- the student and the guardians who may see grades (`policies.may_see_grades`: custody, or the school lets guardians
  without custody see grades) see the *published* assessments and that one student's grade only
  (`grade_students_for`, `published_grades_of`); never a classmate's grade, never class statistics.

Who acts: a teacher of the class creates an assessment in a subject of their assignment; the class teacher in any
subject taught in the class or one they type. The class teacher, a teacher of the assessment's subject and the
teacher who created it edit, publish and withdraw it. Publishing notifies the graded students and their guardians who
may see grades, once per publication.
"""

import datetime
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from account import notifications

from . import policies, summaries
from .models import Assessment, Grade, Guardianship, SchoolClass, TeachingAssignment

logger = logging.getLogger(__name__)

LOWEST, HIGHEST = Decimal("1"), Decimal("6")
NEW_GRADES_DAYS = 14
MAX_SUBJECT_LENGTH = 80


class GradeError(Exception):
    """A grade rule was broken; the message is translated and meant for the person who acted."""


# --- scoped querysets -------------------------------------------------------------------------------------------


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def classes_taught_by(user):
    """The classes the person has a teaching assignment in (they see those classes' assessments, published or not)."""
    if not _person(user):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(
        pk__in=TeachingAssignment.objects.filter(teacher=user).values("school_class")
    ).select_related("school", "school_year")


def assessments_for_teacher(user):
    """Every assessment (published or not) of the classes the person teaches."""
    if not _person(user):
        return Assessment.objects.none()
    return Assessment.objects.filter(
        school_class__in=TeachingAssignment.objects.filter(teacher=user).values("school_class")
    ).select_related("school_class__school", "teacher")


def grade_students_for(user):
    """The students whose published grades this person sees as the student or as a guardian.

    The same rule as `policies.may_see_grades` without the teachers (they see their classes' grids instead): the
    student while enrolled, guardians with custody, guardians without custody where a current class's school lets
    them see grades. One query when evaluated.
    """
    User = get_user_model()
    if not _person(user):
        return User.objects.none()
    enrolments = policies.current_enrolments()
    guardianships = Guardianship.objects.filter(guardian=user)
    return User.objects.filter(
        Q(pk=user.pk, pk__in=enrolments.filter(student=user).values("student"))
        | Q(pk__in=guardianships.filter(has_custody=True).values("student"))
        | Q(
            pk__in=guardianships.filter(
                has_custody=False,
                student__in=enrolments.filter(school_class__school__grades_visible_without_custody=True).values(
                    "student"
                ),
            ).values("student")
        )
    )


def published_grades_of(student):
    """The student's grades of published assessments, newest first."""
    return (
        Grade.objects.filter(student=student, assessment__published_at__isnull=False)
        .select_related("assessment__school_class")
        .order_by("assessment__subject", "-assessment__date", "-assessment__pk")
    )


def grades_visible_to(user):
    """All grades the person may see: their classes' grades as a teacher, published grades of their students/self."""
    if not _person(user):
        return Grade.objects.none()
    taught = TeachingAssignment.objects.filter(teacher=user).values("school_class")
    return Grade.objects.filter(
        Q(assessment__school_class__in=taught)
        | Q(assessment__published_at__isnull=False, student__in=grade_students_for(user))
    )


# --- predicates -------------------------------------------------------------------------------------------------


def allowed_subjects(user, school_class):
    """(subjects the person may choose, whether they may type another subject) for a new assessment in the class.

    A subject teacher picks from their own assignment's subjects; the class teacher from every subject taught in the
    class, or types one.
    """
    if not _person(user):
        return [], False
    assignments = list(TeachingAssignment.objects.filter(school_class=school_class))
    own = [a for a in assignments if a.teacher_id == user.pk]
    if not own:
        return [], False
    if own[0].is_class_teacher:
        subjects = []
        for assignment in assignments:
            for subject in assignment.subject_list:
                if subject not in subjects:
                    subjects.append(subject)
        return subjects, True
    return own[0].subject_list, False


def may_edit(user, assessment):
    """The class teacher, a teacher of the assessment's subject in the class, or its author while still teaching it."""
    if not _person(user):
        return False
    assignment = TeachingAssignment.objects.filter(teacher=user, school_class_id=assessment.school_class_id).first()
    return _may_edit_with(assignment, user, assessment)


def editable_ids(user, school_class, assessments):
    """The ids of those of the class's `assessments` the person may change (one query)."""
    if not _person(user):
        return set()
    assignment = TeachingAssignment.objects.filter(teacher=user, school_class=school_class).first()
    return {a.pk for a in assessments if _may_edit_with(assignment, user, a)}


def _may_edit_with(assignment, user, assessment):
    if assignment is None:
        return False
    return (
        assignment.is_class_teacher
        or assessment.teacher_id == user.pk
        or assessment.subject.casefold() in {subject.casefold() for subject in assignment.subject_list}
    )


# --- input ------------------------------------------------------------------------------------------------------


def parse_grade(text):
    """A grade typed by a teacher: blank is no grade; "4,5", "4.5" and "4.75" are fine; 1 to 6 in quarters."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        value = text
    else:
        text = str(text).strip().replace(",", ".")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise GradeError(_("Enter a grade such as 4.5 (or 4,5).")) from None
    if not value.is_finite():
        raise GradeError(_("Enter a grade such as 4.5 (or 4,5)."))
    if value < LOWEST or value > HIGHEST:
        raise GradeError(_("A grade lies between 1 and 6."))
    if (value * 4) % 1:
        raise GradeError(_("Grades are given in halves or quarters (e.g. 4.5 or 4.75)."))
    return value.quantize(Decimal("0.01"))


def format_grade(value):
    """4.50 → "4.5", 5.00 → "5", 4.75 → "4.75" (the way teachers write grades)."""
    if value is None:
        return ""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text


def format_average(value):
    """An average always with two decimals ("4.50"), or an en dash without grades."""
    return "–" if value is None else f"{value:.2f}"


def weighted_average(pairs):
    """The weighted average of (value, weight) pairs, to 2 decimals (half up); None without any grade."""
    total_weight = Decimal("0")
    total = Decimal("0")
    for value, weight in pairs:
        if value is None:
            continue
        total += Decimal(value) * Decimal(weight)
        total_weight += Decimal(weight)
    if not total_weight:
        return None
    return (total / total_weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _clean_assessment(user, school_class, subject, title, date, weight, assessment=None):
    subject = (subject or "").strip()
    title = (title or "").strip()
    subjects, may_type = allowed_subjects(user, school_class)
    known = {s.casefold(): s for s in subjects}
    if assessment is not None:
        # Keeping the subject an assessment already has is always fine (it may have been typed by the class teacher).
        known.setdefault(assessment.subject.casefold(), assessment.subject)
    if not subject:
        raise GradeError(_("Choose a subject."))
    if subject.casefold() in known:
        subject = known[subject.casefold()]
    elif not may_type:
        raise GradeError(_("You can only give grades in the subjects you teach in this class."))
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise GradeError(_("The subject is too long (at most 80 characters)."))
    if not title:
        raise GradeError(_("Give the assessment a title."))
    if not isinstance(date, datetime.date):
        raise GradeError(_("Enter the date of the assessment."))
    try:
        weight = Decimal(weight if weight is not None else "1")
    except InvalidOperation:
        raise GradeError(_("The weight is a number such as 1 or 0.5.")) from None
    if not weight.is_finite() or weight < Decimal("0.25") or weight > Decimal("10"):
        raise GradeError(_("The weight lies between 0.25 and 10."))
    if (weight * 4) % 1:
        raise GradeError(_("The weight is given in quarters (e.g. 0.5 or 1.25)."))
    return subject, title, date, weight


# --- students of an assessment ----------------------------------------------------------------------------------


def class_students(school_class):
    """The students currently in the class, by name."""
    User = get_user_model()
    return User.objects.filter(
        pk__in=policies.current_enrolments().filter(school_class=school_class).values("student")
    ).order_by("last_name", "first_name", "pk")


def grid_students(school_class, assessment=None):
    """The class's current students plus anyone who already has a grade in the assessment (e.g. who left)."""
    User = get_user_model()
    condition = Q(pk__in=policies.current_enrolments().filter(school_class=school_class).values("student"))
    if assessment is not None and assessment.pk:
        condition |= Q(pk__in=Grade.objects.filter(assessment=assessment).values("student"))
    return User.objects.filter(condition).order_by("last_name", "first_name", "pk")


# --- writing ----------------------------------------------------------------------------------------------------


def save_assessment(user, school_class, *, subject, title, date, weight=Decimal("1"), grades=None, assessment=None):
    """Create (assessment=None) or change an assessment and its grades.

    `grades` maps a student id to (value, comment): value a Decimal, a typed text or None/blank for "no grade yet"
    (an existing grade is removed). Students outside the grid are refused. Returns the assessment.
    """
    grades = grades or {}
    if assessment is None:
        if not policies.is_teacher_of(user, school_class):
            raise GradeError(_("Only the teachers of this class can give grades."))
    elif assessment.school_class_id != school_class.pk or not may_edit(user, assessment):
        raise GradeError(_("You cannot change this assessment."))
    subject, title, date, weight = _clean_assessment(user, school_class, subject, title, date, weight, assessment)
    cleaned = {}
    errors = []
    for student_id, (value, comment) in grades.items():
        try:
            cleaned[int(student_id)] = (parse_grade(value), (comment or "").strip()[:300])
        except GradeError as error:
            errors.append(str(error))
    if errors:
        raise GradeError(errors[0])

    with transaction.atomic():
        if assessment is None:
            assessment = Assessment.objects.create(
                school_class=school_class, teacher=user, subject=subject, title=title, date=date, weight=weight
            )
            existing = {}
        else:
            assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
            assessment.subject, assessment.title, assessment.date, assessment.weight = subject, title, date, weight
            assessment.save(update_fields=["subject", "title", "date", "weight"])
            existing = {grade.student_id: grade for grade in Grade.objects.filter(assessment=assessment)}
        allowed = set(grid_students(school_class, assessment).values_list("pk", flat=True))
        unknown = set(cleaned) - allowed
        if unknown:
            raise GradeError(_("A student is not in this class."))
        to_create, to_update, to_delete = [], [], []
        for student_id, (value, comment) in cleaned.items():
            grade = existing.get(student_id)
            if value is None:
                if grade is not None:
                    to_delete.append(grade.pk)
            elif grade is None:
                to_create.append(Grade(assessment=assessment, student_id=student_id, value=value, comment=comment))
            elif grade.value != value or grade.comment != comment:
                grade.value, grade.comment = value, comment
                to_update.append(grade)
        Grade.objects.bulk_create(to_create)
        Grade.objects.bulk_update(to_update, ["value", "comment"])
        Grade.objects.filter(pk__in=to_delete).delete()
    logger.info(
        "Assessment %s saved by user %s in class %s: %d new, %d changed, %d removed grades",
        assessment.pk,
        user.pk,
        school_class.pk,
        len(to_create),
        len(to_update),
        len(to_delete),
    )
    return assessment


def publish(user, assessment):
    """Show the assessment to students and guardians and notify them; publishing twice notifies once."""
    if not may_edit(user, assessment):
        raise GradeError(_("You cannot publish this assessment."))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update(of=("self",)).select_related("school_class").get(pk=assessment.pk)
        if locked.published_at is not None:
            return locked
        if not Grade.objects.filter(assessment=locked).exists():
            raise GradeError(_("Enter at least one grade before publishing."))
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        recipients = _notify_publication(locked)
    logger.info("Assessment %s published by user %s (%d notified)", locked.pk, user.pk, recipients)
    return locked


def withdraw(user, assessment):
    """Hide a published assessment again (e.g. a mistake); publishing it later notifies again."""
    if not may_edit(user, assessment):
        raise GradeError(_("You cannot withdraw this assessment."))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.published_at is None:
            return locked
        locked.published_at = None
        locked.save(update_fields=["published_at"])
    logger.info("Assessment %s withdrawn by user %s", locked.pk, user.pk)
    return locked


def delete_assessment(user, assessment):
    """Delete an unpublished assessment with its grades (a published one must be withdrawn first)."""
    if not may_edit(user, assessment):
        raise GradeError(_("You cannot delete this assessment."))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.published_at is not None:
            raise GradeError(_("Withdraw the assessment before deleting it."))
        pk = locked.pk
        locked.delete()
    logger.info("Assessment %s deleted by user %s", pk, user.pk)


def _notify_publication(assessment):
    """Notify each graded student and each of their guardians who may see grades, once per person and student."""
    grades = list(Grade.objects.filter(assessment=assessment).select_related("student"))
    students = {grade.student_id: grade.student for grade in grades}
    guardianships = Guardianship.objects.filter(student_id__in=students).select_related("guardian")
    pairs = [(student, student) for student in students.values()]
    pairs += [(g.guardian, students[g.student_id]) for g in guardianships]
    sent = 0
    for person, student in pairs:
        if not policies.may_see_grades(person, student):
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title = _("New grade: %(subject)s – %(title)s") % {"subject": assessment.subject, "title": assessment.title}
            if person.pk == student.pk:
                body = _("Your grade in %(subject)s (“%(title)s”, %(date)s) is now in the school account.")
            else:
                body = _(
                    "The grade of %(student)s in %(subject)s (“%(title)s”, %(date)s) is now in the school account."
                )
            body = body % {
                "student": student.get_full_name() or student.email,
                "subject": assessment.subject,
                "title": assessment.title,
                "date": date_format(assessment.date, "SHORT_DATE_FORMAT"),
            }
            url = reverse("school:grades_student", kwargs={"student_id": student.pk})
        notifications.notify(person, "school", title, body, url=url)
        sent += 1
    return sent


# --- reading ----------------------------------------------------------------------------------------------------


def student_report(student):
    """The published grades of one student per subject, with each subject's weighted average.

    [{"subject", "average", "rows": [{"assessment", "grade"}...]}...], subjects by name, newest assessment first.
    """
    by_subject = defaultdict(list)
    for grade in published_grades_of(student):
        grade.display = format_grade(grade.value)
        grade.weight_display = format_grade(grade.assessment.weight)
        by_subject[grade.assessment.subject].append(grade)
    report = []
    for subject in sorted(by_subject, key=str.casefold):
        grades = by_subject[subject]
        average = weighted_average((g.value, g.assessment.weight) for g in grades)
        total_weight = sum((g.assessment.weight for g in grades), Decimal("0"))
        report.append(
            {
                "subject": subject,
                "grades": grades,
                "average": average,
                "average_display": format_average(average),
                "total_weight": total_weight,
                "total_weight_display": format_grade(total_weight),
            }
        )
    return report


def class_grid(school_class):
    """The teacher's view of a class: per subject, students × assessments with each student's weighted average.

    Averages include unpublished assessments (`has_unpublished` marks them); `average_published` is what the
    student and the guardians see. A fixed number of queries whatever the number of students and assessments.
    """
    assessments = list(
        Assessment.objects.filter(school_class=school_class)
        .select_related("teacher")
        .annotate(graded=Count("grades"))
        .order_by("subject", "date", "pk")
    )
    students = list(grid_students(school_class))
    grades = list(Grade.objects.filter(assessment__school_class=school_class))
    # Students who left the class but have grades still show, so the grid is complete.
    missing = {g.student_id for g in grades} - {s.pk for s in students}
    if missing:
        User = get_user_model()
        students += list(User.objects.filter(pk__in=missing).order_by("last_name", "first_name", "pk"))
    grade_of = {(g.assessment_id, g.student_id): g for g in grades}
    by_subject = defaultdict(list)
    for assessment in assessments:
        assessment.weight_display = format_grade(assessment.weight)
        by_subject[assessment.subject].append(assessment)
    subjects = []
    for subject in sorted(by_subject, key=str.casefold):
        rows = []
        for student in students:
            cells = []
            for assessment in by_subject[subject]:
                grade = grade_of.get((assessment.pk, student.pk))
                cells.append(
                    {"assessment": assessment, "grade": grade, "display": format_grade(grade.value) if grade else ""}
                )
            graded = [c for c in cells if c["grade"]]
            average = weighted_average((c["grade"].value, c["assessment"].weight) for c in graded)
            published = weighted_average(
                (c["grade"].value, c["assessment"].weight) for c in graded if c["assessment"].published_at
            )
            rows.append(
                {
                    "student": student,
                    "cells": cells,
                    "average": average,
                    "average_display": format_average(average),
                    "average_published": published,
                    "average_published_display": format_average(published),
                    "has_unpublished": any(not c["assessment"].published_at for c in graded),
                }
            )
        subjects.append({"name": subject, "assessments": by_subject[subject], "rows": rows})
    return {
        "subjects": subjects,
        "assessments": sorted(assessments, key=lambda a: (a.date, a.pk), reverse=True),
        "students": students,
        "unpublished": sum(1 for a in assessments if a.published_at is None),
    }


# --- overview summaries -----------------------------------------------------------------------------------------


def child_summary(viewer, student):
    """New published grades of the last 14 days for a viewer who may see the student's grades (None otherwise)."""
    if not policies.may_see_grades(viewer, student):
        return None
    since = timezone.now() - datetime.timedelta(days=NEW_GRADES_DAYS)
    recent = Grade.objects.filter(student=student, assessment__published_at__gte=since)
    latest = recent.select_related("assessment").order_by("-assessment__published_at", "-pk").first()
    return {
        "count": recent.count() if latest else 0,
        "latest": latest,
        "days": NEW_GRADES_DAYS,
        "url": reverse("school:grades_student", kwargs={"student_id": student.pk}),
    }


def class_summary(teacher, school_class):
    """How many assessments of the class are not yet published, for its teachers."""
    if not policies.is_teacher_of(teacher, school_class):
        return None
    return {
        "unpublished": Assessment.objects.filter(school_class=school_class, published_at__isnull=True).count(),
        "url": reverse("school:grades_class", kwargs={"class_id": school_class.pk}),
    }


summaries.register_child("grades", "schools/grades/summary_child.html", child_summary, order=30)
summaries.register_class("grades", "schools/grades/summary_class.html", class_summary, order=30)

# Labels used by forms and templates.
WEIGHT_HELP = gettext_lazy(
    "How much this assessment counts in the subject's average: 1 is normal, 2 counts double, 0.5 half."
)

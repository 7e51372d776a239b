"""Grades in the account: the overview, a student's published grades, a class's grid, the assessment form.

Records are loaded through the scoped querysets of `schools.grades` (404 for anything the person may not see); a
teacher of the class who may not change an assessment gets 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import grades
from .grade_forms import AssessmentForm

NOT_YOURS = gettext_lazy("Only the class teacher and the teachers of this subject change it.")


def _forbidden(request, message, back_url):
    return render(request, "schools/grades/forbidden.html", {"message": message, "back_url": back_url}, status=403)


@login_required
def overview(request):
    classes = grades.classes_taught_by(request.user).annotate(
        unpublished=Count("assessments", filter=Q(assessments__published_at__isnull=True))
    )
    students = grades.grade_students_for(request.user).order_by("last_name", "first_name", "pk")
    return render(
        request,
        "schools/grades/overview.html",
        {"classes": list(classes), "students": list(students)},
    )


@login_required
def student(request, student_id):
    person = get_object_or_404(grades.grade_students_for(request.user), pk=student_id)
    return render(
        request,
        "schools/grades/student.html",
        {"student": person, "is_self": person.pk == request.user.pk, "report": grades.student_report(person)},
    )


@login_required
def school_class(request, class_id):
    klass = get_object_or_404(grades.classes_taught_by(request.user), pk=class_id)
    subjects, may_type = grades.allowed_subjects(request.user, klass)
    grid = grades.class_grid(klass)
    return render(
        request,
        "schools/grades/class.html",
        {
            "school_class": klass,
            "grid": grid,
            "editable": grades.editable_ids(request.user, klass, grid["assessments"]),
            "may_create": bool(subjects or may_type),
        },
    )


def _save(request, form):
    """Save the form; with the "publish" button also publish. Returns the assessment or None (form shows errors)."""
    assessment = form.save(request.user)
    if assessment is None:
        return None
    if "publish" in request.POST:
        try:
            grades.publish(request.user, assessment)
        except grades.GradeError as error:
            messages.warning(request, _("The assessment was saved but not published: %(reason)s") % {"reason": error})
            return assessment
        messages.success(request, _("The assessment was saved and published."))
    elif assessment.published_at:
        messages.success(request, _("The assessment was saved. It stays published."))
    else:
        messages.success(request, _("The assessment was saved. Students and parents see it once you publish it."))
    return assessment


@login_required
def create(request, class_id):
    klass = get_object_or_404(grades.classes_taught_by(request.user), pk=class_id)
    subjects, may_type = grades.allowed_subjects(request.user, klass)
    back = _class_url(klass)
    if not subjects and not may_type:
        message = _("Your teaching assignment in this class lists no subject to give grades in.")
        return _forbidden(request, message, back)
    students = grades.grid_students(klass)
    form = AssessmentForm(request.POST or None, user=request.user, school_class=klass, students=students)
    if request.method == "POST" and form.is_valid() and _save(request, form) is not None:
        return redirect(back)
    return render(request, "schools/grades/form.html", {"form": form, "school_class": klass, "assessment": None})


@login_required
def edit(request, pk):
    assessment = get_object_or_404(grades.assessments_for_teacher(request.user), pk=pk)
    klass = assessment.school_class
    if not grades.may_edit(request.user, assessment):
        return _forbidden(request, NOT_YOURS, _class_url(klass))
    students = grades.grid_students(klass, assessment)
    form = AssessmentForm(
        request.POST or None, user=request.user, school_class=klass, students=students, assessment=assessment
    )
    if request.method == "POST" and form.is_valid() and _save(request, form) is not None:
        return redirect(_class_url(klass))
    return render(request, "schools/grades/form.html", {"form": form, "school_class": klass, "assessment": assessment})


def _action(request, pk, action, done_message):
    assessment = get_object_or_404(grades.assessments_for_teacher(request.user), pk=pk)
    back = _class_url(assessment.school_class)
    if not grades.may_edit(request.user, assessment):
        return _forbidden(request, NOT_YOURS, back)
    try:
        action(request.user, assessment)
    except grades.GradeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done_message)
    return redirect(back)


@login_required
@require_POST
def publish(request, pk):
    return _action(request, pk, grades.publish, _("The assessment is published; students and parents were notified."))


@login_required
@require_POST
def withdraw(request, pk):
    message = _("The assessment was withdrawn; students and parents no longer see it.")
    return _action(request, pk, grades.withdraw, message)


@login_required
@require_POST
def delete(request, pk):
    return _action(request, pk, grades.delete_assessment, _("The assessment was deleted."))


def _class_url(klass):
    return reverse("school:grades_class", kwargs={"class_id": klass.pk})

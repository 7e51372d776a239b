"""Course registrations in the account: the courses open to each child, registering, the waiting list, cancelling.

Thin views: records come through the scoped querysets of `schools.courses` (404 for anything else), every change
through its rules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from services import payments

from . import courses as rules
from .course_forms import CancelForm, RegisterForm
from .models import CourseRegistration, Guardianship
from .policies import children_of

Status = CourseRegistration.Status


def _fits(course, school_class):
    """The Python twin of `courses._eligible_enrolments` for records already loaded."""
    grade = school_class.grade if school_class.grade is not None else rules.NO_GRADE
    return (
        course.school_id == school_class.school_id
        and grade >= (course.min_grade if course.min_grade is not None else rules.NO_GRADE)
        and (course.max_grade is None or grade <= course.max_grade)
    )


def _acting_for(user):
    """Ids of the children the person may register and cancel for (custody, not information-only)."""
    return set(
        Guardianship.objects.filter(guardian=user, has_custody=True, information_only=False).values_list(
            "student_id", flat=True
        )
    )


def _registrations(user, **filters):
    return (
        rules.with_positions(rules.registrations_visible_to(user).filter(status__in=rules.ACTIVE, **filters))
        .select_related("course__school", "student", "fee_case__owner_user")
        .prefetch_related("fee_case__payments")
        .order_by("course__starts_on", "course__title", "created_at")
    )


def _describe(registration, user, acting, today):
    """Attach what the page shows about a registration: status text, fee state, whether it can be cancelled."""
    registration.position = rules.position_of(registration)
    registration.status_label = (
        rules.waiting_label(registration.position) if registration.position else registration.get_status_display()
    )
    registration.can_cancel = registration.student_id in acting and not rules.has_started(registration.course, today)
    registration.fee_state = ""
    case = registration.fee_case
    if case is not None:
        payment = payments.payment_for(case)
        if payment is not None and payment.status == payments.PAID:
            registration.fee_state = "paid"
        elif payment is not None:
            registration.fee_state = "open_mine" if case.owner_user_id == user.pk else "open_other"
    elif registration.course.fee_rappen and registration.status == Status.WAITING:
        registration.fee_state = "waiting"
    return registration


def _course_facts(course):
    course.places_left = rules.places_left(course)
    course.window = rules.window_state(course)
    return course


@login_required
def course_list(request):
    """Per child (and for a student, themself): their registrations and the courses open to them."""
    user = request.user
    today = timezone.localdate()
    acting = _acting_for(user)
    enrolments = list(rules.own_enrolments(user).select_related("student", "school_class"))
    guardianships = list(Guardianship.objects.filter(guardian=user).select_related("student"))
    courses = [_course_facts(c) for c in rules.with_places(rules.courses_visible_to(user)).select_related("school")]
    registrations = [_describe(r, user, acting, today) for r in _registrations(user)]

    people = [g.student for g in guardianships]
    if any(e.student_id == user.pk for e in enrolments):
        people.insert(0, user)
    sections = []
    for person in people:
        classes = [e.school_class for e in enrolments if e.student_id == person.pk]
        mine = [r for r in registrations if r.student_id == person.pk]
        registered_for = {r.course_id: r for r in mine}
        open_courses = [c for c in courses if any(_fits(c, k) for k in classes)]
        sections.append(
            {
                "student": person,
                "is_self": person.pk == user.pk,
                "caption_id": f"courses-registrations-{person.pk}",
                "classes": classes,
                "may_act": person.pk in acting,
                "registrations": mine,
                "courses": [{"course": c, "registration": registered_for.get(c.pk)} for c in open_courses],
            }
        )
    return render(request, "schools/courses/course_list.html", {"sections": sections})


def _detail_context(request, course, form=None):
    user = request.user
    today = timezone.localdate()
    acting = _acting_for(user)
    registrations = [_describe(r, user, acting, today) for r in _registrations(user, course=course)]
    registered = {r.student_id for r in registrations}
    choices = []
    if acting - registered and course.window == "open":
        choices = list(rules.eligible_students(course, acting - registered))
    if form is None and choices:
        form = RegisterForm(
            children=children_of(user).filter(pk__in=[child.pk for child in choices]),
            only_child=choices[0] if len(choices) == 1 else None,
        )
    return {"course": course, "registrations": registrations, "form": form, "acting": bool(acting)}


def _visible_course(request, pk):
    courses = rules.with_places(rules.courses_visible_to(request.user)).select_related("school")
    course = get_object_or_404(courses, pk=pk)
    return _course_facts(course)


@login_required
def course_detail(request, pk):
    course = _visible_course(request, pk)
    return render(request, "schools/courses/course_detail.html", _detail_context(request, course))


@login_required
@require_http_methods(["GET", "POST"])
def register(request, pk):
    course = _visible_course(request, pk)
    if request.method != "POST":
        return redirect("school:courses_detail", pk=course.pk)
    if not _acting_for(request.user):
        raise PermissionDenied(_("Only a guardian with custody may register a child for a course."))
    form = RegisterForm(request.POST, children=children_of(request.user))
    if form.is_valid():
        student = form.cleaned_data["student"]
        try:
            registration = rules.register(request.user, course, student)
        except rules.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except rules.CourseError as error:
            form.add_error("student", str(error))
        else:
            name = student.get_full_name()
            if registration.status == Status.REGISTERED:
                text = _("%(name)s is registered for %(course)s.") % {"name": name, "course": course.title}
                if registration.fee_case_id:
                    fee = rules.fee_label(course.fee_rappen)
                    text += " " + _("The fee of %(fee)s is billed to you.") % {"fee": fee}
            else:
                text = _("The course is full: %(name)s is %(position)s.") % {
                    "name": name,
                    "position": rules.waiting_label(rules.position_of(registration)),
                }
            messages.success(request, text)
            return redirect("school:courses_detail", pk=course.pk)
    context = _detail_context(request, course, form=form)
    context["form"] = form
    return render(request, "schools/courses/course_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk):
    registration = get_object_or_404(
        rules.registrations_visible_to(request.user).select_related("course__school", "student"), pk=pk
    )
    if not rules.may_cancel(request.user, registration):
        if registration.status == Status.CANCELLED or rules.has_started(registration.course):
            messages.error(request, _("This registration can no longer be cancelled."))
            return redirect("school:courses_detail", pk=registration.course_id)
        raise PermissionDenied(_("Only a guardian with custody may cancel this registration."))
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rules.cancel(request.user, registration)
        except rules.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except rules.CourseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The registration of %(name)s for %(course)s has been cancelled.")
                % {"name": registration.student.get_full_name(), "course": registration.course.title},
            )
        return redirect("school:courses_detail", pk=registration.course_id)
    registration.position = rules.position_of(registration)
    return render(request, "schools/courses/cancel.html", {"registration": registration, "form": form})

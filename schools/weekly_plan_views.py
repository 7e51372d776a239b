"""Weekly plan pages (/account/school/plans/…): the entry page per role, a plan, the teacher's form, the
actions (publish, delete a draft, acknowledge) and the attachment download.

Thin views: plans are loaded through `weekly_plans.plans_visible_to` (404 for anything else); the rules are in
`schools.weekly_plans`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import weekly_plan_forms, weekly_plans


def _visible(request):
    return weekly_plans.plans_visible_to(request.user).select_related(
        "school_class__school", "school_class__school_year", "created_by"
    )


def _plan(request, pk):
    return get_object_or_404(_visible(request), pk=pk)


def _editable_plan(request, pk):
    plan = _plan(request, pk)
    if not weekly_plans.may_edit(request.user, plan):
        raise PermissionDenied(_("Only the teachers of the class change its plans."))
    return plan


@login_required
def plan_list(request):
    today = timezone.localdate()
    return render(
        request,
        "schools/plans/index.html",
        {
            "teacher_classes": weekly_plans.teacher_overview(request.user, today),
            "children": weekly_plans.guardian_overview(request.user, today),
            "own_plans": weekly_plans.student_overview(request.user, today),
            "this_monday": weekly_plans.this_monday(today),
        },
    )


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    tasks = list(plan.tasks.all())
    is_teacher = weekly_plans.may_edit(request.user, plan)
    children = list(weekly_plans.acknowledgeable_children(request.user, plan))
    acknowledged = dict(
        plan.acknowledgements.filter(guardian=request.user, student__in=children).values_list(
            "student", "acknowledged_at"
        )
        if children
        else []
    )
    return render(
        request,
        "schools/plans/detail.html",
        {
            "plan": plan,
            "week": weekly_plans.week_label(plan.week_starts_on),
            "groups": weekly_plans.tasks_by_day(plan, tasks),
            "has_tasks": bool(tasks),
            "attachments": list(plan.attachments.all()),
            "is_teacher": is_teacher,
            "children": [{"student": child, "acknowledged_at": acknowledged.get(child.pk)} for child in children],
            "acknowledgements": weekly_plans.acknowledgement_table(plan) if is_teacher and plan.published_at else None,
        },
    )


def _render_form(request, form, formset, plan=None):
    return render(request, "schools/plans/form.html", {"form": form, "formset": formset, "plan": plan})


def _after_save(request, plan, created):
    if request.POST.get("action") == "publish" and plan.published_at is None:
        try:
            weekly_plans.publish(request.user, plan)
        except weekly_plans.WeeklyPlanError as error:
            reason = {"reason": error}
            messages.warning(request, _("The plan is saved as a draft but not published: %(reason)s") % reason)
        else:
            messages.success(request, _("The plan is published; the students and their parents are notified."))
    elif created:
        messages.success(request, _("The plan is saved as a draft. Only the teachers of the class see it."))
    else:
        messages.success(request, _("Your changes are saved."))
    return redirect("school:plans_detail", pk=plan.pk)


@login_required
def plan_new(request):
    classes = weekly_plans.plannable_classes(request.user)
    if not classes.exists():
        raise PermissionDenied(_("Only teachers make weekly plans."))
    if request.method != "POST":
        # Links may suggest a class and a week (?class=<id>&week=YYYY-MM-DD).
        initial = {"week": weekly_plans.this_monday()}
        class_id = request.GET.get("class", "")
        if class_id.isdigit():
            initial["school_class"] = classes.filter(pk=class_id).first()
        try:
            week = parse_date(request.GET.get("week", ""))
        except ValueError:
            week = None
        if week:
            initial["week"] = weekly_plans.monday_of(week)
        form = weekly_plan_forms.PlanForm(teacher=request.user, initial=initial)
        return _render_form(request, form, weekly_plan_forms.task_formset())
    form = weekly_plan_forms.PlanForm(request.POST, request.FILES, teacher=request.user)
    add_rows = "add_rows" in request.POST
    formset = weekly_plan_forms.task_formset(request.POST, add_rows=add_rows)
    if not add_rows and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            plan = weekly_plans.create_plan(
                request.user,
                data["school_class"],
                data["week"],
                title=data["title"],
                notes=data["notes"],
                tasks=formset.tasks(),
                files=data["files"],
            )
        except weekly_plans.WeeklyPlanError as error:
            form.add_error(None, str(error))
        else:
            return _after_save(request, plan, created=True)
    return _render_form(request, form, formset)


@login_required
def plan_edit(request, pk):
    plan = _editable_plan(request, pk)
    if request.method != "POST":
        form = weekly_plan_forms.PlanForm(
            teacher=request.user, plan=plan, initial={"title": plan.title, "notes": plan.notes}
        )
        return _render_form(request, form, weekly_plan_forms.task_formset(plan=plan), plan)
    form = weekly_plan_forms.PlanForm(request.POST, request.FILES, teacher=request.user, plan=plan)
    add_rows = "add_rows" in request.POST
    formset = weekly_plan_forms.task_formset(request.POST, plan=plan, add_rows=add_rows)
    if not add_rows and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            plan = weekly_plans.update_plan(
                request.user,
                plan,
                title=data["title"],
                notes=data["notes"],
                tasks=formset.tasks(),
                files=data["files"],
                remove_attachments=data.get("remove_attachments") or (),
            )
        except weekly_plans.WeeklyPlanError as error:
            form.add_error(None, str(error))
        else:
            return _after_save(request, plan, created=False)
    return _render_form(request, form, formset, plan)


@login_required
@require_POST
def plan_publish(request, pk):
    plan = _editable_plan(request, pk)
    try:
        published = weekly_plans.publish(request.user, plan)
    except weekly_plans.WeeklyPlanError as error:
        messages.error(request, str(error))
    else:
        if published:
            messages.success(request, _("The plan is published; the students and their parents are notified."))
        else:
            messages.info(request, _("The plan was already published."))
    return redirect("school:plans_detail", pk=plan.pk)


@login_required
@require_POST
def plan_delete(request, pk):
    plan = _editable_plan(request, pk)
    try:
        weekly_plans.delete_plan(request.user, plan)
    except weekly_plans.WeeklyPlanError as error:
        messages.error(request, str(error))
        return redirect("school:plans_detail", pk=plan.pk)
    messages.success(request, _("The draft is deleted."))
    return redirect("school:plans")


@login_required
@require_POST
def plan_acknowledge(request, pk):
    plan = _plan(request, pk)
    student_id = request.POST.get("student", "")
    children = weekly_plans.acknowledgeable_children(request.user, plan)
    student = children.filter(pk=student_id).first() if student_id.isdigit() else None
    if student is None:
        raise PermissionDenied(_("Only the parents of a child in this class acknowledge its plan."))
    try:
        _acknowledgement, created = weekly_plans.acknowledge(request.user, plan, student)
    except weekly_plans.WeeklyPlanError as error:
        messages.error(request, str(error))
    else:
        if created:
            messages.success(
                request, _("Thank you: you acknowledged the plan for %(name)s.") % {"name": student.get_full_name()}
            )
        else:
            messages.info(
                request, _("You had already acknowledged the plan for %(name)s.") % {"name": student.get_full_name()}
            )
    return redirect("school:plans_detail", pk=plan.pk)


@login_required
def plan_attachment(request, pk, attachment_pk):
    plan = _plan(request, pk)
    attachment = get_object_or_404(plan.attachments, pk=attachment_pk)
    try:
        handle = weekly_plans.open_attachment(attachment)
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("The file is no longer available.")) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=weekly_plan_forms.content_type_of(attachment.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

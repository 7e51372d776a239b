"""Pages of absences and leave requests in the account (/account/school/absences/…).

Records are loaded through the scoped querysets of schools.absences: what a person may not see answers 404; an
action on a visible record they may not take answers 403 with an explanation. The rules are in schools.absences.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import absences as rules
from . import policies
from .absence_forms import AbsenceRecordForm, AbsenceReportForm, AssessForm, LeaveDecisionForm, LeaveRequestForm
from .models import Absence, LeaveRequest, ReasonCategory, Term


def _forbidden(request, message):
    return render(request, "schools/absences/forbidden.html", {"message": message}, status=403)


def _form_error(form, error):
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


def _next_url(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _student(request, student_id):
    return get_object_or_404(rules.students_with_absences_for(request.user), pk=student_id)


def _class(request, class_id):
    return get_object_or_404(rules.classes_taught_by(request.user).select_related("school", "school_year"), pk=class_id)


@login_required
def index(request):
    """Entry page: the children (or oneself), the classes one teaches, and the management's pending requests."""
    user = request.user
    if "student" in request.GET:
        student = get_object_or_404(rules.students_with_absences_for(user), pk=_id(request.GET["student"]))
        return redirect("school:absences_child", student_id=student.pk)
    if "class" in request.GET:
        school_class = get_object_or_404(rules.classes_taught_by(user), pk=_id(request.GET["class"]))
        return redirect("school:absences_class", class_id=school_class.pk)

    enrolments = (
        policies.current_enrolments()
        .filter(Q(student__in=policies.children_of(user)) | Q(student=user))
        .select_related("student", "school_class__school")
        .order_by("student__first_name", "student__last_name", "student__pk")
    )
    children, seen = [], set()
    for enrolment in enrolments:
        if enrolment.student_id not in seen:
            seen.add(enrolment.student_id)
            children.append({"student": enrolment.student, "school_class": enrolment.school_class})
    # Children who left the school still have their records.
    for student in policies.children_of(user).exclude(pk__in=seen).order_by("first_name", "last_name"):
        children.append({"student": student, "school_class": None})

    classes = (
        rules.classes_taught_by(user)
        .select_related("school", "school_year")
        .annotate(
            to_assess=Count("absences", filter=Q(absences__status=Absence.Status.REPORTED), distinct=True),
            pending_leave=Count(
                "leave_requests", filter=Q(leave_requests__status=LeaveRequest.Status.PENDING), distinct=True
            ),
        )
        .order_by("school_year", "name")
    )
    management = (
        rules.pending_for_management(user).select_related("student", "school_class__school").order_by("starts_on", "pk")
    )
    return render(
        request,
        "schools/absences/index.html",
        {"children": children, "classes": list(classes), "management_requests": list(management)},
    )


@login_required
def child(request, student_id):
    """A child's (or one's own) absences, leave requests and totals per term."""
    student = _student(request, student_id)
    enrolment = rules.current_enrolment(student)
    absences = (
        rules.absences_visible_to(request.user)
        .filter(student=student)
        .select_related("school_class")
        .order_by("-starts_on", "-pk")
    )
    leave_requests = (
        rules.leave_requests_visible_to(request.user)
        .filter(student=student)
        .select_related("school_class")
        .order_by("-starts_on", "-pk")
    )
    terms = []
    if enrolment is not None:
        for term in Term.objects.filter(school_year_id=enrolment.school_class.school_year_id).order_by("starts_on"):
            terms.append({"term": term, "totals": rules.term_totals(student, term)})
    return render(
        request,
        "schools/absences/child.html",
        {
            "student": student,
            "is_self": student.pk == request.user.pk,
            "enrolment": enrolment,
            "absences": list(absences),
            "leave_requests": list(leave_requests),
            "terms": terms,
            "can_act": policies.may_act_for_student(request.user, student),
        },
    )


@login_required
def report(request, student_id):
    """A guardian who may act reports an absence."""
    student = _student(request, student_id)
    if not policies.may_act_for_student(request.user, student):
        return _forbidden(request, _("Only a guardian with custody may report absences for this child."))
    form = AbsenceReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rules.report_absence(request.user, student, **form.cleaned_data)
        except rules.AbsenceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The absence has been reported to the class teacher."))
            return redirect("school:absences_child", student_id=student.pk)
    return render(request, "schools/absences/report_form.html", {"student": student, "form": form})


@login_required
def leave_new(request, student_id):
    """A guardian who may act asks for leave."""
    student = _student(request, student_id)
    if not policies.may_act_for_student(request.user, student):
        return _forbidden(request, _("Only a guardian with custody may ask for leave for this child."))
    enrolment = rules.current_enrolment(student)
    form = LeaveRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leave = rules.request_leave(request.user, student, **form.cleaned_data)
        except rules.AbsenceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your leave request has been sent."))
            return redirect("school:absences_leave", pk=leave.pk)
    return render(
        request, "schools/absences/leave_form.html", {"student": student, "form": form, "enrolment": enrolment}
    )


@login_required
def class_page(request, class_id):
    """A teacher's class: absences to assess, the term's absences, leave requests and totals per student."""
    school_class = _class(request, class_id)
    terms = list(Term.objects.filter(school_year_id=school_class.school_year_id).order_by("starts_on"))
    term = next((t for t in terms if t.pk == _id(request.GET.get("term"))), None) or rules.current_term(school_class)
    base = Absence.objects.filter(school_class=school_class).select_related("student")
    to_assess = base.filter(status=Absence.Status.REPORTED).order_by("starts_on", "pk")
    in_term = (
        base.filter(starts_on__lte=term.ends_on, ends_on__gte=term.starts_on).order_by("-starts_on", "-pk")
        if term
        else base.none()
    )
    shown = Q(status=LeaveRequest.Status.PENDING)
    if term:
        shown |= Q(starts_on__lte=term.ends_on, ends_on__gte=term.starts_on)
    leave_requests = (
        LeaveRequest.objects.filter(shown, school_class=school_class)
        .select_related("student")
        .order_by("starts_on", "pk")
    )
    return render(
        request,
        "schools/absences/class.html",
        {
            "school_class": school_class,
            "is_class_teacher": policies.is_class_teacher_of(request.user, school_class),
            "terms": terms,
            "term": term,
            "to_assess": list(to_assess),
            "absences": list(in_term),
            "leave_requests": list(leave_requests),
            "totals": rules.class_term_totals(school_class, term) if term else [],
            "assess_form": AssessForm(),
        },
    )


@login_required
def record(request, class_id):
    """A teacher of the class records an absence or a late arrival."""
    school_class = _class(request, class_id)
    students = rules.class_students(school_class)
    initial = {"kind": Absence.Kind.ABSENCE, "status": Absence.Status.EXCUSED}
    form = AbsenceRecordForm(request.POST or None, students=students, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = rules.record_absence(
                request.user,
                school_class,
                data["student"],
                kind=data["kind"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"] or data["starts_on"],
                half_days=data["half_days"] or 0,
                minutes_late=data["minutes_late"] or 0,
                reason=data["reason"],
                status=data["status"],
                note=data["note"],
            )
        except rules.AbsenceError as error:
            _form_error(form, error)
        else:
            if absence.kind == Absence.Kind.LATE:
                messages.success(request, _("The late arrival has been recorded."))
            else:
                messages.success(request, _("The absence has been recorded."))
            return redirect("school:absences_class", class_id=school_class.pk)
    return render(request, "schools/absences/record_form.html", {"school_class": school_class, "form": form})


def _absence(request, pk):
    return get_object_or_404(
        rules.absences_visible_to(request.user).select_related("student", "school_class", "reported_by"), pk=pk
    )


@login_required
def absence_detail(request, pk):
    absence = _absence(request, pk)
    may_assess = rules.may_assess(request.user, absence)
    return render(
        request,
        "schools/absences/absence_detail.html",
        {
            "absence": absence,
            "may_assess": may_assess,
            "is_teacher": may_assess,
            "assess_form": AssessForm(initial={"status": absence.status}),
        },
    )


@login_required
@require_POST
def assess(request, pk):
    absence = _absence(request, pk)
    if not rules.may_assess(request.user, absence):
        return _forbidden(request, _("Only the teachers of the class assess its absences."))
    default = reverse("school:absences_detail", kwargs={"pk": absence.pk})
    form = AssessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose excused or unexcused."))
        return redirect(_next_url(request, default))
    try:
        absence = rules.assess_absence(request.user, absence, form.cleaned_data["status"])
    except rules.AbsenceError as error:
        messages.error(request, str(error))
    else:
        name = absence.student.get_full_name() or absence.student.email
        messages.success(
            request,
            _("The absence of %(name)s is now marked “%(status)s”.")
            % {"name": name, "status": absence.get_status_display()},
        )
    return redirect(_next_url(request, default))


def _leave(request, pk):
    return get_object_or_404(
        rules.leave_requests_visible_to(request.user).select_related(
            "student", "school_class__school", "requested_by", "decided_by"
        ),
        pk=pk,
    )


def _leave_page(request, leave, decision_form=None, status=200):
    may_decide = leave.status == LeaveRequest.Status.PENDING and rules.may_decide_leave(request.user, leave)
    absence = None
    if leave.status == LeaveRequest.Status.APPROVED:
        absence = (
            Absence.objects.filter(
                student=leave.student, source=Absence.Source.LEAVE, starts_on=leave.starts_on, ends_on=leave.ends_on
            )
            .order_by("-pk")
            .first()
        )
    return render(
        request,
        "schools/absences/leave_detail.html",
        {
            "leave": leave,
            "may_decide": may_decide,
            "may_withdraw": rules.may_withdraw_leave(request.user, leave),
            "decision_form": decision_form or (LeaveDecisionForm() if may_decide else None),
            "absence": absence,
        },
        status=status,
    )


@login_required
def leave_detail(request, pk):
    return _leave_page(request, _leave(request, pk))


@login_required
@require_POST
def leave_decide(request, pk):
    leave = _leave(request, pk)
    if not rules.may_decide_leave(request.user, leave):
        if leave.decided_by_role == LeaveRequest.DecidedBy.MANAGEMENT:
            return _forbidden(request, _("This leave request is decided by the school management."))
        return _forbidden(request, _("This leave request is decided by the class teacher."))
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        return _leave_page(request, leave, form, status=400)
    data = form.cleaned_data
    try:
        leave, _absence = rules.decide_leave(
            request.user,
            leave,
            approve=data["decision"] == "approve",
            note=data["note"],
            reason=data["reason"] or ReasonCategory.FAMILY,
        )
    except rules.AbsenceError as error:
        if error.field:
            _form_error(form, error)
            return _leave_page(request, leave, form, status=400)
        messages.error(request, str(error))
    else:
        if leave.status == LeaveRequest.Status.APPROVED:
            messages.success(request, _("The leave has been approved; the absence is recorded as excused."))
        else:
            messages.success(request, _("The leave has been declined."))
    return redirect("school:absences_leave", pk=leave.pk)


@login_required
@require_POST
def leave_withdraw(request, pk):
    leave = _leave(request, pk)
    if not policies.may_act_for_student(request.user, leave.student):
        return _forbidden(request, _("Only a guardian with custody may withdraw this leave request."))
    try:
        rules.withdraw_leave(request.user, leave)
    except rules.AbsenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The leave request has been withdrawn."))
    return redirect("school:absences_leave", pk=leave.pk)

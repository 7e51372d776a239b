"""Cases in the account: the list of the acting context with drafts, a case's page, its actions and downloads.

Thin views: cases are loaded through scoped querysets (anything else is a 404), rules live in
`policies.py`, and every change goes through `services.cases`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import cases, milestones, policies
from .forms import AnswerForm, CaseFilterForm, MessageForm, WithdrawForm
from .models import Case, CaseDocument, CaseMessage, CaseStatus, ServicePage
from .models.cases import CLOSED_STATUSES, OPEN_STATUSES

PAGE_SIZE = 20


# --- querysets ------------------------------------------------------------------------------------


def _count_of(queryset):
    """A per-case count as a correlated subquery (no joins that would multiply the case rows)."""
    counted = queryset.filter(case=OuterRef("pk")).order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_activity_counts(queryset):
    """Annotate cases with `open_questions` and `unread_documents` (issued to the applicant, not yet read)."""
    return queryset.annotate(
        open_questions=_count_of(
            CaseMessage.objects.filter(
                is_question=True,
                direction=CaseMessage.Direction.TO_APPLICANT,
                answered_at__isnull=True,
                withdrawn_at__isnull=True,
            )
        ),
        unread_documents=_count_of(
            CaseDocument.objects.exclude(origin=CaseDocument.Origin.APPLICANT).filter(read_at__isnull=True)
        ),
    )


def drafts_of(request):
    """The requester's own drafts in the acting context, newest first."""
    return (
        Case.objects.in_context(request.acting_context)
        .filter(status=CaseStatus.DRAFT, submitted_by=request.user)
        .select_related("service_page")
        .order_by("-updated_at", "-id")
    )


def resume_url(request, draft):
    """Where the requester continues a draft: its service page with the draft's token (the page resumes it)."""
    if draft.service_page is None or not draft.service_page.live:
        return ""
    page_url = draft.service_page.get_url(request)
    return f"{page_url}?resume={draft.submission_token}" if page_url else ""


def _scoped_case(request, reference):
    return get_object_or_404(
        Case.objects.visible_to(request.user).submitted().select_related("service_page"), reference=reference
    )


# --- list -----------------------------------------------------------------------------------------


@login_required
def case_list(request):
    context_cases = Case.objects.in_context(request.acting_context).submitted()
    services = ServicePage.objects.filter(pk__in=context_cases.values("service_page_id")).order_by("title")
    filter_form = CaseFilterForm(request.GET or None, services=services)
    searched = filter_form.filter(context_cases, by_status=False)
    status_q = filter_form.status_q()
    # One query counts the tabs and the chosen filter, so the paginator needs no count of its own.
    tab_counts = searched.aggregate(
        all=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        closed=Count("pk", filter=Q(status__in=CLOSED_STATUSES)),
        selected=Count("pk", filter=status_q) if status_q is not None else Count("pk"),
    )
    filtered = filter_form.filter(context_cases).select_related("service_page")
    paginator = Paginator(with_activity_counts(filtered), PAGE_SIZE)
    paginator.count = tab_counts["selected"]
    page = paginator.get_page(request.GET.get("page"))
    drafts = list(drafts_of(request))
    for draft in drafts:
        draft.resume_url = resume_url(request, draft)
    return render(
        request,
        "services/case_list.html",
        {
            "filter_form": filter_form,
            "active_tab": filter_form.status_value(),
            "tab_counts": tab_counts,
            "page": page,
            "paginator": paginator,
            "drafts": drafts,
            "is_filtered": filter_form.is_filtered(),
        },
    )


@login_required
@require_POST
def delete_draft(request, token):
    draft = get_object_or_404(
        Case.objects.visible_to(request.user).filter(status=CaseStatus.DRAFT, submitted_by=request.user),
        submission_token=token,
    )
    try:
        cases.delete_draft(draft, request.user)
    except cases.CaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The draft “%(title)s” has been deleted.") % {"title": draft.title})
    return redirect("services:case_list")


# --- one case -------------------------------------------------------------------------------------


def _detail_context(request, case, *, answer_forms=None, message_form=None):
    user = request.user
    thread = list(case.messages.select_related("answer_to").prefetch_related("documents"))
    open_questions = [m for m in thread if policies.can_answer(user, case, m)]
    answer_forms = answer_forms or {}
    may_answer = policies.can_answer(user, case)
    may_message = policies.can_message(user, case)
    return {
        "case": case,
        "events": list(case.events.filter(visible_to_owner=True).order_by("created_at", "id")),
        "thread": thread,
        "open_questions": [
            {"question": q, "form": answer_forms.get(q.pk) or AnswerForm(question=q)} for q in open_questions
        ]
        if may_answer
        else [],
        # Evaluated now, before the page marks them read, so what is new shows as new once.
        "documents": list(case.documents.select_related("message")),
        "payments": list(case.payments.all()),
        "can_message": may_message,
        "message_form": (message_form or MessageForm()) if may_message else None,
        "can_withdraw": policies.can_withdraw(user, case),
        "progress": milestones.progress(case),
    }


@login_required
def case_detail(request, reference):
    case = _scoped_case(request, reference)
    context = _detail_context(request, case)
    cases.mark_read(case, request.user)
    return render(request, "services/case_detail.html", context)


@login_required
@require_POST
def answer_question(request, reference, question_pk):
    case = _scoped_case(request, reference)
    question = get_object_or_404(case.messages.filter(is_question=True), pk=question_pk)
    form = AnswerForm(request.POST, request.FILES, question=question)
    if not policies.can_answer(request.user, case, question):
        messages.error(request, _("This question has already been answered or withdrawn."))
        return redirect("services:case_detail", reference=case.reference)
    if form.is_valid():
        try:
            cases.answer(question, form.cleaned_data["body"], user=request.user, files=form.cleaned_data["files"])
        except cases.CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you. Your answer has been sent."))
            return redirect("services:case_detail", reference=case.reference)
    case.refresh_from_db()
    context = _detail_context(request, case, answer_forms={question.pk: form})
    return render(request, "services/case_detail.html", context)


@login_required
@require_POST
def send_message(request, reference):
    case = _scoped_case(request, reference)
    form = MessageForm(request.POST, request.FILES)
    if not policies.can_message(request.user, case):
        messages.error(request, _("This case is closed; messages can no longer be sent."))
        return redirect("services:case_detail", reference=case.reference)
    if form.is_valid():
        try:
            cases.send_message(
                case,
                form.cleaned_data["body"],
                author=request.user,
                from_applicant=True,
                files=form.cleaned_data["files"],
            )
        except cases.CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect("services:case_detail", reference=case.reference)
    context = _detail_context(request, case, message_form=form)
    return render(request, "services/case_detail.html", context)


@login_required
def withdraw_case(request, reference):
    case = _scoped_case(request, reference)
    if not policies.can_withdraw(request.user, case):
        messages.error(
            request,
            _("A case in status “%(status)s” can no longer be withdrawn.") % {"status": case.get_status_display()},
        )
        return redirect("services:case_detail", reference=case.reference)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cases.withdraw(case, request.user)
        except cases.CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The case %(reference)s has been withdrawn.") % {"reference": case.reference})
            return redirect("services:case_detail", reference=case.reference)
    return render(request, "services/case_withdraw.html", {"case": case, "form": form})


@login_required
def download_document(request, reference, pk):
    case = _scoped_case(request, reference)
    document = get_object_or_404(case.documents, pk=pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("The file is no longer available.")) from error
    response = FileResponse(handle, as_attachment=True, filename=document.filename, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Personal documents never belong in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response

"""Back-office views of one case (page, actions, document download) and the export of a service's submissions.

Every view loads the case through `Case.objects.for_clerk(request.user)`, so a case of a service outside
the clerk's groups answers 404 whatever the URL. The actions call the rules in services/cases.py only (procedure
steps: services/milestones.py, the rule the specialist applications' reports go through too).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin import messages

from account import audit

from . import cases, export, milestones, payments
from .admin_forms import (
    AssignForm,
    DocumentForm,
    DueDateForm,
    MessageForm,
    MilestoneForm,
    ProcedureStepForm,
    QuestionForm,
    StatusForm,
    office_status_label,
)
from .models import Case, CaseDocument, CaseMessage, Payment, ServicePage
from .templatetags.cases import answer_rows

app_name = "services_backoffice"
INDEX_URL_NAME = "services_case_modeladmin_index"
# Label of the case register in the menu and breadcrumbs; kept here so views and hooks agree.
CASES_LABEL = gettext_lazy("Cases")


# --- who may do what -----------------------------------------------------------------------------------


def services_for_clerk(user):
    """The service pages whose cases `user` works: those of their groups, all for superusers."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return ServicePage.objects.none()
    if user.is_superuser:
        return ServicePage.objects.all()
    return ServicePage.objects.filter(clerk_group__in=user.groups.all())


def is_clerk(user):
    """Staff who may open the case register: superusers, or case permission plus a clerk group."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return can_view(user) and services_for_clerk(user).exists()


def can_view(user):
    return user.has_perm("services.view_case") or user.has_perm("services.change_case")


def can_change(user):
    return user.has_perm("services.change_case")


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _case_or_404(request, pk):
    queryset = Case.objects.for_clerk(request.user).select_related(
        "service_page",
        "service_page__clerk_group",
        "owner_user",
        "owner_organisation",
        "submitted_by",
        "assignee",
    )
    return get_object_or_404(queryset, pk=pk)


def case_url(case):
    return reverse(f"{app_name}:case_detail", args=[case.pk])


def index_url():
    return reverse(INDEX_URL_NAME)


# --- the case page ------------------------------------------------------------------------------------


def _owner_facts(case):
    """Name and contact data of whoever owns the case (organisation, person, or anonymous submitter)."""
    if case.owner_organisation_id:
        organisation = case.owner_organisation
        return {
            "kind": organisation.get_kind_display(),
            "name": organisation.name,
            "uid": organisation.uid,
            "email": organisation.email,
            "phone": organisation.phone,
            "address_lines": organisation.address_lines,
        }
    if case.owner_user_id:
        person = case.owner_user
        return {
            "kind": _("Person"),
            "name": person.get_full_name() or person.email,
            "email": person.email,
            "phone": person.phone,
            "address_lines": person.address_lines,
        }
    return {"kind": _("Without login"), "name": "", "email": case.contact_email}


FORM_CLASSES = {
    "status": StatusForm,
    "assign": AssignForm,
    "due_date": DueDateForm,
    "message": MessageForm,
    "question": QuestionForm,
    "document": DocumentForm,
    "milestone": MilestoneForm,
    "procedure_step": ProcedureStepForm,
}


def _render_case(request, case, bound=None):
    bound = bound or {}
    forms = {}
    for name, form_class in FORM_CLASSES.items():
        # The procedure step form opens with the step the clerk chose in the procedure table (?step=<key>).
        options = {"step": request.GET.get("step")} if name == "procedure_step" else {}
        forms[name] = bound.get(name) or form_class(case=case, **options)
    questions_with_answers = case.messages.filter(answer_to__isnull=True).prefetch_related(
        Prefetch("answers", queryset=CaseMessage.objects.prefetch_related("documents")), "documents"
    )
    events = list(case.events.all())
    for event in events:
        event.office_status_from = office_status_label(event.status_from)
        event.office_status_to = office_status_label(event.status_to)
    context = {
        "case": case,
        "owner": _owner_facts(case),
        "answers": answer_rows(case),
        "status_label": office_status_label(case.status),
        "events": events,
        "threads": questions_with_answers,
        "documents": case.documents.all(),
        "payments": case.payments.all(),
        "forms": forms,
        "procedure": forms["procedure_step"].steps,
        "can_change": can_change(request.user),
        "action_urls": {name: reverse(f"{app_name}:case_{name}", args=[case.pk]) for name in ACTIONS},
        "index_url": index_url(),
        "header_title": str(case),
        "header_icon": "folder-open-inverse",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": index_url(), "label": CASES_LABEL},
            {"url": "", "label": case.reference},
        ],
    }
    return TemplateResponse(request, "services/admin/case_detail.html", context)


@require_GET
def case_detail(request, pk):
    _require(can_view(request.user))
    case = _case_or_404(request, pk)
    audit.record(request, audit.Action.VIEW, record=case, summary=_("Case %(reference)s opened") % _ref(case))
    return _render_case(request, case)


def _ref(case):
    return {"reference": case.reference}


# --- actions: each a POST to its own URL that calls services/cases.py -------------------------------------


def _do_status(request, case, data):
    cases.change_status(case, data["status"], actor=request.user, by="office", text=data["text"])
    return _("The status is now “%(status)s”.") % {"status": office_status_label(data["status"])}


def _do_assign(request, case, data):
    cases.assign(case, data["assignee"], actor=request.user)
    if data["assignee"]:
        return _("Assigned to %(name)s.") % {"name": data["assignee"]}
    return _("The case is no longer assigned.")


def _do_due_date(request, case, data):
    cases.set_due_date(case, data["due_date"], actor=request.user)
    return _("Due date saved.") if data["due_date"] else _("Due date removed.")


def _do_message(request, case, data):
    cases.send_message(case, data["body"], author=request.user, files=data["files"])
    return _("Message sent to the applicant.")


def _do_question(request, case, data):
    cases.ask_question(
        case,
        data["body"],
        author=request.user,
        due_date=data["due_date"],
        requested_documents=data["requested_documents"],
        files=data["files"],
    )
    return _("Question sent; the case now awaits the applicant's reply.")


def _do_document(request, case, data):
    cases.add_document(
        case, data["file"], origin=CaseDocument.Origin.ADMINISTRATION, uploaded_by=request.user, title=data["title"]
    )
    return _("Document issued to the applicant.")


def _do_milestone(request, case, data):
    cases.add_milestone(case, data["text"], actor=request.user)
    return _("Milestone added to the timeline.")


def _do_procedure_step(request, case, data):
    # What the applicant reads is written in the site's language, as the specialist applications' reports are.
    with translation.override(settings.LANGUAGE_CODE):
        step = milestones.record_step(
            case,
            data["key"],
            status=data["status"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            text=data["text"],
            document=data["document"],
            actor=request.user,
        )
    return _("Procedure step “%(title)s” saved.") % {"title": step.title}


ACTIONS = {
    "status": _do_status,
    "assign": _do_assign,
    "due_date": _do_due_date,
    "message": _do_message,
    "question": _do_question,
    "document": _do_document,
    "milestone": _do_milestone,
    "procedure_step": _do_procedure_step,
}


@require_POST
def case_action(request, pk, action):
    """Validate the action's form and call the rule; on errors show the case page again with the input kept."""
    _require(can_change(request.user))
    case = _case_or_404(request, pk)
    form = FORM_CLASSES[action](request.POST, request.FILES, case=case)
    if form.is_valid():
        try:
            success = ACTIONS[action](request, case, form.cleaned_data)
        except cases.CaseError as error:
            # Rules that name the field at fault (e.g. a procedure step's dates) show the error at that field.
            field = getattr(error, "field", None)
            form.add_error(field if field in form.fields else None, str(error))
        else:
            audit.record(request, audit.Action.CHANGE, record=case, summary=f"{case.reference}: {success}")
            messages.success(request, success)
            return redirect(case_url(case))
    messages.error(request, _("The action could not be carried out. Please check the form below."))
    case.refresh_from_db()
    return _render_case(request, case, bound={action: form})


@require_POST
def withdraw_question(request, pk, question_pk):
    _require(can_change(request.user))
    case = _case_or_404(request, pk)
    question = get_object_or_404(case.messages.filter(is_question=True), pk=question_pk)
    try:
        cases.withdraw_question(question, actor=request.user)
    except cases.CaseError as error:
        messages.error(request, str(error))
    else:
        audit.record(
            request, audit.Action.CHANGE, record=case, summary=_("Case %(reference)s: question withdrawn") % _ref(case)
        )
        messages.success(request, _("Question withdrawn."))
    return redirect(case_url(case))


@require_POST
def mark_paid(request, pk, payment_pk):
    _require(can_change(request.user))
    case = _case_or_404(request, pk)
    payment = get_object_or_404(case.payments.all(), pk=payment_pk)
    if payment.status != Payment.Status.OPEN:
        messages.error(
            request, _("This payment is already %(status)s.") % {"status": payment.get_status_display().lower()}
        )
    else:
        payments.record_paid(payment, actor=request.user, method=Payment.Method.COUNTER)
        audit.record(
            request,
            audit.Action.CHANGE,
            record=case,
            summary=_("Case %(reference)s: payment marked as paid") % _ref(case),
        )
        messages.success(request, _("Payment marked as paid."))
    return redirect(case_url(case))


# --- documents and export -----------------------------------------------------------------------------------


@require_GET
def download_document(request, pk, document_pk):
    """Serve a case document from private storage to a clerk of the case's service, as a download."""
    _require(can_view(request.user))
    case = _case_or_404(request, pk)
    document = get_object_or_404(case.documents.all(), pk=document_pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("The file of this document is missing.")) from error
    audit.record(
        request,
        audit.Action.DOWNLOAD,
        record=document,
        subject=audit.person_id_of(case),
        summary=_("Case %(reference)s: document “%(name)s” downloaded") % {**_ref(case), "name": document.filename},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=document.filename, content_type=document.content_type or None
    )
    # Case files are personal data: never keep them in shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


EXPORTERS = {"csv": export.csv_response, "xlsx": export.xlsx_response}


@require_GET
def export_service(request, service_pk, fmt):
    """All submissions of one service the clerk works, as CSV or XLSX."""
    _require(can_view(request.user))
    if fmt not in EXPORTERS:
        raise Http404
    service_page = get_object_or_404(services_for_clerk(request.user), pk=service_pk)
    submissions = Case.objects.for_clerk(request.user).filter(service_page=service_page)
    response = EXPORTERS[fmt](service_page, submissions)
    # One entry per exported case, so that each person's trail shows the export.
    audit.record_many(
        request,
        audit.Action.EXPORT,
        submissions.only("pk", "owner_user", "submitted_by"),
        summary=_("Cases of “%(service)s” exported as %(format)s")
        % {"service": service_page.title, "format": fmt.upper()},
    )
    response["Cache-Control"] = "private, no-store"
    return response


def export_url(service_pk, fmt):
    return reverse(f"{app_name}:export", args=[service_pk, fmt])


urlpatterns = [
    path("<int:pk>/", case_detail, name="case_detail"),
    *[
        path(f"<int:pk>/{action.replace('_', '-')}/", case_action, {"action": action}, name=f"case_{action}")
        for action in ACTIONS
    ],
    path("<int:pk>/questions/<int:question_pk>/withdraw/", withdraw_question, name="withdraw_question"),
    path("<int:pk>/payments/<int:payment_pk>/paid/", mark_paid, name="mark_paid"),
    path("<int:pk>/documents/<int:document_pk>/", download_document, name="download_document"),
    path("export/<int:service_pk>/<str:fmt>/", export_service, name="export"),
]

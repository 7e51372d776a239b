"""The case endpoints: read a submission with its envelope, report back to the applicant, read their answers.

Every case is loaded through `Case.objects.for_application(...)`, so anything outside the application's
scopes is simply not found (404). Every change goes through the case rules in `services.cases`, with the
application's name as the actor the applicant sees.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from services import cases, milestones
from services.forms import MAX_UPLOAD_FILES, validate_upload
from services.models import Case, CaseDocument, CaseMessage, CaseStatus

from . import serializers as s
from .base import ApiView
from .problems import Problem
from .schema import problems, write_problems

S = CaseStatus

# validate_upload's error codes → HTTP status and problem type.
UPLOAD_PROBLEMS = {
    "file_size": (413, "file-too-large"),
    "file_type": (415, "unsupported-file-type"),
    "file_content": (415, "file-content-mismatch"),
}


def in_site_language():
    """Texts the applicant reads (timeline, notifications) are stored in the site's language.

    The integrator's Accept-Language must not decide the language of what a resident reads.
    """
    return translation.override(settings.LANGUAGE_CODE)


def invalid_transition(case, to):
    allowed = cases.allowed_transitions(case, by="office")
    return Problem(
        409,
        "invalid-transition",
        f"A case in status '{case.status}' cannot change to '{to}'. "
        f"Allowed now: {', '.join(allowed) if allowed else 'none (the case is closed)'}.",
    )


def check_uploads(files, field):
    """Run every file through the portal's one upload check; a refused file stops the whole request."""
    if len(files) > MAX_UPLOAD_FILES:
        raise Problem(
            400,
            "validation-error",
            f"Attach at most {MAX_UPLOAD_FILES} files.",
            errors=[{"field": field, "detail": f"At most {MAX_UPLOAD_FILES} files.", "code": "too_many_files"}],
        )
    for upload in files:
        try:
            content_type = validate_upload(upload)
        except ValidationError as error:
            status, code = UPLOAD_PROBLEMS.get(error.code, (400, "invalid-file"))
            with translation.override("en"):
                detail = " ".join(error.messages)
            errors = [{"field": field, "detail": detail, "code": error.code}]
            raise Problem(status, code, detail, errors=errors) from error
        # Store the type the content proved, not the one the client claimed.
        upload.content_type = content_type
    return files


def service_error(error):
    # The rules refused after our own checks passed: the case changed in between.
    return Problem(409, "invalid-transition", f"The case does not allow this now: {error}")


class CaseApiView(ApiView):
    # A view about the cases of the calling application; one case is found by its reference.

    record_type = "cases"

    def scoped_cases(self):
        return Case.objects.for_application(self.application)

    def get_case(self, reference, queryset=None):
        self.set_audit_subject("case", reference)
        queryset = self.scoped_cases() if queryset is None else queryset
        return get_object_or_404(queryset, reference=reference)

    def context(self, case=None):
        return {"request": self.request, "application": self.application, "reference": case and case.reference}

    def summary(self, case):
        """The case as it is now (after a change), in the short form of the list."""
        case = self.scoped_cases().select_related("service_page").get(pk=case.pk)
        return Response(s.CaseSummarySerializer(case, context=self.context(case)).data)

    @property
    def actor_label(self):
        return self.application.name


# --- reading ------------------------------------------------------------------------------------------


class CaseListView(CaseApiView):
    """Filter by status, service or last change; page with `after` = the `next` of the previous page."""

    audit_action = "cases.list"

    @extend_schema(
        operation_id="cases_list",
        summary="Cases of this application's scopes, oldest first, a page at a time",
        parameters=[s.CaseListQuerySerializer],
        responses={200: s.CaseListSerializer, **problems(400)},
        tags=["cases"],
    )
    def get(self, request):
        query = s.CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = self.scoped_cases().select_related("service_page").order_by("id")
        if params.get("status"):
            found = found.filter(status__in=params["status"])
        if params.get("service") is not None:
            found = found.filter(service_page_id=params["service"])
        if params.get("updatedSince"):
            found = found.filter(updated_at__gte=params["updatedSince"])
        if params.get("after") is not None:
            found = found.filter(id__gt=params["after"])
        limit = params["limit"]
        page = list(found[: limit + 1])
        more = len(page) > limit
        page = page[:limit]
        return Response(
            {
                "results": s.CaseSummarySerializer(page, many=True, context=self.context()).data,
                "next": str(page[-1].pk) if more else None,
            }
        )


class CaseDetailView(CaseApiView):
    """The header follows eCH-0058, the applicant eCH-0044 / eCH-0010 / eCH-0097 names.

    Empty values are left out rather than sent as empty strings.
    """

    audit_action = "case.read"

    @extend_schema(
        operation_id="cases_retrieve",
        summary="A case with its envelope header, applicant, answers, attachments, questions and timeline",
        responses={200: s.CaseDetailSerializer, **problems(404)},
        tags=["cases"],
    )
    def get(self, request, reference):
        queryset = (
            self.scoped_cases()
            .select_related("service_page", "owner_user", "owner_organisation", "submitted_by")
            .prefetch_related(
                "documents",
                "events",
                "payments",
                Prefetch("messages", queryset=CaseMessage.objects.prefetch_related("documents")),
            )
        )
        case = self.get_case(reference, queryset)
        # Labels and formatted answers as the applicant reads them.
        with in_site_language():
            data = s.CaseDetailSerializer(case, context=self.context(case)).data
        return Response(data)


class PassThroughNegotiation(BaseContentNegotiation):
    """A download is the file itself, whatever the client accepts; errors still render as problem JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DocumentContentView(CaseApiView):
    """The file as stored, as an attachment."""

    audit_action = "case.document.download"
    content_negotiation_class = PassThroughNegotiation

    @extend_schema(
        operation_id="cases_documents_content",
        summary="Download a document of the case",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file; Content-Type is the document's type."
            ),
            **problems(404),
        },
        tags=["cases"],
    )
    def get(self, request, reference, document_id):
        case = self.get_case(reference)
        document = get_object_or_404(CaseDocument.objects.filter(case=case), pk=document_id)
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404("The file of this document is no longer available.") from error
        response = FileResponse(
            handle, as_attachment=True, filename=document.filename, content_type=document.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class AnswerListView(CaseApiView):
    """Answers to questions carry their `questionId`; messages of the applicant have none."""

    audit_action = "case.answers.list"

    @extend_schema(
        operation_id="cases_answers_list",
        summary="What the applicant wrote after submitting: answers to questions and messages",
        responses={200: s.AnswerListSerializer, **problems(404)},
        tags=["cases"],
    )
    def get(self, request, reference):
        case = self.get_case(reference)
        answers = case.messages.filter(direction=CaseMessage.Direction.FROM_APPLICANT).prefetch_related("documents")
        return Response({"results": s.AnswerSerializer(answers, many=True, context=self.context(case)).data})


class AnswerDetailView(CaseApiView):
    """One answer or message of the applicant, with its files."""

    audit_action = "case.answer.read"

    @extend_schema(
        operation_id="cases_answers_retrieve",
        summary="One answer or message of the applicant",
        responses={200: s.AnswerSerializer, **problems(404)},
        tags=["cases"],
    )
    def get(self, request, reference, answer_id):
        case = self.get_case(reference)
        answer = get_object_or_404(
            case.messages.filter(direction=CaseMessage.Direction.FROM_APPLICANT).prefetch_related("documents"),
            pk=answer_id,
        )
        return Response(s.AnswerSerializer(answer, context=self.context(case)).data)


# --- reporting back -----------------------------------------------------------------------------------


class AcknowledgementView(CaseApiView):
    """`received` on a case already received answers 200 again and changes nothing.

    `rejected` needs reasons; the applicant reads them in the case's timeline and in a notification.
    """

    audit_action = "case.acknowledge"

    @extend_schema(
        operation_id="cases_acknowledge",
        summary="Confirm receipt of a submission, or reject it with reasons",
        request=s.AcknowledgementRequestSerializer,
        responses={200: s.CaseSummarySerializer, **write_problems()},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = s.AcknowledgementRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["result"] == "received":
            if case.status == S.RECEIVED:
                return self.summary(case)
            to = S.RECEIVED
            with in_site_language():
                text = gettext("Received by %(application)s") % {"application": self.actor_label}
        else:
            to = S.REJECTED
            text = "\n".join(reason.strip() for reason in body.validated_data["reasons"] if reason.strip())
        if to not in cases.allowed_transitions(case, by="office"):
            raise invalid_transition(case, to)
        try:
            with in_site_language():
                cases.change_status(case, to, actor=None, actor_label=self.actor_label, by="office", text=text)
        except cases.CaseError as error:
            raise service_error(error) from error
        return self.summary(case)


class StatusView(CaseApiView):
    audit_action = "case.status"

    @extend_schema(
        operation_id="cases_status",
        summary="Change the status of a case",
        description=(
            "Allowed changes (by the office): submitted → received, rejected; received → in_progress, rejected; "
            "in_progress → completed, rejected; awaiting_applicant → in_progress. A case awaits the applicant "
            "only through a question: use `POST …/questions`."
        ),
        request=s.StatusRequestSerializer,
        responses={200: s.CaseSummarySerializer, **write_problems()},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = s.StatusRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to = body.validated_data["status"]
        if to == S.AWAITING_APPLICANT:
            detail = "A case awaits the applicant only while a question is open: ask one with POST …/questions."
            raise Problem(
                400, "validation-error", detail, errors=[{"field": "status", "detail": detail, "code": "invalid"}]
            )
        if to not in cases.allowed_transitions(case, by="office"):
            raise invalid_transition(case, to)
        try:
            with in_site_language():
                cases.change_status(
                    case,
                    to,
                    actor=None,
                    actor_label=self.actor_label,
                    by="office",
                    text=body.validated_data.get("text", "").strip(),
                )
        except cases.CaseError as error:
            raise service_error(error) from error
        return self.summary(case)


class MilestoneView(CaseApiView):
    """The applicant sees it in the case's timeline at the given date (default: today)."""

    audit_action = "case.milestone"

    @extend_schema(
        operation_id="cases_milestones_create",
        summary="Report a step of the procedure (e.g. Publikation, Einsprachefrist); shown in the timeline",
        request=s.MilestoneRequestSerializer,
        responses={201: s.MilestoneSerializer, **write_problems()},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = s.MilestoneRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        date = body.validated_data.get("date")
        # The timeline is ordered by time: a milestone of another day stands at the start of that day.
        at = None
        if date and date != timezone.localdate():
            at = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
        with in_site_language():
            event = cases.add_milestone(
                case,
                s.milestone_text(body.validated_data["title"], body.validated_data.get("text", "")),
                actor=None,
                actor_label=self.actor_label,
                date=at,
            )
        return Response(s.milestone_of(event), status=201)


class MessageView(CaseApiView):
    """JSON with `body`, or multipart with `body` and up to five `files`.

    Files: PDF, JPG, PNG, DOCX, XLSX, ODT or TXT, at most 10 MB each, checked by their content.
    """

    audit_action = "case.message"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="cases_messages_create",
        summary="Send the applicant a message, with files if you like (multipart)",
        request={
            "application/json": s.MessageRequestSerializer,
            "multipart/form-data": s.MessageUploadRequestSerializer,
        },
        responses={201: s.MessageSerializer, **write_problems(413, 415)},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = s.MessageUploadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        files = check_uploads(body.validated_data["files"], "files")
        try:
            with in_site_language():
                message = cases.send_message(
                    case, body.validated_data["body"], author=None, author_label=self.actor_label, files=files
                )
        except cases.CaseError as error:
            raise service_error(error) from error
        return Response(s.MessageSerializer(message, context=self.context(case)).data, status=201)


class QuestionView(CaseApiView):
    audit_action = "case.question"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="cases_questions_create",
        summary="Ask the applicant a question (due date, requested documents, files); the case then awaits them",
        description="A submitted or received case moves to in_progress first; closed cases refuse questions (409).",
        request={
            "application/json": s.QuestionRequestSerializer,
            "multipart/form-data": s.QuestionUploadRequestSerializer,
        },
        responses={201: s.QuestionSerializer, **write_problems(413, 415)},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = s.QuestionUploadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        due_date = data.get("dueDate")
        if due_date and due_date < timezone.localdate():
            detail = "The due date lies in the past."
            raise Problem(
                400, "validation-error", detail, errors=[{"field": "dueDate", "detail": detail, "code": "invalid"}]
            )
        if not case.is_open:
            raise Problem(
                409, "invalid-transition", f"Questions can be asked only on open cases; this one is '{case.status}'."
            )
        files = check_uploads(data["files"], "files")
        requested = "\n".join(item.strip() for item in data["requestedDocuments"] if item.strip())
        try:
            with in_site_language():
                question = cases.ask_question(
                    case,
                    data["body"],
                    author=None,
                    author_label=self.actor_label,
                    due_date=due_date,
                    requested_documents=requested,
                    files=files,
                )
        except cases.CaseError as error:
            raise service_error(error) from error
        return Response(s.QuestionSerializer(question, context=self.context(case)).data, status=201)


class DocumentUploadView(CaseApiView):
    """Multipart with `file` and an optional `title` (default: the file name).

    Files: PDF, JPG, PNG, DOCX, XLSX, ODT or TXT, at most 10 MB, checked by their content.
    """

    audit_action = "case.document.add"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="cases_documents_create",
        summary="Issue a document to the applicant (multipart: file, title)",
        request={"multipart/form-data": s.DocumentUploadRequestSerializer},
        responses={201: s.DocumentSerializer, **write_problems(413, 415)},
        tags=["cases"],
    )
    def post(self, request, reference):
        case = self.get_case(reference)
        body = s.DocumentUploadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        (upload,) = check_uploads([body.validated_data["file"]], "file")
        with in_site_language(), transaction.atomic():
            document = cases.add_document(
                case,
                upload,
                origin=CaseDocument.Origin.APPLICATION,
                title=body.validated_data.get("title", "").strip(),
                actor_label=self.application.name,
            )
        return Response(s.DocumentSerializer(document, context=self.context(case)).data, status=201)


# --- the entry point ----------------------------------------------------------------------------------


class ApiRootView(ApiView):
    """Where to start: links to the main resources and the documentation. Needs no token."""

    audit_action = "root"
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="api_root",
        summary="Links to the cases, the event feed, the OpenAPI schema and its documentation",
        responses={200: s.ApiRootSerializer},
        tags=["api"],
    )
    def get(self, request):
        links = {"cases": "api:cases", "events": "api:events", "schema": "api:schema", "docs": "api:docs"}
        return Response({name: request.build_absolute_uri(reverse(url)) for name, url in links.items()})


# --- procedure steps ----------------------------------------------------------------------------------------

# Arguments of milestones.record_step → the fields of the request body, for field errors.
STEP_FIELDS = {
    "key": "key",
    "status": "status",
    "title": "title",
    "starts_on": "from",
    "ends_on": "until",
    "text": "text",
    "document": "documentId",
}


def step_problem(error):
    # Well-formed, but against the rules of the step (dates, document, title): 422 like other refused content.
    detail = str(error)
    errors = [{"field": STEP_FIELDS.get(error.field, ""), "detail": detail, "code": "invalid"}]
    return Problem(422, "invalid-procedure-step", detail, errors=errors)


class ProcedureStepsMixin:
    def step_data(self, case, key=None):
        """The progress of `case` (or its step `key`), with labels as the applicant reads them."""
        steps = milestones.progress(case)
        with in_site_language():
            if key is None:
                return {"results": s.ProcedureStepSerializer(steps, many=True, context=self.context(case)).data}
            step = next(step for step in steps if step.key == key)
            return s.ProcedureStepSerializer(step, context=self.context(case)).data


class MilestonesView(ProcedureStepsMixin, MilestoneView):
    """GET: the progress view of the case; POST (unchanged): a free-text milestone in the timeline."""

    def initial(self, request, *args, **kwargs):
        self.audit_action = "case.procedure.read" if request.method == "GET" else MilestoneView.audit_action
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="cases_milestones_list",
        summary="The progress of the case: the steps of the service's procedure with where each stands",
        description=(
            "The planned steps of the service in their order, merged with what was reported; steps reported "
            "outside the plan follow in the order they were first reported. `current` marks the step the case "
            "stands at (none once the case is closed)."
        ),
        responses={200: s.ProcedureSerializer, **problems(404)},
        tags=["cases"],
    )
    def get(self, request, reference):
        case = self.get_case(reference, self.scoped_cases().select_related("service_page"))
        return Response(self.step_data(case))


class MilestoneStepView(ProcedureStepsMixin, CaseApiView):
    """Idempotent by nature: the same state again answers 200 and adds nothing to the applicant's timeline."""

    audit_action = "case.procedure_step"
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_milestones_put",
        summary="Set where one step of the procedure stands (e.g. Einsprachefrist active from–until)",
        description=(
            "The step is replaced as a whole: `from`, `until`, `text` and `documentId` left out are emptied. "
            "`title` defaults to the step's title in the service's procedure; a key that is not in it needs a "
            "`title`. A change adds one entry to the applicant's timeline and notifies them. "
            "Refused steps (until before from, a document of another case, no title) answer 422 "
            "`invalid-procedure-step` with the field in `errors`."
        ),
        parameters=[
            OpenApiParameter(
                "key",
                str,
                OpenApiParameter.PATH,
                description="The step's key, e.g. `publikation` (lower-case letters, digits, underscores).",
            )
        ],
        request=s.ProcedureStepRequestSerializer,
        responses={200: s.ProcedureStepSerializer, **write_problems()},
        tags=["cases"],
    )
    def put(self, request, reference, key):
        case = self.get_case(reference, self.scoped_cases().select_related("service_page"))
        body = s.ProcedureStepRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        document = None
        if data.get("documentId") is not None:
            document = case.documents.filter(pk=data["documentId"]).first()
            if document is None:
                raise step_problem(milestones.StepError("This case has no document with this id.", "document"))
        try:
            with in_site_language():
                milestones.record_step(
                    case,
                    key,
                    status=data["status"],
                    title=data.get("title") or None,
                    starts_on=data.get("from"),
                    ends_on=data.get("until"),
                    text=data.get("text", ""),
                    document=document,
                    actor=None,
                    actor_label=self.actor_label,
                )
        except milestones.StepError as error:
            raise step_problem(error) from error
        return Response(self.step_data(case, key))

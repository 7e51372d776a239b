"""What the case endpoints send and accept, as DRF serializers so the OpenAPI schema documents exactly that.

Response serializers read model instances (cases, documents, messages, timeline events) and expect the
view's context: `request` (for absolute links) and, for the case detail, `application` (for the header).
Names are camelCase like the eCH standards the envelope follows.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services.form_builder import display_value
from services.models import CaseDocument, CaseEvent, CaseMilestone, CaseStatus, Payment

from .. import envelope

MAX_TEXT = 10_000

# --- problems (RFC 9457) ------------------------------------------------------------------------------


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="Name of the request field, e.g. `dueDate` or `files`; empty: whole body.")
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Machine-readable reason, e.g. `required`, `invalid`, `file_type`.")
    pointer = serializers.CharField(
        required=False,
        help_text="Bulk requests: JSON pointer (RFC 6901) to the row's field, e.g. `#/enrolments/3/studentEmail`.",
    )


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`urn:gemeindeportal:problem:<code>`, e.g. …:invalid-transition.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, in English, for the integrator.")
    instance = serializers.CharField(required=False, help_text="The request path.")
    errors = FieldErrorSerializer(many=True, required=False, help_text="Field errors of invalid requests.")


# --- envelope (documentation of the eCH names; the values come from integrations.envelope) ------------


class SendingApplicationSerializer(serializers.Serializer):
    manufacturer = serializers.CharField()
    product = serializers.CharField()
    productVersion = serializers.CharField()


class HeaderSerializer(serializers.Serializer):
    messageId = serializers.UUIDField(help_text="New for every message.")
    messageType = serializers.CharField(help_text="Always `gemeindeportal.case`.")
    subMessageType = serializers.CharField(required=False, help_text="The service's destination, if it has one.")
    senderId = serializers.CharField(help_text="The portal's sender id (sedex id where the municipality has one).")
    recipientId = serializers.CharField(help_text="Your application's identifier.")
    businessProcessId = serializers.CharField(help_text="The case reference.")
    messageDate = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=[("1", "new"), ("3", "recall (the case was withdrawn)")])
    testDeliveryFlag = serializers.BooleanField()
    sendingApplication = SendingApplicationSerializer()


class LocalPersonIdSerializer(serializers.Serializer):
    personIdCategory = serializers.CharField(help_text="Always `CH.GEMEINDEPORTAL`.")
    personId = serializers.CharField(help_text="The portal's id of the person's account.")


class DateOfBirthSerializer(serializers.Serializer):
    yearMonthDay = serializers.DateField()


class PersonIdentificationSerializer(serializers.Serializer):
    vn = serializers.CharField(required=False, help_text="AHV number (13 digits), only if the person recorded it.")
    localPersonId = LocalPersonIdSerializer()
    officialName = serializers.CharField(required=False)
    firstName = serializers.CharField(required=False)
    dateOfBirth = DateOfBirthSerializer(required=False)


class CountrySerializer(serializers.Serializer):
    countryIdISO2 = serializers.CharField()


class AddressInformationSerializer(serializers.Serializer):
    street = serializers.CharField(required=False)
    houseNumber = serializers.CharField(required=False)
    swissZipCode = serializers.IntegerField(required=False)
    foreignZipCode = serializers.CharField(required=False)
    town = serializers.CharField(required=False)
    country = CountrySerializer()


class MailPersonSerializer(serializers.Serializer):
    firstName = serializers.CharField(required=False)
    lastName = serializers.CharField(required=False)


class MailOrganisationSerializer(serializers.Serializer):
    organisationName = serializers.CharField()


class MailAddressSerializer(serializers.Serializer):
    person = MailPersonSerializer(required=False)
    organisation = MailOrganisationSerializer(required=False)
    addressInformation = AddressInformationSerializer(required=False)


class ContactSerializer(serializers.Serializer):
    emailAddress = serializers.EmailField(required=False)
    phoneNumber = serializers.CharField(required=False)


class UidSerializer(serializers.Serializer):
    uidOrganisationIdCategorie = serializers.CharField(help_text="`CHE` (eCH-0097 spelling).")
    uidOrganisationId = serializers.CharField(help_text="The nine digits.")


class LocalOrganisationIdSerializer(serializers.Serializer):
    organisationIdCategory = serializers.CharField()
    organisationId = serializers.CharField()


class OrganisationIdentificationSerializer(serializers.Serializer):
    uid = UidSerializer(required=False)
    localOrganisationId = LocalOrganisationIdSerializer()
    organisationName = serializers.CharField()


class SubmittedBySerializer(serializers.Serializer):
    personIdentification = PersonIdentificationSerializer()
    contact = ContactSerializer(required=False)


class ApplicantSerializer(serializers.Serializer):
    """A person (personIdentification) or an organisation (organisationIdentification, submittedBy)."""

    personIdentification = PersonIdentificationSerializer(required=False)
    organisationIdentification = OrganisationIdentificationSerializer(required=False)
    mailAddress = MailAddressSerializer(required=False)
    contact = ContactSerializer(required=False)
    submittedBy = SubmittedBySerializer(required=False, help_text="The member who submitted for the organisation.")


# --- responses ----------------------------------------------------------------------------------------


def _absolute(serializer, url):
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the service page; filter the case list with `service`.")
    title = serializers.CharField()
    destination = serializers.CharField(help_text="Destination key of the service, e.g. `bauamt`; may be empty.")


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    filename = serializers.CharField()
    contentType = serializers.CharField(source="content_type")
    size = serializers.IntegerField(help_text="Bytes.")
    origin = serializers.ChoiceField(choices=CaseDocument.Origin.choices)
    fieldName = serializers.CharField(source="field_name", help_text="Form field it was uploaded with, if any.")
    createdAt = serializers.DateTimeField(source="created_at")
    href = serializers.SerializerMethodField(help_text="Where to download the file.")

    def get_href(self, document) -> str:
        reference = self.context.get("reference") or document.case.reference
        return _absolute(
            self, reverse("api:case_document_content", kwargs={"reference": reference, "document_id": document.pk})
        )


def _documents(serializer, documents):
    return DocumentSerializer(documents, many=True, context=serializer.context).data


class CaseSummarySerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    service = ServiceSerializer(source="service_page", allow_null=True)
    submittedAt = serializers.DateTimeField(source="submitted_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    href = serializers.SerializerMethodField()

    def get_href(self, case) -> str:
        return _absolute(self, reverse("api:case", kwargs={"reference": case.reference}))


class CaseListSerializer(serializers.Serializer):
    results = CaseSummarySerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Pass as `after` for the next page; null on the last.")


class FeeSerializer(serializers.Serializer):
    amountRappen = serializers.IntegerField()
    currency = serializers.CharField()
    paid = serializers.BooleanField(help_text="True when nothing is owed (no fee, or the fee is paid).")


class FieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    value = serializers.JSONField(help_text="The answer as submitted (text, number, list, address object …).")
    displayValue = serializers.CharField(help_text="The answer as the applicant sees it.")


class MilestoneSerializer(serializers.Serializer):
    title = serializers.CharField()
    date = serializers.DateField()
    text = serializers.CharField(allow_blank=True)


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    dueDate = serializers.DateField(source="due_date", allow_null=True)
    requestedDocuments = serializers.SerializerMethodField()
    askedAt = serializers.DateTimeField(source="created_at")
    answeredAt = serializers.DateTimeField(source="answered_at", allow_null=True)
    withdrawnAt = serializers.DateTimeField(source="withdrawn_at", allow_null=True)
    attachments = serializers.SerializerMethodField()

    def get_requestedDocuments(self, question) -> list[str]:  # noqa: N802 — named like the JSON field
        return requested_documents_list(question.requested_documents)

    @extend_schema_field(DocumentSerializer(many=True))
    def get_attachments(self, question):
        return _documents(self, question.documents.all())


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    text = serializers.CharField(allow_blank=True)
    statusFrom = serializers.SerializerMethodField()
    statusTo = serializers.SerializerMethodField()

    def get_statusFrom(self, event) -> str | None:  # noqa: N802
        return event.status_from or None

    def get_statusTo(self, event) -> str | None:  # noqa: N802
        return event.status_to or None


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(DocumentSerializer(many=True))
    def get_attachments(self, message):
        return _documents(self, message.documents.all())


class AnswerSerializer(MessageSerializer):
    """Something the applicant wrote after submitting: an answer to a question, or a message of their own."""

    questionId = serializers.IntegerField(
        source="answer_to_id", allow_null=True, help_text="The question this answers; null for a message."
    )


class AnswerListSerializer(serializers.Serializer):
    results = AnswerSerializer(many=True)


class CaseSerializer(CaseSummarySerializer):
    """The case as the application reads it. Expects the case with its relations prefetched (see the view)."""

    statusLabel = serializers.CharField(source="get_status_display")
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)
    dueDate = serializers.DateField(source="due_date", allow_null=True)
    fee = serializers.SerializerMethodField()
    applicant = serializers.SerializerMethodField()
    # Not get_fields: that name belongs to the serializer itself.
    fields = serializers.SerializerMethodField(method_name="get_answers")
    attachments = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(FeeSerializer)
    def get_fee(self, case):
        paid = any(payment.status == Payment.Status.PAID for payment in case.payments.all())
        return {"amountRappen": case.fee_rappen, "currency": "CHF", "paid": paid or not case.fee_rappen}

    @extend_schema_field(ApplicantSerializer)
    def get_applicant(self, case):
        return envelope.applicant(case)

    @extend_schema_field(FieldSerializer(many=True))
    def get_answers(self, case):
        data = case.data or {}
        return [
            {
                "name": item["name"],
                "label": item.get("label", item["name"]),
                "type": item.get("type", ""),
                "value": data[item["name"]],
                "displayValue": display_value(item, data[item["name"]]),
            }
            for item in case.fields_snapshot or []
            if item.get("name") in data
        ]

    @extend_schema_field(DocumentSerializer(many=True))
    def get_attachments(self, case):
        return _documents(self, case.documents.all())

    @extend_schema_field(MilestoneSerializer(many=True))
    def get_milestones(self, case):
        return [milestone_of(event) for event in case.events.all() if event.kind == CaseEvent.Kind.MILESTONE]

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, case):
        questions = [message for message in case.messages.all() if message.is_question]
        return QuestionSerializer(questions, many=True, context=self.context).data

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, case):
        visible = [event for event in case.events.all() if event.visible_to_owner]
        return TimelineEntrySerializer(visible, many=True).data


class CaseDetailSerializer(serializers.Serializer):
    header = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()

    @extend_schema_field(HeaderSerializer)
    def get_header(self, case):
        return envelope.header(self.context["application"], case)

    @extend_schema_field(CaseSerializer)
    def get_case(self, case):
        return CaseSerializer(case, context=self.context).data


# --- milestones are timeline events: the first line of the text is the title ---------------------------


def milestone_text(title, text=""):
    return "\n".join(part for part in (title.strip(), (text or "").strip()) if part)


def milestone_of(event):
    title, _newline, text = event.text.partition("\n")
    return {"title": title, "date": timezone.localdate(event.created_at).isoformat(), "text": text}


def requested_documents_list(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- requests -----------------------------------------------------------------------------------------


class CaseListQuerySerializer(serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text="One status or several separated by commas, e.g. `submitted,received`."
    )
    service = serializers.IntegerField(required=False, help_text="Id of a service page.")
    updatedSince = serializers.DateTimeField(required=False, help_text="ISO 8601, e.g. 2026-05-01T08:00:00+02:00.")
    after = serializers.IntegerField(required=False, min_value=0, help_text="The `next` cursor of the previous page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def validate_status(self, value):
        statuses = [part.strip() for part in value.split(",") if part.strip()]
        known = {status.value for status in CaseStatus if status != CaseStatus.DRAFT}
        unknown = [status for status in statuses if status not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use one of {', '.join(sorted(known))}."
            )
        return statuses


class AcknowledgementRequestSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["received", "rejected"])
    reasons = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        default=list,
        help_text="Required when rejecting: why, in words the applicant understands.",
    )

    def validate(self, attrs):
        if attrs["result"] == "rejected" and not [reason for reason in attrs["reasons"] if reason.strip()]:
            raise serializers.ValidationError({"reasons": ["Give at least one reason when rejecting a case."]})
        return attrs


class StatusRequestSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=CaseStatus.choices,
        help_text="The new status; the case's state machine decides whether it may change (else 409).",
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, help_text="Shown to the applicant in the timeline."
    )


class MilestoneRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, help_text="e.g. `Publikation`, `Einsprachefrist`.")
    date = serializers.DateField(required=False, help_text="Default: today.")
    text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class MessageRequestSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_TEXT)


class MessageUploadRequestSerializer(MessageRequestSerializer):
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class QuestionRequestSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_TEXT)
    dueDate = serializers.DateField(required=False, allow_null=True, help_text="Answer by this day.")
    requestedDocuments = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=list,
        help_text="Documents the applicant should send with the answer.",
    )


class QuestionUploadRequestSerializer(QuestionRequestSerializer):
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DocumentUploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(required=False, allow_blank=True, max_length=255, help_text="Default: file name.")


class ApiRootSerializer(serializers.Serializer):
    cases = serializers.URLField()
    events = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


# --- procedure steps (milestones with a status, one per key) ------------------------------------------------


class _FromUntilMixin:
    """Adds the JSON fields `from` and `until`: both are Python keywords, so they cannot be class attributes."""

    def from_until_fields(self):
        raise NotImplementedError

    def get_fields(self):
        fields = super().get_fields()
        extra = self.from_until_fields()
        # Documented right after `status`.
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "status":
                ordered.update(extra)
        return ordered


class StepStatusField(serializers.ChoiceField):
    """The status of a procedure step: `pending`, `active`, `done` or `skipped`."""

    def __init__(self, **kwargs):
        super().__init__(choices=CaseMilestone.Status.values, **kwargs)


class StepStatusFieldSchema(OpenApiSerializerFieldExtension):
    # A component of its own: drf-spectacular would otherwise name every enum of a field called "status" by a
    # hash, the case status included, because two different choice sets would share the field name.
    target_class = StepStatusField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="ProcedureStepStatus",
            type=ResolvedComponent.SCHEMA,
            object="ProcedureStepStatus",
            schema={
                "type": "string",
                "enum": CaseMilestone.Status.values,
                "description": "`pending` (upcoming), `active` (in progress), `done` (completed), "
                "`skipped` (not needed).",
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class ProcedureStepSerializer(_FromUntilMixin, serializers.Serializer):
    """One step of the case's procedure as the applicant sees it in the progress view."""

    key = serializers.CharField(help_text="e.g. `vorpruefung`, `publikation`, `einsprachefrist`, `entscheid`.")
    title = serializers.CharField()
    status = StepStatusField()
    statusLabel = serializers.CharField(source="status_label")
    text = serializers.CharField(allow_blank=True, help_text="The note for the applicant.")
    document = serializers.SerializerMethodField(help_text="The document of this step, e.g. the decision.")
    description = serializers.CharField(allow_blank=True, help_text="The plan's explanation of the step.")
    isPeriod = serializers.BooleanField(source="is_period", help_text="The step has a period (from–until).")
    planned = serializers.BooleanField(help_text="In the procedure of the service; false: reported for this case only.")
    current = serializers.BooleanField(
        help_text="The step the case stands at: the active one, else the first upcoming after the last completed."
    )
    reportedBy = serializers.CharField(source="reported_by", allow_blank=True)
    updatedAt = serializers.DateTimeField(source="updated_at", allow_null=True, help_text="Null: not reported yet.")

    def from_until_fields(self):
        return {
            "from": serializers.DateField(source="starts_on", allow_null=True),
            "until": serializers.DateField(source="ends_on", allow_null=True),
        }

    @extend_schema_field(DocumentSerializer(allow_null=True))
    def get_document(self, step):
        return DocumentSerializer(step.document, context=self.context).data if step.document else None


class ProcedureSerializer(serializers.Serializer):
    results = ProcedureStepSerializer(many=True)


class ProcedureStepRequestSerializer(_FromUntilMixin, serializers.Serializer):
    """Where the step stands now. The step is replaced as a whole: fields left out are emptied."""

    status = StepStatusField()
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Default: the title of the step in the service's procedure; required for a step not in it.",
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, help_text="A note for the applicant."
    )
    documentId = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="A document of this case (upload it first with POST …/documents), e.g. the decision.",
    )

    def from_until_fields(self):
        return {
            "from": serializers.DateField(required=False, allow_null=True, help_text="First day, `YYYY-MM-DD`."),
            "until": serializers.DateField(
                required=False, allow_null=True, help_text="Last day (not before `from`), `YYYY-MM-DD`."
            ),
        }

"""Absences and leave requests, fetched by the id an event named (or listed a page at a time).

The events `absence.reported` and `leave_request.submitted` carry ids only (DESIGN.md section 6); an application
fetches the record here with its token. Every endpoint needs read permission on the record type "absences": a token
without it answers 403 insufficient-scope, an unknown id 404. The whole scope is the record type (absences are not
tied to services), so an application that reads "absences" reads every absence and leave request.

What leaves the portal: the student (id, the e-mail of the portal account — the key the school records use — and
the name), the class, dates, half-days, the reason *category* and the status. Free text never does: neither the
guardian's note on an absence nor the reason or the decision note of a leave request.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from schools.models import Absence, LeaveRequest, ReasonCategory

from .base import ApiView
from .paging import id_page
from .problems import PROBLEM_CONTENT_TYPE, Problem
from .schema import problems
from .serializers import ProblemSerializer

RECORD_TYPE = "absences"
TAGS = ["absences"]
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _enum(choices, help_text, allow_null=False):
    """A string out of `choices`, documented as an enum of this property alone.

    Wrapped in `allOf` so that drf-spectacular does not pool it with other fields of the same name (`status`,
    `kind`, `source` …) into shared enum components whose names would collide.
    """
    values = [value for value, _label in choices]
    enum = {"type": "string", "enum": values}
    if allow_null:
        enum = {"type": "string", "nullable": True, "enum": [*values, None]}
    field_class = extend_schema_field({"allOf": [enum]})(type("EnumField", (serializers.CharField,), {}))
    return field_class(help_text=help_text, allow_null=allow_null)


class AbsencesStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The student's id in the portal (`studentId` of the events).")
    email = serializers.EmailField(
        help_text="The e-mail of the student's portal account: the key of the student in the school records."
    )
    name = serializers.CharField(help_text="First and last name; empty if the account has none.")


class AbsencesClassSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The class's id in the portal (`classId` of the events).")
    name = serializers.CharField(help_text="e.g. `3a`")
    externalId = serializers.CharField(allow_null=True, help_text="The class's id in your application, if it has one.")
    schoolCode = serializers.CharField(help_text="The school's code, e.g. `dorf`.")


class AbsenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = _enum(Absence.Kind.choices, "`absence`, or `late` for a late arrival (then `minutesLate`).")
    student = AbsencesStudentSerializer()
    schoolClass = AbsencesClassSerializer(help_text="The class the student was in.")
    startsOn = serializers.DateField()
    endsOn = serializers.DateField()
    halfDays = serializers.IntegerField(help_text="Half-days missed; 0 for a late arrival.")
    minutesLate = serializers.IntegerField(help_text="Minutes late; 0 for an absence.")
    reasonCategory = _enum(ReasonCategory.choices, "The category only; the portal keeps no diagnosis.")
    status = _enum(Absence.Status.choices, "Whether the class teacher has excused it.")
    source = _enum(Absence.Source.choices, "Reported by a guardian, recorded by a teacher, or from approved leave.")
    createdAt = serializers.DateTimeField()


class LeaveRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student = AbsencesStudentSerializer()
    schoolClass = AbsencesClassSerializer(help_text="The class the student was in when the leave was asked for.")
    startsOn = serializers.DateField()
    endsOn = serializers.DateField()
    halfDays = serializers.IntegerField()
    status = _enum(LeaveRequest.Status.choices, "`pending` until decided, or withdrawn by the guardian.")
    decidedByRole = _enum(
        LeaveRequest.DecidedBy.choices,
        "Who decides: the class teacher up to the school's limit of half-days, above it the school management.",
    )
    decision = _enum(
        [(LeaveRequest.Status.APPROVED, ""), (LeaveRequest.Status.DECLINED, "")],
        "`approved` or `declined` once decided, otherwise null.",
        allow_null=True,
    )
    decidedAt = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField(help_text="When the guardian asked.")


class AbsencesListQuerySerializer(serializers.Serializer):
    createdSince = serializers.DateTimeField(
        required=False,
        help_text="Only records created (asked for) at or after this moment; ISO 8601, e.g. 2026-11-01T00:00:00+01:00.",
    )
    after = serializers.IntegerField(required=False, min_value=0, help_text="The `next` cursor of the previous page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


class AbsenceListSerializer(serializers.Serializer):
    results = AbsenceSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Pass as `after` for the next page; null on the last.")


class LeaveRequestListSerializer(serializers.Serializer):
    results = LeaveRequestSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Pass as `after` for the next page; null on the last.")


def student_data(user):
    return {"id": user.pk, "email": user.email, "name": user.get_full_name()}


def class_data(school_class):
    return {
        "id": school_class.pk,
        "name": school_class.name,
        "externalId": school_class.external_id or None,
        "schoolCode": school_class.school.code,
    }


def absence_data(absence):
    return {
        "id": absence.pk,
        "kind": absence.kind,
        "student": student_data(absence.student),
        "schoolClass": class_data(absence.school_class),
        "startsOn": absence.starts_on,
        "endsOn": absence.ends_on,
        "halfDays": absence.half_days,
        "minutesLate": absence.minutes_late,
        "reasonCategory": absence.reason,
        "status": absence.status,
        "source": absence.source,
        "createdAt": absence.created_at,
    }


DECISIONS = (LeaveRequest.Status.APPROVED, LeaveRequest.Status.DECLINED)


def leave_request_data(leave):
    return {
        "id": leave.pk,
        "student": student_data(leave.student),
        "schoolClass": class_data(leave.school_class),
        "startsOn": leave.starts_on,
        "endsOn": leave.ends_on,
        "halfDays": leave.half_days,
        "status": leave.status,
        "decidedByRole": leave.decided_by_role,
        "decision": leave.status if leave.status in DECISIONS else None,
        "decidedAt": leave.decided_at,
        "createdAt": leave.requested_at,
    }


STUDENT_EXAMPLE = {"id": 42, "email": "lina@musterwil.example", "name": "Lina Muster"}
CLASS_EXAMPLE = {"id": 7, "name": "3a", "externalId": "K-3A", "schoolCode": "dorf"}
ABSENCE_EXAMPLE = {
    "id": 118,
    "kind": "absence",
    "student": STUDENT_EXAMPLE,
    "schoolClass": CLASS_EXAMPLE,
    "startsOn": "2026-11-26",
    "endsOn": "2026-11-27",
    "halfDays": 4,
    "minutesLate": 0,
    "reasonCategory": "illness",
    "status": "reported",
    "source": "guardian",
    "createdAt": "2026-11-26T06:45:12.345678Z",
}
LEAVE_REQUEST_EXAMPLE = {
    "id": 23,
    "student": STUDENT_EXAMPLE,
    "schoolClass": CLASS_EXAMPLE,
    "startsOn": "2027-01-28",
    "endsOn": "2027-01-29",
    "halfDays": 4,
    "status": "approved",
    "decidedByRole": "class_teacher",
    "decision": "approved",
    "decidedAt": "2026-11-30T16:02:40.123456Z",
    "createdAt": "2026-11-27T19:11:03.654321Z",
}


def read_problems(*status_codes):
    """401/429 as everywhere, 404 (or `status_codes`), and 403 for an application that may not read absences."""
    found = {
        **problems(*(status_codes or (404,))),
        (403, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description="The application may not read the record type `absences`."
        ),
    }
    return dict(sorted(found.items()))


class AbsencesApiView(ApiView):
    """Reads only; the read permission on "absences" is checked before anything is looked up."""

    # No `record_type`: nothing is written here, so ApiView's write check does not apply (a POST answers 405).
    subject_type = ""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.set_audit_subject(self.subject_type, kwargs.get("pk", ""))
        if not self.application.may_read(RECORD_TYPE):
            raise Problem(403, "insufficient-scope", f"This application may not read records of type '{RECORD_TYPE}'.")

    def get_record(self, queryset, pk):
        return get_object_or_404(queryset.select_related("student", "school_class__school"), pk=pk)

    def page(self, queryset, created_field, to_data):
        """A page in id order after the cursor, in one query: {"results": […], "next": cursor or None}."""
        query = AbsencesListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = queryset.select_related("student", "school_class__school")
        if params.get("createdSince"):
            found = found.filter(**{f"{created_field}__gte": params["createdSince"]})
        return id_page(found, params.get("after"), params["limit"], to_data)


LIST_DESCRIPTION = (
    "Needs read permission on `absences`. Oldest first; page with `after` = the `next` of the previous page. For "
    "a first synchronisation or to catch up; afterwards follow the events and fetch single records."
)


class AbsenceListView(AbsencesApiView):
    """Every absence and late arrival, a page at a time."""

    audit_action = "absences.list"

    @extend_schema(
        operation_id="absences_list",
        summary="Absences and late arrivals, oldest first, a page at a time",
        description=LIST_DESCRIPTION,
        parameters=[AbsencesListQuerySerializer],
        responses={200: AbsenceListSerializer, **read_problems(400)},
        tags=TAGS,
    )
    def get(self, request):
        data = self.page(Absence.objects.all(), "created_at", absence_data)
        return Response(AbsenceListSerializer(data).data)


class LeaveRequestListView(AbsencesApiView):
    """Every leave request, a page at a time."""

    audit_action = "leave_requests.list"

    @extend_schema(
        operation_id="leave_requests_list",
        summary="Leave requests, oldest first, a page at a time",
        description=LIST_DESCRIPTION,
        parameters=[AbsencesListQuerySerializer],
        responses={200: LeaveRequestListSerializer, **read_problems(400)},
        tags=TAGS,
    )
    def get(self, request):
        data = self.page(LeaveRequest.objects.all(), "requested_at", leave_request_data)
        return Response(LeaveRequestListSerializer(data).data)


class AbsenceView(AbsencesApiView):
    """One absence or late arrival, by the id of its `absence.reported` event."""

    audit_action = "absence.read"
    subject_type = "absence"

    @extend_schema(
        operation_id="absences_retrieve",
        summary="An absence or late arrival of a student",
        description=(
            "Needs read permission on `absences`. The `id` is `data.absenceId` (and `data.id`) of the "
            "`absence.reported` event. The guardian's note is never included."
        ),
        responses={200: AbsenceSerializer, **read_problems()},
        examples=[OpenApiExample("An illness of two days", value=ABSENCE_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request, pk):
        absence = self.get_record(Absence.objects.all(), pk)
        return Response(AbsenceSerializer(absence_data(absence)).data)


class LeaveRequestView(AbsencesApiView):
    """One leave request, by the id of its `leave_request.submitted` event."""

    audit_action = "leave_request.read"
    subject_type = "leave_request"

    @extend_schema(
        operation_id="leave_requests_retrieve",
        summary="A leave request of a student, with its decision",
        description=(
            "Needs read permission on `absences`. The `id` is `data.leaveRequestId` (and `data.id`) of the "
            "`leave_request.submitted` event. The guardian's reason and the decision note are free text and never "
            "included; approved leave also appears as an absence with source `leave`."
        ),
        responses={200: LeaveRequestSerializer, **read_problems()},
        examples=[OpenApiExample("Approved by the class teacher", value=LEAVE_REQUEST_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request, pk):
        leave = self.get_record(LeaveRequest.objects.all(), pk)
        return Response(LeaveRequestSerializer(leave_request_data(leave)).data)

"""The school records endpoint: the school administration's application delivers its records in bulk.

`POST /api/v1/school-records` needs write permission on the record type "school_records" (otherwise 403
insufficient-scope, checked by ApiView). The body is validated as a whole first — the shape of every row here, the
references between rows in `schools.records_sync` — and any error refuses the whole batch with a 400 problem whose
`errors` name each row by a JSON pointer. A valid batch is written in one transaction with bulk operations; rows
naming a person without a portal account are skipped and reported in the answer.
"""

import logging

from django.db import IntegrityError
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from schools import records_sync as sync
from schools.models import SchoolClass, SchoolYear, Term

from .base import ApiView
from .problems import Problem, field_errors
from .schema import write_problems

logger = logging.getLogger(__name__)

RECORD_TYPE = "school_records"
TAGS = ["school records"]
MAX_ROWS = 10_000


def _length(model, name):
    return model._meta.get_field(name).max_length


class DatedSerializer(serializers.Serializer):
    def validate(self, attrs):
        starts_on, ends_on = attrs.get("startsOn"), attrs.get("endsOn")
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError({"endsOn": "The end date must not be before the start date."})
        return attrs


class SchoolRowSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=60, help_text="The school's code, e.g. `dorf`; identifies the school.")
    name = serializers.CharField(max_length=200)


class TermRowSerializer(DatedSerializer):
    name = serializers.CharField(max_length=_length(Term, "name"), help_text="e.g. `1. Semester`; unique per year.")
    startsOn = serializers.DateField()
    endsOn = serializers.DateField()


class SchoolYearRowSerializer(DatedSerializer):
    name = serializers.CharField(max_length=_length(SchoolYear, "name"), help_text="e.g. `2026/27`; identifies it.")
    startsOn = serializers.DateField()
    endsOn = serializers.DateField()
    terms = TermRowSerializer(many=True, required=False, help_text="Terms are matched by name; none is deleted.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        errors = {}
        for index, term in enumerate(attrs.get("terms", [])):
            if term["startsOn"] < attrs["startsOn"] or term["endsOn"] > attrs["endsOn"]:
                errors[f"terms.{index}.startsOn"] = ["A term must lie within its school year."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ClassRowSerializer(serializers.Serializer):
    schoolCode = serializers.SlugField(max_length=60)
    externalId = serializers.CharField(
        max_length=_length(SchoolClass, "external_id"), help_text="The class's id in your application, per school."
    )
    schoolYear = serializers.CharField(max_length=_length(SchoolYear, "name"), help_text="The school year's name.")
    name = serializers.CharField(max_length=_length(SchoolClass, "name"), help_text="e.g. `3a`")
    grade = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=20)


class EnrolmentRowSerializer(DatedSerializer):
    schoolCode = serializers.SlugField(max_length=60)
    classExternalId = serializers.CharField(max_length=_length(SchoolClass, "external_id"))
    studentEmail = serializers.EmailField(help_text="The e-mail of the student's portal account.")
    startsOn = serializers.DateField(required=False, allow_null=True)
    endsOn = serializers.DateField(
        required=False, allow_null=True, help_text="Set when the student leaves the class; that day still counts."
    )


class GuardianshipRowSerializer(serializers.Serializer):
    guardianEmail = serializers.EmailField()
    studentEmail = serializers.EmailField()
    hasCustody = serializers.BooleanField(required=False, default=True)
    informationOnly = serializers.BooleanField(
        required=False, default=False, help_text="Informed only: sees what the school allows, never acts."
    )


class TeachingAssignmentRowSerializer(serializers.Serializer):
    schoolCode = serializers.SlugField(max_length=60)
    classExternalId = serializers.CharField(max_length=_length(SchoolClass, "external_id"))
    teacherEmail = serializers.EmailField()
    isClassTeacher = serializers.BooleanField(required=False, default=False)
    subjects = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, help_text='e.g. `["Deutsch"]`'
    )

    def validate_subjects(self, subjects):
        if any("," in subject for subject in subjects):
            raise serializers.ValidationError("A subject may not contain a comma.")
        if len(sync._subjects(subjects)) > sync.SUBJECTS_MAX_LENGTH:
            raise serializers.ValidationError(f"At most {sync.SUBJECTS_MAX_LENGTH} characters of subjects in all.")
        return subjects


def _rows(serializer, help_text):
    return serializer(many=True, required=False, max_length=MAX_ROWS, help_text=help_text)


class SchoolRecordsUpsertSerializer(serializers.Serializer):
    schools = _rows(SchoolRowSerializer, "Schools by `code`; only their names are set from here.")
    schoolYears = _rows(SchoolYearRowSerializer, "School years by `name`, with their terms.")
    classes = _rows(ClassRowSerializer, "Classes by `schoolCode` + `externalId`.")
    enrolments = _rows(EnrolmentRowSerializer, "Students in classes.")
    guardianships = _rows(GuardianshipRowSerializer, "Guardians of students.")
    teachingAssignments = _rows(TeachingAssignmentRowSerializer, "Teachers in classes.")
    replaceEnrolments = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "The enrolments of this request are the complete list for every class in `classes`: a current "
            "enrolment of such a class whose student is not listed ends today."
        ),
    )


class CountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Rows naming a person without a portal account.")


class EnrolmentCountsSerializer(CountsSerializer):
    ended = serializers.IntegerField(help_text="Enrolments ended today by `replaceEnrolments`.")


class SkippedRowSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="e.g. `enrolments.3.studentEmail`")
    pointer = serializers.CharField(help_text="JSON pointer into the request, e.g. `#/enrolments/3/studentEmail`.")
    detail = serializers.CharField()
    code = serializers.CharField(help_text="`unknown-person`")


class SchoolRecordsResultSerializer(serializers.Serializer):
    schools = CountsSerializer()
    schoolYears = CountsSerializer()
    terms = CountsSerializer()
    classes = CountsSerializer()
    enrolments = EnrolmentCountsSerializer()
    guardianships = CountsSerializer()
    teachingAssignments = CountsSerializer()
    skipped = SkippedRowSerializer(many=True)


EXAMPLE = {
    "schools": [{"code": "dorf", "name": "Schulhaus Dorf"}],
    "schoolYears": [
        {
            "name": "2026/27",
            "startsOn": "2026-08-01",
            "endsOn": "2027-07-31",
            "terms": [
                {"name": "1. Semester", "startsOn": "2026-08-01", "endsOn": "2027-01-31"},
                {"name": "2. Semester", "startsOn": "2027-02-01", "endsOn": "2027-07-31"},
            ],
        }
    ],
    "classes": [{"schoolCode": "dorf", "externalId": "K-3A", "schoolYear": "2026/27", "name": "3a", "grade": 3}],
    "enrolments": [{"schoolCode": "dorf", "classExternalId": "K-3A", "studentEmail": "lina@musterwil.example"}],
    "guardianships": [
        {"guardianEmail": "parent@musterwil.example", "studentEmail": "lina@musterwil.example", "hasCustody": True}
    ],
    "teachingAssignments": [
        {
            "schoolCode": "dorf",
            "classExternalId": "K-3A",
            "teacherEmail": "teacher@musterwil.example",
            "isClassTeacher": False,
            "subjects": ["Musik"],
        }
    ],
    "replaceEnrolments": True,
}


def invalid(errors, detail):
    return Problem(400, "validation-error", detail, errors=errors)


def with_pointers(errors):
    for error in errors:
        error["pointer"] = sync.pointer(*error["field"].split(".")) if error["field"] else "#"
    return errors


class SchoolRecordsView(ApiView):
    """Bulk upsert of schools, school years and terms, classes, enrolments, guardianships, teaching assignments."""

    record_type = RECORD_TYPE
    audit_action = "school_records.upsert"
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="school_records_upsert",
        summary="Create or update school records in bulk (idempotent)",
        description=(
            "Every row is the complete state of its record (optional fields left out take their defaults); "
            "records are matched by their keys and never deleted. The whole body is checked first: any invalid row "
            "refuses the batch with `400 validation-error`, each error naming its row by a JSON `pointer`. Rows "
            "naming a person without a portal account (by e-mail) are skipped and listed in `skipped`. At most "
            f"{MAX_ROWS} rows per list. The same body twice changes nothing the second time."
        ),
        request=SchoolRecordsUpsertSerializer,
        responses={200: SchoolRecordsResultSerializer, **write_problems()},
        examples=[OpenApiExample("A school with one class", value=EXAMPLE, request_only=True)],
        tags=TAGS,
    )
    def post(self, request):
        body = SchoolRecordsUpsertSerializer(data=request.data)
        if not body.is_valid():
            errors = with_pointers(field_errors(body.errors))
            raise invalid(errors, f"The request has {len(errors)} invalid field(s); see errors.")
        data = body.validated_data
        codes = sorted({row["code"] for row in data.get("schools", [])})
        self.set_audit_subject("school_records", ",".join(codes) or "-")
        try:
            result = sync.upsert(data)
        except sync.SchoolRecordsInvalid as error:
            raise invalid(error.errors, f"{len(error.errors)} row(s) are invalid; nothing was written.") from error
        except IntegrityError as error:
            # Another batch created the same record at the same moment. Nothing was written; the answer is not
            # kept for the Idempotency-Key, so a retry with the same key runs the batch again.
            logger.warning("school records upsert collided with a concurrent change: %s", error)
            if self._idempotency_record is not None:
                self._idempotency_record.delete()
                self._idempotency_record = None
            raise Problem(
                409, "concurrent-update", "The records changed while this batch was written; send it again."
            ) from error
        return Response(SchoolRecordsResultSerializer(result).data)

"""Bulk upsert of the school records the school administration's application delivers.

`upsert(data)` takes the request body as validated by `school_records.SchoolRecordsUpsertSerializer` (camelCase
keys, parsed dates) and brings the portal's records in line with it, in one transaction:

1. resolve every reference (schools, school years, classes, persons) with a constant number of queries per record
   type — lookups go in chunks of CHUNK keys, so thousands of rows cost a few more queries, never one per row;
2. collect every row error (duplicates, unknown school / school year / class, a class name taken by another class)
   and raise `SchoolRecordsInvalid` with all of them before anything is written;
3. write with bulk_create / bulk_update and count per record type what was created, updated or left unchanged.

Each row is the complete state of its record: an optional field left out takes its default (no date, no grade,
custody true …). Rows naming a person without a portal account (matched by e-mail, case-insensitively) are skipped
and reported, without failing the batch. With `replaceEnrolments`, the enrolments of the request are the complete
list of students of every class in `classes`: a current enrolment of such a class whose student is not listed ends
today. Nothing is ever deleted.

The portal's own settings of a school (management, leave limit, grade visibility) are never touched.
"""

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from home import bulk_records
from home.bulk_records import RecordsInvalid, pointer, row_error

from .models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term

logger = logging.getLogger(__name__)

#: Keys per lookup query (below SQLite's and PostgreSQL's limits on query parameters).
CHUNK = 900
SUBJECTS_MAX_LENGTH = TeachingAssignment._meta.get_field("subjects").max_length

SECTIONS = ("schools", "schoolYears", "terms", "classes", "enrolments", "guardianships", "teachingAssignments")


class SchoolRecordsInvalid(RecordsInvalid):
    """The batch was refused as a whole; `errors` lists every row error (field, pointer, detail, code)."""


def chunked(items, size=CHUNK):
    return bulk_records.chunked(items, size)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    extra: dict = field(default_factory=dict)

    def as_dict(self):
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            **self.extra,
        }


def _email(value):
    return value.strip().lower()


def _subjects(values):
    return ", ".join(value.strip() for value in values if value.strip())


class _Batch:
    """One upsert: the request's rows, what exists, the errors found, and the counts."""

    def __init__(self, data, today):
        self.today = today
        self.schools = data.get("schools", [])
        self.years = data.get("schoolYears", [])
        self.classes = data.get("classes", [])
        self.enrolments = data.get("enrolments", [])
        self.guardianships = data.get("guardianships", [])
        self.assignments = data.get("teachingAssignments", [])
        self.replace_enrolments = data.get("replaceEnrolments", False)
        self.errors = []
        self.skipped = []
        self.skipped_rows = set()
        self.counts = {name: Counts() for name in SECTIONS}
        self.counts["enrolments"].extra["ended"] = 0

    def error(self, parts, detail, code):
        self.errors.append(row_error(parts, detail, code))

    # --- reading and checking -------------------------------------------------------------------------------

    def check(self):
        self._check_duplicates()
        codes = (
            {row["code"] for row in self.schools}
            | {row["schoolCode"] for row in self.classes}
            | {row["schoolCode"] for row in self.enrolments}
            | {row["schoolCode"] for row in self.assignments}
        )
        self.existing_schools = (
            {school.code: school for school in School.objects.filter(code__in=codes)} if codes else {}
        )
        known_codes = set(self.existing_schools) | {row["code"] for row in self.schools}
        year_names = {row["name"] for row in self.years} | {row["schoolYear"] for row in self.classes}
        self.existing_years = {year.name: year for year in SchoolYear.objects.filter(name__in=year_names)}
        known_years = set(self.existing_years) | {row["name"] for row in self.years}
        self._read_classes(codes)
        self._check_classes(known_codes, known_years)
        self._check_class_references("enrolments", self.enrolments)
        self._check_class_references("teachingAssignments", self.assignments)
        self._read_persons()

    def _check_duplicates(self):
        def unique(section, rows, key, name, what):
            prefix = section if isinstance(section, tuple) else (section,)
            seen = {}
            for index, row in enumerate(rows):
                value = key(row)
                if value in seen:
                    self.error(
                        (*prefix, index, name),
                        f"{what} is already in {pointer(*prefix, seen[value])}; send each record once.",
                        "duplicate",
                    )
                else:
                    seen[value] = index

        unique("schools", self.schools, lambda row: row["code"], "code", "This school")
        unique("schoolYears", self.years, lambda row: row["name"], "name", "This school year")
        for index, year in enumerate(self.years):
            unique(("schoolYears", index, "terms"), year.get("terms", []), lambda row: row["name"], "name", "This term")
        unique("classes", self.classes, lambda row: (row["schoolCode"], row["externalId"]), "externalId", "This class")
        unique(
            "classes",
            self.classes,
            lambda row: (row["schoolCode"], row["schoolYear"], row["name"].casefold()),
            "name",
            "A class of this name in this school and school year",
        )
        unique(
            "enrolments",
            self.enrolments,
            lambda row: (row["schoolCode"], row["classExternalId"], _email(row["studentEmail"])),
            "studentEmail",
            "This enrolment",
        )
        unique(
            "guardianships",
            self.guardianships,
            lambda row: (_email(row["guardianEmail"]), _email(row["studentEmail"])),
            "guardianEmail",
            "This guardianship",
        )
        unique(
            "teachingAssignments",
            self.assignments,
            lambda row: (row["schoolCode"], row["classExternalId"], _email(row["teacherEmail"])),
            "teacherEmail",
            "This teaching assignment",
        )
        for index, row in enumerate(self.guardianships):
            if _email(row["guardianEmail"]) == _email(row["studentEmail"]):
                self.error(
                    ("guardianships", index, "guardianEmail"), "A person cannot be their own guardian.", "invalid"
                )

    def _read_classes(self, codes):
        """Existing classes by (school code, external id), and by name for the classes of the request."""
        external_ids = (
            {row["externalId"] for row in self.classes}
            | {row["classExternalId"] for row in self.enrolments}
            | {row["classExternalId"] for row in self.assignments}
        )
        names = {row["name"] for row in self.classes}
        year_names = {row["schoolYear"] for row in self.classes}
        self.classes_by_key = {}
        self.classes_by_name = {}
        found = {}
        for ids in chunked(external_ids) if external_ids else [[]]:
            query = Q(external_id__in=ids)
            if names:
                query |= Q(name__in=names, school_year__name__in=year_names)
            for school_class in SchoolClass.objects.filter(query, school__code__in=codes).select_related(
                "school", "school_year"
            ):
                found[school_class.pk] = school_class
        for school_class in found.values():
            if school_class.external_id:
                self.classes_by_key[(school_class.school.code, school_class.external_id)] = school_class
            name_key = (school_class.school.code, school_class.school_year.name, school_class.name.casefold())
            self.classes_by_name[name_key] = school_class

    def _check_classes(self, known_codes, known_years):
        self.class_plan = []  # (row, existing class or None)
        for index, row in enumerate(self.classes):
            if row["schoolCode"] not in known_codes:
                self.error(
                    ("classes", index, "schoolCode"),
                    f"There is no school with the code '{row['schoolCode']}' (send it in 'schools').",
                    "unknown-school",
                )
                continue
            if row["schoolYear"] not in known_years:
                self.error(
                    ("classes", index, "schoolYear"),
                    f"There is no school year '{row['schoolYear']}' (send it in 'schoolYears').",
                    "unknown-school-year",
                )
                continue
            existing = self.classes_by_key.get((row["schoolCode"], row["externalId"]))
            by_name = self.classes_by_name.get((row["schoolCode"], row["schoolYear"], row["name"].casefold()))
            if by_name is not None and by_name is not existing:
                if existing is None and not by_name.external_id:
                    existing = by_name  # kept in the back office so far: from now on the application's
                else:
                    self.error(
                        ("classes", index, "name"),
                        f"The class '{by_name.name}' of this school and school year has another external id "
                        f"('{by_name.external_id}').",
                        "conflict",
                    )
                    continue
            self.class_plan.append((row, existing))

    def _check_class_references(self, section, rows):
        known = set(self.classes_by_key) | {(row["schoolCode"], row["externalId"]) for row in self.classes}
        for index, row in enumerate(rows):
            if (row["schoolCode"], row["classExternalId"]) not in known:
                self.error(
                    (section, index, "classExternalId"),
                    f"There is no class '{row['classExternalId']}' in the school '{row['schoolCode']}' "
                    "(send it in 'classes').",
                    "unknown-class",
                )

    def _read_persons(self):
        emails = (
            {_email(row["studentEmail"]) for row in self.enrolments}
            | {_email(row["guardianEmail"]) for row in self.guardianships}
            | {_email(row["studentEmail"]) for row in self.guardianships}
            | {_email(row["teacherEmail"]) for row in self.assignments}
        )
        users = get_user_model().objects.annotate(email_lower=Lower("email"))
        self.person_ids = {}
        for part in chunked(emails):
            self.person_ids.update(users.filter(email_lower__in=part).values_list("email_lower", "pk"))

    def person(self, section, index, row, key):
        """The person's id, or None after reporting the row as skipped."""
        person_id = self.person_ids.get(_email(row[key]))
        if person_id is None:
            self.skipped_rows.add((section, index))
            self.skipped.append(
                row_error(
                    (section, index, key),
                    f"No portal account has the e-mail '{row[key]}'; the row was skipped.",
                    "unknown-person",
                )
            )
        return person_id

    # --- writing --------------------------------------------------------------------------------------------

    def write(self):
        self._write_schools()
        self._write_years()
        self._write_classes()
        self._write_enrolments()
        self._write_guardianships()
        self._write_assignments()
        for section in ("enrolments", "guardianships", "teachingAssignments"):
            self.counts[section].skipped = sum(1 for name, _index in self.skipped_rows if name == section)

    def _write_schools(self):
        counts, new, changed = self.counts["schools"], [], []
        for row in self.schools:
            school = self.existing_schools.get(row["code"])
            if school is None:
                new.append(School(code=row["code"], name=row["name"]))
            elif school.name != row["name"]:
                school.name = row["name"]
                changed.append(school)
            else:
                counts.unchanged += 1
        School.objects.bulk_create(new)
        School.objects.bulk_update(changed, ["name"])
        counts.created, counts.updated = len(new), len(changed)
        if new:
            codes = [school.code for school in new]
            self.existing_schools.update({school.code: school for school in School.objects.filter(code__in=codes)})

    def _write_years(self):
        counts, new, changed = self.counts["schoolYears"], [], []
        for row in self.years:
            year = self.existing_years.get(row["name"])
            if year is None:
                new.append(SchoolYear(name=row["name"], starts_on=row["startsOn"], ends_on=row["endsOn"]))
            elif (year.starts_on, year.ends_on) != (row["startsOn"], row["endsOn"]):
                year.starts_on, year.ends_on = row["startsOn"], row["endsOn"]
                changed.append(year)
            else:
                counts.unchanged += 1
        SchoolYear.objects.bulk_create(new)
        SchoolYear.objects.bulk_update(changed, ["starts_on", "ends_on"])
        counts.created, counts.updated = len(new), len(changed)
        if new:
            names = [year.name for year in new]
            self.existing_years.update({year.name: year for year in SchoolYear.objects.filter(name__in=names)})

        terms = self.counts["terms"]
        names = [row["name"] for row in self.years if row.get("terms")]
        existing = {(term.school_year_id, term.name): term for term in Term.objects.filter(school_year__name__in=names)}
        new, changed = [], []
        for row in self.years:
            year = self.existing_years[row["name"]]
            for term_row in row.get("terms", []):
                dates = (term_row["startsOn"], term_row["endsOn"])
                term = existing.get((year.pk, term_row["name"]))
                if term is None:
                    new.append(Term(school_year=year, name=term_row["name"], starts_on=dates[0], ends_on=dates[1]))
                elif (term.starts_on, term.ends_on) != dates:
                    term.starts_on, term.ends_on = dates
                    changed.append(term)
                else:
                    terms.unchanged += 1
        Term.objects.bulk_create(new)
        Term.objects.bulk_update(changed, ["starts_on", "ends_on"])
        terms.created, terms.updated = len(new), len(changed)

    def _write_classes(self):
        counts, new, changed = self.counts["classes"], [], []
        for row, school_class in self.class_plan:
            values = {
                "school": self.existing_schools[row["schoolCode"]],
                "school_year": self.existing_years[row["schoolYear"]],
                "name": row["name"],
                "grade": row.get("grade"),
                "external_id": row["externalId"],
            }
            if school_class is None:
                new.append(SchoolClass(**values))
                continue
            current = (
                school_class.school_id,
                school_class.school_year_id,
                school_class.name,
                school_class.grade,
                school_class.external_id,
            )
            wanted = (values["school"].pk, values["school_year"].pk, row["name"], row.get("grade"), row["externalId"])
            if current == wanted:
                counts.unchanged += 1
            else:
                for name, value in values.items():
                    setattr(school_class, name, value)
                changed.append(school_class)
        SchoolClass.objects.bulk_create(new)
        SchoolClass.objects.bulk_update(changed, ["school_year", "name", "grade", "external_id"])
        counts.created, counts.updated = len(new), len(changed)
        # Every class the request names, by (school code, external id), with its id.
        self.class_ids = {}
        wanted = (
            {(row["schoolCode"], row["externalId"]) for row in self.classes}
            | {(row["schoolCode"], row["classExternalId"]) for row in self.enrolments}
            | {(row["schoolCode"], row["classExternalId"]) for row in self.assignments}
        )
        codes = {code for code, _external_id in wanted}
        for ids in chunked({external_id for _code, external_id in wanted}):
            rows = SchoolClass.objects.filter(school__code__in=codes, external_id__in=ids).values_list(
                "school__code", "external_id", "pk"
            )
            self.class_ids.update({(code, external_id): pk for code, external_id, pk in rows})

    def _write_enrolments(self):
        counts, new, changed = self.counts["enrolments"], [], []
        listed = {}  # (class id, student id) → row
        for index, row in enumerate(self.enrolments):
            student_id = self.person("enrolments", index, row, "studentEmail")
            if student_id is not None:
                listed[(self.class_ids[(row["schoolCode"], row["classExternalId"])], student_id)] = row
        class_ids = {class_id for class_id, _student in listed}
        replaced = set()
        if self.replace_enrolments:
            replaced = {self.class_ids[(row["schoolCode"], row["externalId"])] for row in self.classes}
        existing = {}
        for ids in chunked(class_ids | replaced):
            for enrolment in Enrolment.objects.filter(school_class_id__in=ids).only(
                "pk", "student_id", "school_class_id", "starts_on", "ends_on"
            ):
                existing[(enrolment.school_class_id, enrolment.student_id)] = enrolment
        for (class_id, student_id), row in listed.items():
            dates = (row.get("startsOn"), row.get("endsOn"))
            enrolment = existing.get((class_id, student_id))
            if enrolment is None:
                new.append(
                    Enrolment(school_class_id=class_id, student_id=student_id, starts_on=dates[0], ends_on=dates[1])
                )
            elif (enrolment.starts_on, enrolment.ends_on) != dates:
                enrolment.starts_on, enrolment.ends_on = dates
                changed.append(enrolment)
            else:
                counts.unchanged += 1
        ended = [
            enrolment.pk
            for key, enrolment in existing.items()
            if key[0] in replaced
            and key not in listed
            and (enrolment.ends_on is None or enrolment.ends_on > self.today)
        ]
        Enrolment.objects.bulk_create(new, batch_size=CHUNK)
        Enrolment.objects.bulk_update(changed, ["starts_on", "ends_on"], batch_size=CHUNK)
        for ids in chunked(ended):
            Enrolment.objects.filter(pk__in=ids).update(ends_on=self.today)
        counts.created, counts.updated = len(new), len(changed)
        counts.extra["ended"] = len(ended)

    def _write_guardianships(self):
        counts, new, changed = self.counts["guardianships"], [], []
        listed = {}
        for index, row in enumerate(self.guardianships):
            guardian_id = self.person("guardianships", index, row, "guardianEmail")
            student_id = self.person("guardianships", index, row, "studentEmail")
            if guardian_id is not None and student_id is not None:
                listed[(guardian_id, student_id)] = row
        existing = {}
        for ids in chunked({student_id for _guardian, student_id in listed}):
            for guardianship in Guardianship.objects.filter(student_id__in=ids).only(
                "pk", "guardian_id", "student_id", "has_custody", "information_only"
            ):
                existing[(guardianship.guardian_id, guardianship.student_id)] = guardianship
        for (guardian_id, student_id), row in listed.items():
            flags = (row.get("hasCustody", True), row.get("informationOnly", False))
            guardianship = existing.get((guardian_id, student_id))
            if guardianship is None:
                new.append(
                    Guardianship(
                        guardian_id=guardian_id, student_id=student_id, has_custody=flags[0], information_only=flags[1]
                    )
                )
            elif (guardianship.has_custody, guardianship.information_only) != flags:
                guardianship.has_custody, guardianship.information_only = flags
                changed.append(guardianship)
            else:
                counts.unchanged += 1
        Guardianship.objects.bulk_create(new, batch_size=CHUNK)
        Guardianship.objects.bulk_update(changed, ["has_custody", "information_only"], batch_size=CHUNK)
        counts.created, counts.updated = len(new), len(changed)

    def _write_assignments(self):
        counts, new, changed = self.counts["teachingAssignments"], [], []
        listed = {}
        for index, row in enumerate(self.assignments):
            teacher_id = self.person("teachingAssignments", index, row, "teacherEmail")
            if teacher_id is not None:
                listed[(self.class_ids[(row["schoolCode"], row["classExternalId"])], teacher_id)] = row
        existing = {}
        for ids in chunked({class_id for class_id, _teacher in listed}):
            for assignment in TeachingAssignment.objects.filter(school_class_id__in=ids).only(
                "pk", "teacher_id", "school_class_id", "is_class_teacher", "subjects"
            ):
                existing[(assignment.school_class_id, assignment.teacher_id)] = assignment
        for (class_id, teacher_id), row in listed.items():
            values = (row.get("isClassTeacher", False), _subjects(row.get("subjects", [])))
            assignment = existing.get((class_id, teacher_id))
            if assignment is None:
                new.append(
                    TeachingAssignment(
                        school_class_id=class_id, teacher_id=teacher_id, is_class_teacher=values[0], subjects=values[1]
                    )
                )
            elif (assignment.is_class_teacher, assignment.subjects) != values:
                assignment.is_class_teacher, assignment.subjects = values
                changed.append(assignment)
            else:
                counts.unchanged += 1
        TeachingAssignment.objects.bulk_create(new, batch_size=CHUNK)
        TeachingAssignment.objects.bulk_update(changed, ["is_class_teacher", "subjects"], batch_size=CHUNK)
        counts.created, counts.updated = len(new), len(changed)


def upsert(data, *, today=None):
    """Apply a validated batch; return {"<section>": counts, …, "skipped": [row reports]}.

    Raises SchoolRecordsInvalid (nothing written) when a row refers to something unknown or repeats a record.
    """
    batch = _Batch(data, today or timezone.localdate())
    with transaction.atomic():
        batch.check()
        if batch.errors:
            raise SchoolRecordsInvalid(batch.errors)
        batch.write()
    result = {name: counts.as_dict() for name, counts in batch.counts.items()}
    logger.info(
        "school records upserted: %s; %d row(s) skipped",
        ", ".join(f"{name} {counts.created}+/{counts.updated}~" for name, counts in batch.counts.items()),
        len(batch.skipped),
    )
    return {**result, "skipped": batch.skipped}

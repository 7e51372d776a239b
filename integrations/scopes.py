"""What a specialist application may read and write: record types and the services/destinations it serves.

Other apps add their record types here when they publish data through the interface (tax accounts,
meter readings, school records …); the admin offers exactly these as check boxes.

Only cases belong to services: their events reach an application that serves the case's service or
destination. Every other record type is scoped by the record type alone — an application that may read
"absences" receives every absence event, whatever service or destination the event names.
"""

from django.utils.translation import gettext_lazy as _

RECORD_TYPES = {
    "cases": _("Cases: submissions, status, milestones, messages, questions, answers and documents"),
    "tax_accounts": _("Tax accounts: balance, instalments, payments, documents and activation codes"),
    "school_records": _(
        "School records: schools, school years and terms, classes, enrolments, guardianships, teaching assignments"
    ),
    "absences": _("Absences and leave requests of students (events absence.reported, leave_request.submitted)"),
    "utility_records": _("Utility customers, contracts, meters and invoices; activation codes of customer accounts"),
    "meter_readings": _("Meter readings: bulk import, readings reported by customers (event meter_reading.reported)"),
}

#: Record types whose events are scoped by service / destination (in addition to the record type).
SERVICE_SCOPED_RECORD_TYPES = frozenset({"cases"})


def is_service_scoped(record_type):
    return record_type in SERVICE_SCOPED_RECORD_TYPES


def record_type_choices():
    return list(RECORD_TYPES.items())


def parse_destinations(text):
    """'betreibungsamt, bauamt' → ['bauamt', 'betreibungsamt'] (lower case, unique, sorted)."""
    parts = (part.strip().lower() for part in (text or "").replace("\n", ",").split(","))
    return sorted({part for part in parts if part})

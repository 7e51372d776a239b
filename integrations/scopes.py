"""What a specialist application may read and write: record types and the services/destinations it serves.

Other apps add their record types here when they publish data through the interface (tax accounts,
meter readings, school records …); the admin offers exactly these as check boxes.
"""

from django.utils.translation import gettext_lazy as _

RECORD_TYPES = {
    "cases": _("Cases: submissions, status, milestones, messages, questions, answers and documents"),
    "tax_accounts": _("Tax accounts: balance, instalments, payments, documents and activation codes"),
}


def record_type_choices():
    return list(RECORD_TYPES.items())


def parse_destinations(text):
    """'betreibungsamt, bauamt' → ['bauamt', 'betreibungsamt'] (lower case, unique, sorted)."""
    parts = (part.strip().lower() for part in (text or "").replace("\n", ",").split(","))
    return sorted({part for part in parts if part})

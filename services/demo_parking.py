"""Demo data of parking permits: the resident's permit close to expiry and the fields of the demo parking form.

The lead builds the parking ServicePage (service_kind "parking_permit") with the form engine from
`PARKING_FORM_FIELDS`; this module never creates pages.
"""

import datetime

from django.utils import timezone

from .models import ParkingPermit

DEMO_NUMBER = "PK-2026-0001"
DEMO_ZONE = "Blaue Zone Dorfkern"
ZONES = [DEMO_ZONE, "Blaue Zone Bahnhof", "Anwohnerzone Schulhausstrasse"]

# Type-specific keys of the field blocks (as in services/demo_content.TYPE_DEFAULTS), so the raw JSON is complete.
_TYPE_DEFAULTS = {
    "text": {"max_length": None},
    "choice": {"choices": "", "widget": "radio"},
}


def _field(block_type, label, name, *, required=True, help_text="", **options):
    return {
        "type": block_type,
        "value": {
            "label": label,
            "name": name,
            "help_text": help_text,
            "required": required,
            "prefill": "",
            "show_if": {"field": "", "operator": "equals", "value": ""},
            **_TYPE_DEFAULTS.get(block_type, {}),
            **options,
        },
    }


# Machine names agreed with services/parking.py: zone, kennzeichen, dauer, permit.
PARKING_FORM_FIELDS = [
    {"type": "heading", "value": {"text": "Parkkarte", "description": "Für Anwohnerinnen und Anwohner der Zonen."}},
    _field("choice", "Zone", "zone", widget="radio", choices="\n".join(ZONES)),
    _field(
        "text",
        "Kontrollschild(er)",
        "kennzeichen",
        help_text="Zum Beispiel «SG 123 456». Mehrere Kontrollschilder mit Komma trennen (höchstens zwei).",
        max_length=60,
    ),
    _field(
        "choice",
        "Gültigkeitsdauer in Monaten",
        "dauer",
        help_text="Die Parkkarte gilt ab heute oder, bei einer Verlängerung, ab dem Ende der bisherigen Karte.",
        widget="radio",
        choices="12\n6",
    ),
    _field(
        "text",
        "Nummer der bisherigen Parkkarte",
        "permit",
        required=False,
        help_text="Nur bei einer Verlängerung; wird ausgefüllt, wenn Sie im Benutzerkonto «Verlängern» wählen.",
        max_length=20,
    ),
]


def ensure_demo_parking(home_or_index_page, resident, today=None):
    """The resident's permit PK-2026-0001, valid for 20 more days (so a reminder and the renewal show).

    Idempotent: an existing permit with that number is left as it is. `home_or_index_page` is accepted for the
    lead's call signature; no page is created here.
    """
    today = today or timezone.localdate()
    permit, _created = ParkingPermit.objects.get_or_create(
        number=DEMO_NUMBER,
        defaults={
            "holder": resident,
            "zone": DEMO_ZONE,
            "plates": ["SG 123 456"],
            "valid_from": today - datetime.timedelta(days=365),
            "valid_until": today + datetime.timedelta(days=20),
        },
    )
    return permit

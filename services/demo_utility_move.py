"""Demo service of the utility: "Ein- oder Auszug melden (Strom, Wasser)", a form whose cases go to the Werke.

`utility_move_service_spec(field, heading)` returns one entry in the shape of services.demo_content.SERVICES; the
helpers are passed in so this module does not import demo_content. The page's destination DESTINATION routes every
submission to the utility's specialist application (integrations/demo_content.py serves that destination).
"""

import uuid

from account.models import AssuranceLevel

KEY = "werke_umzug"
SLUG = "ein-oder-auszug-strom-wasser"
DESTINATION = "werke"
MOVE_IN, MOVE_OUT = "Einzug", "Auszug"
# The handover date: after the fact the meter readings are still known for a while; ahead, a quarter suffices.
DAYS_BACK = 30
DAYS_AHEAD = 90
# Stable ids for the questions inside the group, so re-seeding finds the form unchanged.
GROUP_NAMESPACE = uuid.UUID("3c0f6a8e-52d1-4b7e-9f26-7d4a1e0b8c55")


def _meter_readings(field):
    questions = [
        field("choice", "Zähler", "medium", widget="select", choices="Strom\nWasser"),
        field("text", "Zählernummer", "zaehlernummer", required=False, max_length=40),
        field("number", "Zählerstand", "stand", min_value=0, max_value=99_999_999, decimal_places=1),
    ]
    for question in questions:
        question["id"] = str(uuid.uuid5(GROUP_NAMESPACE, question["value"]["name"]))
    return field(
        "group",
        "Zählerstände am Übergabetag",
        "zaehlerstaende",
        required=False,
        help_text="Falls Sie die Zähler schon abgelesen haben. Sonst liest das Werk sie ab oder schätzt sie.",
        questions=questions,
        entry_label="Zähler",
        min_entries=0,
        max_entries=4,
    )


def utility_move_service_spec(field, heading):
    fields = [
        heading("Anschluss", "Die Kundennummer steht auf jeder Rechnung der Werke Musterwil."),
        field(
            "text",
            "Kundennummer",
            "kundennummer",
            required=False,
            max_length=30,
            help_text="Falls vorhanden, z. B. 200100. Neue Kundinnen und Kunden lassen das Feld leer.",
        ),
        field("address", "Adresse der Liegenschaft (Bezugsort)", "bezugsadresse", prefill="address"),
        field("choice", "Ein- oder Auszug", "art", widget="radio", choices=f"{MOVE_IN}\n{MOVE_OUT}"),
        field(
            "date",
            "Datum der Wohnungsübergabe",
            "datum",
            days_back=DAYS_BACK,
            days_ahead=DAYS_AHEAD,
            help_text=f"Höchstens {DAYS_BACK} Tage zurück und {DAYS_AHEAD} Tage im Voraus.",
        ),
        field(
            "address",
            "Neue Adresse für die Schlussrechnung",
            "rechnungsadresse",
            show_if={"field": "art", "operator": "equals", "value": MOVE_OUT},
        ),
        _meter_readings(field),
        field("phone", "Telefon für Rückfragen", "telefon", prefill="phone", help_text="Tagsüber erreichbar."),
    ]
    return {
        KEY: {
            "form_title": "Ein- oder Auszug melden (Strom, Wasser)",
            "fields": fields,
            "submit_label": "Meldung senden",
            "page": {
                "slug": SLUG,
                "title": "Ein- oder Auszug melden (Strom, Wasser)",
                "intro": "Sie ziehen ein oder aus? Melden Sie es den Werken Musterwil, damit Strom und Wasser "
                "ab dem richtigen Tag auf Ihren Namen laufen.",
                "fee_rappen": 0,
                "processing_time": "2 Arbeitstage",
                "required_documents": "",
                "required_assurance_level": AssuranceLevel.EMAIL,
                "login_required": True,
                "organisations_only": False,
                "destination": DESTINATION,
            },
            "text": (
                "Melden Sie Ein- und Auszüge bitte mindestens fünf Arbeitstage im Voraus. Die Werke lesen die "
                "Zähler am Übergabetag ab oder übernehmen Ihre Zählerstände und stellen die Schlussrechnung an "
                "die neue Adresse.",
                "Beim Einzug eröffnen wir ein Kundenkonto; die Kundennummer und den Aktivierungscode für das "
                "Benutzerkonto erhalten Sie mit der ersten Rechnung.",
            ),
            "form_intro": "Den Stand Ihrer Meldung sehen Sie danach in Ihrem Benutzerkonto.",
            "confirmation": "Vielen Dank. Die Werke Musterwil bestätigen den Ein- oder Auszug in Ihrem Benutzerkonto.",
        }
    }

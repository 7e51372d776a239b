"""Demo services of eEinwohner: Zuzug, Wegzug and Umzug melden (moving notifications with household members).

`moving_service_specs(field, heading, step_break)` returns three entries in the shape of
services.demo_content.SERVICES; the helpers are passed in so this module does not import demo_content.
"""

import uuid

from account.models import AssuranceLevel

# Stable ids for the questions inside a group, so re-seeding finds the form unchanged.
GROUP_NAMESPACE = uuid.UUID("0b7e2f5c-3a61-4f0e-8d1f-5c2a9e7b4d30")
DESTINATION = "einwohnerkontrolle"
# The moving date: the law asks for the notification within 14 days after moving; we accept 90 days ahead.
DAYS_BACK = 14
DAYS_AHEAD = 90

RELATIONSHIPS = "Ehepartner/in oder eingetragene/r Partner/in\nLebenspartner/in\nKind\nAndere Person"
CIVIL_STATUS = "ledig\nverheiratet\nin eingetragener Partnerschaft\ngeschieden\nverwitwet"
CONFESSION = "evangelisch-reformiert\nrömisch-katholisch\nchristkatholisch\nandere oder keine"


def _group(field, form_key, label, name, questions, **options):
    block = field(
        "group",
        label,
        name,
        questions=[
            {**question, "id": str(uuid.uuid5(GROUP_NAMESPACE, f"{form_key}:{name}:{question['value']['name']}"))}
            for question in questions
        ],
        **options,
    )
    return block


def household(field, form_key, label, help_text):
    return _group(
        field,
        form_key,
        label,
        "haushalt",
        [
            field("text", "Vorname", "vorname", max_length=80),
            field("text", "Nachname", "nachname", max_length=80),
            field("date", "Geburtsdatum", "geburtsdatum"),
            field("choice", "Beziehung zu Ihnen", "beziehung", widget="select", choices=RELATIONSHIPS),
            field("ahv", "AHV-Nummer", "ahv", required=False),
        ],
        required=False,
        help_text=help_text,
        entry_label="Person",
        min_entries=0,
        max_entries=10,
    )


def moving_date(field, label):
    return field(
        "date",
        label,
        "umzugsdatum",
        days_back=DAYS_BACK,
        days_ahead=DAYS_AHEAD,
        help_text=f"Höchstens {DAYS_BACK} Tage zurück und {DAYS_AHEAD} Tage im Voraus.",
    )


def flat(field, heading):
    """Landlord and flat: what the Einwohnerkontrolle needs for the register of buildings and dwellings."""
    return [
        heading("Wohnung", "Die Wohnungsnummer (EWID) steht im Mietvertrag oder an der Wohnungstür."),
        field("text", "Wohnungsnummer (EWID) oder Lage", "wohnung", max_length=60, help_text="z. B. 3. OG links"),
        field("number", "Anzahl Zimmer", "zimmer", required=False, min_value=1, max_value=20, decimal_places=1),
        field("choice", "Wohnverhältnis", "wohnverhaeltnis", widget="radio", choices="Miete\nEigentum\nUntermiete"),
        field(
            "text",
            "Vermieter/in oder Verwaltung",
            "vermieter",
            max_length=200,
            show_if={"field": "wohnverhaeltnis", "operator": "not_equals", "value": "Eigentum"},
        ),
        field(
            "phone",
            "Telefon der Verwaltung",
            "vermieter_telefon",
            required=False,
            show_if={"field": "wohnverhaeltnis", "operator": "not_equals", "value": "Eigentum"},
        ),
    ]


def person(field, heading):
    return [
        heading("Ihre Angaben", "Die Angaben stammen aus Ihrem Benutzerkonto; bitte prüfen Sie sie."),
        field("text", "Vorname", "vorname", prefill="first_name", max_length=80),
        field("text", "Nachname", "nachname", prefill="last_name", max_length=80),
        field("date", "Geburtsdatum", "geburtsdatum", prefill="date_of_birth"),
        field("ahv", "AHV-Nummer", "ahv", prefill="ahv_number", required=False),
        field("phone", "Telefon", "telefon", prefill="phone", required=False),
    ]


def page(slug, title, intro, level, documents=""):
    return {
        "slug": slug,
        "title": title,
        "intro": intro,
        "fee_rappen": 0,
        "processing_time": "2 bis 3 Arbeitstage",
        "required_documents": documents,
        "required_assurance_level": level,
        "login_required": True,
        "organisations_only": False,
        "service_kind": "move",
        "destination": DESTINATION,
    }


def moving_service_specs(field, heading, step_break):
    move_in = [
        step_break("Person"),
        *person(field, heading),
        field("text", "Staatsangehörigkeit", "nationalitaet", max_length=80, help_text="z. B. Schweiz, Italien"),
        field("choice", "Zivilstand", "zivilstand", widget="select", choices=CIVIL_STATUS),
        field("choice", "Konfession", "konfession", widget="select", choices=CONFESSION),
        step_break("Zuzug"),
        moving_date(field, "Zuzugsdatum"),
        field("text", "Bisherige Gemeinde und Adresse", "bisherige_adresse", max_length=200),
        field("address", "Neue Adresse in Musterwil", "neue_adresse"),
        field("choice", "Art des Wohnsitzes", "wohnsitz", widget="radio", choices="Hauptwohnsitz\nWochenaufenthalt"),
        *flat(field, heading),
        step_break("Haushalt"),
        household(
            field,
            "zuzug",
            "Personen, die mit Ihnen zuziehen",
            "Alle Personen, die mit Ihnen in die neue Wohnung ziehen. Niemand zieht mit? Lassen Sie das Feld leer.",
        ),
        step_break("Unterlagen"),
        field(
            "file",
            "Mietvertrag oder Kaufvertrag",
            "mietvertrag",
            allowed_types=["pdf", "jpg", "png"],
            max_size_mb=10,
            help_text="Bei Untermiete: Bestätigung der Vermieterin oder des Vermieters.",
        ),
        field(
            "file",
            "Heimatschein oder Ausländerausweis",
            "ausweis",
            allowed_types=["pdf", "jpg", "png"],
            max_size_mb=10,
            multiple=True,
            max_files=10,
            help_text="Schweizerinnen und Schweizer: Heimatschein (Original per Post oder am Schalter). "
            "Ausländische Staatsangehörige: Ausländerausweis. Je eine Datei pro Person.",
        ),
        field(
            "file",
            "Nachweis der Krankenversicherung",
            "krankenversicherung",
            required=False,
            allowed_types=["pdf", "jpg", "png"],
            max_size_mb=10,
            multiple=True,
            max_files=10,
        ),
    ]
    move_out = [
        step_break("Person"),
        *person(field, heading),
        step_break("Wegzug"),
        moving_date(field, "Wegzugsdatum"),
        field(
            "text", "Neue Gemeinde", "neue_gemeinde", max_length=120, help_text="Bei Wegzug ins Ausland: Ort und Land"
        ),
        field("long_text", "Neue Adresse", "neue_adresse", max_length=500),
        household(
            field,
            "wegzug",
            "Personen, die mit Ihnen wegziehen",
            "Alle Personen Ihres Haushalts, die ebenfalls wegziehen.",
        ),
        field(
            "yes_no",
            "Haben Sie einen Hund?",
            "hund",
            help_text="Hunde werden bei der Gemeinde abgemeldet; die Hundesteuer wird anteilsmässig verrechnet.",
        ),
    ]
    move_within = [
        step_break("Person"),
        *person(field, heading),
        step_break("Umzug"),
        moving_date(field, "Umzugsdatum"),
        field("address", "Bisherige Adresse", "bisherige_adresse", prefill="address"),
        field("address", "Neue Adresse in Musterwil", "neue_adresse"),
        *flat(field, heading),
        household(
            field,
            "umzug",
            "Personen, die mit Ihnen umziehen",
            "Alle Personen Ihres Haushalts, die mit Ihnen in die neue Wohnung ziehen.",
        ),
        field(
            "file",
            "Mietvertrag oder Kaufvertrag",
            "mietvertrag",
            required=False,
            allowed_types=["pdf", "jpg", "png"],
            max_size_mb=10,
        ),
    ]
    documents_in = (
        "<ul><li>Mietvertrag, Kaufvertrag oder Bestätigung der Vermieterin</li>"
        "<li>Schweizer Bürgerinnen und Bürger: Heimatschein</li>"
        "<li>Ausländische Staatsangehörige: Ausländerausweis und Reisepass</li>"
        "<li>Nachweis der Krankenversicherung</li></ul>"
    )
    return {
        "zuzug": {
            "form_title": "Zuzug melden",
            "fields": move_in,
            "submit_label": "Zuzug melden",
            "page": page(
                "zuzug-melden",
                "Zuzug melden",
                "Herzlich willkommen in Musterwil! Melden Sie sich und Ihren Haushalt innert 14 Tagen an.",
                AssuranceLevel.EMAIL,
                documents_in,
            ),
            "text": (
                "Wer nach Musterwil zieht, meldet sich innert 14 Tagen bei der Einwohnerkontrolle an – online in "
                "wenigen Minuten, für den ganzen Haushalt.",
                "Den Heimatschein bringen Sie im Original am Schalter vorbei oder schicken ihn per Post; "
                "alle anderen Unterlagen laden Sie hier hoch. Die Anmeldung ist kostenlos.",
            ),
            "form_intro": "Sie können die Meldung bis zu 90 Tage vor dem Zuzug erfassen.",
            "confirmation": "Vielen Dank für Ihre Anmeldung. Die Einwohnerkontrolle prüft die Angaben und meldet sich "
            "im Benutzerkonto, falls noch etwas fehlt.",
        },
        "wegzug": {
            "form_title": "Wegzug melden",
            "fields": move_out,
            "submit_label": "Wegzug melden",
            "page": page(
                "wegzug-melden",
                "Wegzug melden",
                "Sie verlassen Musterwil? Melden Sie sich und Ihren Haushalt online ab.",
                AssuranceLevel.ADDRESS,
            ),
            "text": (
                "Melden Sie den Wegzug spätestens am Tag des Auszugs. Sie erhalten den Heimatschein per Post "
                "zurück bzw. an die neue Wohngemeinde geschickt.",
                "Weil nur Sie sich selbst abmelden dürfen, braucht es eine bestätigte Wohnadresse (Aktivierungsbrief).",
            ),
            "form_intro": "Die Abmeldung ist kostenlos.",
            "confirmation": "Vielen Dank. Die Abmeldebestätigung finden Sie nach der Prüfung im Benutzerkonto.",
        },
        "umzug": {
            "form_title": "Umzug innerhalb von Musterwil melden",
            "fields": move_within,
            "submit_label": "Umzug melden",
            "page": page(
                "umzug-melden",
                "Umzug innerhalb von Musterwil melden",
                "Neue Wohnung in Musterwil? Melden Sie die neue Adresse für Ihren ganzen Haushalt.",
                AssuranceLevel.ADDRESS,
            ),
            "text": (
                "Melden Sie den Umzug innert 14 Tagen. Die neue Adresse gilt danach für alle Dienststellen der "
                "Gemeinde, auch für Steuern und Abfallgebühren.",
            ),
            "form_intro": "Ihre bisherige Adresse ist aus dem Benutzerkonto übernommen.",
            "confirmation": "Vielen Dank. Wir tragen die neue Adresse ein und bestätigen den Umzug im Benutzerkonto.",
        },
    }

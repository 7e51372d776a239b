"""The online services of the demo municipality Musterwil: clerk group, forms, service pages and demo cases.

Idempotent: forms are found by title, pages by slug, demo cases by their answers; a second run updates what
exists and creates nothing twice. Cases are made only through services/cases.py, as a resident and a clerk
would make them, so their timelines, notifications and documents are what the real flow produces.
"""

import datetime
import json
import logging
import uuid

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation

from account.acting_context import ActingContext
from account.models import AssuranceLevel, Membership
from home.pdf import Letterhead, render_pdf, swiss_date

from . import cases, tasks
from .demo_activation import ensure_demo_activation
from .demo_building import ensure_demo_building
from .demo_certificates import certificate_service_spec, ensure_demo_certificate
from .demo_moving import moving_service_specs
from .demo_parking import PARKING_FORM_FIELDS, ensure_demo_parking
from .demo_payments import ensure_demo_payment_settings
from .demo_tax import ensure_demo_tax
from .demo_utility_move import utility_move_service_spec
from .form_builder import fields_snapshot
from .models import Case, CaseDocument, CaseStatus, Payment, ServiceForm, ServiceIndexPage, ServicePage

logger = logging.getLogger(__name__)

CLERK_GROUP = "Sachbearbeitung"
EDITOR_GROUP = "Editors"
INDEX_SLUG = "online-schalter"
CLERK_PERMISSIONS = [("wagtailadmin", "access_admin"), ("services", "view_case"), ("services", "change_case")]
# Snippet permissions of ServiceForm; publish/lock exist only once the snippet is registered, so missing ones are
# skipped rather than created by hand.
FORM_PERMISSIONS = ["add_serviceform", "change_serviceform", "view_serviceform", "publish_serviceform"]
# Stable StreamField block ids: drafts and cases point at the form block of their page by id.
ID_NAMESPACE = uuid.UUID("6f1c3c52-7d0e-4b43-9a55-2f1f0d6b9a10")


def _id(*parts):
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(parts)))


# --- groups and permissions ------------------------------------------------------------------------------


def _permissions(pairs):
    found = []
    for app_label, codename in pairs:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            logger.info("permission %s.%s does not exist (yet); not granted", app_label, codename)
            continue
        found.append(permission)
    return found


def ensure_groups(users):
    """The clerk group "Sachbearbeitung" (admin access, cases, forms) with the demo clerk; form rights for editors."""
    form_permissions = _permissions([("services", codename) for codename in FORM_PERMISSIONS])
    clerks, _ = Group.objects.get_or_create(name=CLERK_GROUP)
    clerks.permissions.add(*_permissions(CLERK_PERMISSIONS), *form_permissions)
    editors, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    editors.permissions.add(*form_permissions)
    if users.get("clerk") is not None:
        users["clerk"].groups.add(clerks)
    return clerks


# --- form definitions ------------------------------------------------------------------------------------

# Type-specific keys of each field block with their defaults (services/blocks.py), so the raw JSON is complete.
TYPE_DEFAULTS = {
    "text": {"max_length": None},
    "long_text": {"max_length": None},
    "number": {"min_value": None, "max_value": None, "decimal_places": 0},
    "date": {"min_date": None, "max_date": None, "not_in_past": False, "days_back": None, "days_ahead": None},
    "choice": {"choices": "", "widget": "radio"},
    "file": {"allowed_types": ["pdf"], "max_size_mb": 10, "multiple": False, "max_files": 5},
}


def field(block_type, label, name, *, required=True, help_text="", prefill="", show_if=None, **options):
    """One question as raw StreamField JSON with every key of its block."""
    value = {
        "label": label,
        "name": name,
        "help_text": help_text,
        "required": required,
        "prefill": prefill,
        "show_if": {"field": "", "operator": "equals", "value": "", **(show_if or {})},
        **TYPE_DEFAULTS.get(block_type, {}),
        **options,
    }
    return {"type": block_type, "value": value}


def step_break(title):
    return {"type": "step_break", "value": {"title": title}}


def heading(text, description=""):
    return {"type": "heading", "value": {"text": text, "description": description}}


def _with_ids(form_key, blocks):
    for index, block in enumerate(blocks):
        block["id"] = _id(form_key, block["value"].get("name") or f"{block['type']}-{index}")
    return blocks


CONTACT_FIELDS = [
    field("text", "Name", "name", prefill="full_name", max_length=120),
    field("email", "E-Mail-Adresse", "email", prefill="email", help_text="Dorthin senden wir unsere Antwort."),
    field(
        "choice",
        "Betreff",
        "betreff",
        widget="select",
        choices="\n".join(
            [
                "Allgemeine Anfrage",
                "Lob oder Kritik",
                "Schaden melden (Strasse, Beleuchtung, Spielplatz)",
                "Website und Benutzerkonto",
            ]
        ),
    ),
    field("long_text", "Ihre Nachricht", "nachricht", max_length=5000),
]

EVENT_FIELDS = [
    step_break("Veranstalterin oder Veranstalter"),
    field("text", "Name der Veranstalterin oder des Veranstalters", "veranstalter", prefill="full_name"),
    field("phone", "Telefon für Rückfragen", "telefon", prefill="phone", help_text="Am Veranstaltungstag erreichbar."),
    field("address", "Adresse", "adresse", prefill="address"),
    step_break("Veranstaltung"),
    field("text", "Titel der Veranstaltung", "titel", max_length=200),
    field("date", "Datum", "datum", not_in_past=True),
    field("text", "Ort", "ort", help_text="Platz, Gebäude oder Strasse in Musterwil", max_length=200),
    field(
        "number",
        "Erwartete Anzahl Besucherinnen und Besucher",
        "besucher",
        min_value=1,
        max_value=5000,
        decimal_places=0,
    ),
    field("yes_no", "Wird Alkohol ausgeschenkt?", "alkohol"),
    field(
        "text",
        "Bewilligungsnummer Gastwirtschaft",
        "bewilligungsnummer",
        help_text="Die Nummer Ihres Gastwirtschaftspatents oder Ihrer Einzelbewilligung.",
        show_if={"field": "alkohol", "operator": "equals", "value": "yes"},
        max_length=40,
    ),
    field(
        "file",
        "Sicherheitskonzept",
        "sicherheitskonzept",
        required=False,
        help_text="Ab 300 erwarteten Personen erforderlich. PDF, höchstens 5 MB pro Datei.",
        allowed_types=["pdf"],
        max_size_mb=5,
        multiple=True,
        max_files=3,
    ),
]

HALL_FIELDS = [
    heading("Verein", "Die Angaben stammen aus dem Profil Ihrer Organisation."),
    field("text", "Name des Vereins", "verein", prefill="organisation_name"),
    field("text", "UID-Nummer", "uid", required=False, prefill="organisation_uid", help_text="Falls vorhanden."),
    field("text", "Kontaktperson", "kontaktperson", prefill="full_name"),
    heading("Anlass"),
    field("text", "Art des Anlasses", "anlass", help_text="z. B. Turnerabend, Generalversammlung", max_length=200),
    field("date", "Datum", "datum", not_in_past=True),
    field("number", "Anzahl Personen", "personen", min_value=1, max_value=400, decimal_places=0),
    field(
        "choice",
        "Raum",
        "raum",
        widget="radio",
        choices="Grosser Saal (bis 400 Personen)\nKleiner Saal (bis 80 Personen)\nFoyer (bis 50 Personen)",
    ),
    field("long_text", "Bemerkungen", "bemerkungen", required=False, help_text="Bühne, Küche, Bestuhlung …"),
]

DEBT_EXTRACT_FIELDS = [
    heading("Angaben zur Person", "Der Auszug wird für die Person ausgestellt, die ihn bestellt."),
    field("text", "Name und Vorname", "name", prefill="full_name", max_length=120),
    field("date", "Geburtsdatum", "geburtsdatum", prefill="date_of_birth"),
    field("address", "Wohnadresse", "adresse", prefill="address"),
    heading("Bestellung"),
    field(
        "choice",
        "Verwendungszweck",
        "zweck",
        required=False,
        widget="select",
        choices="Wohnungsbewerbung\nStellenbewerbung\nAndere",
    ),
    field(
        "choice",
        "Zustellung",
        "zustellung",
        widget="radio",
        choices="Als PDF im Benutzerkonto\nPer Post an die Wohnadresse",
    ),
]

BUILDING_PERMIT_FIELDS = [
    step_break("Bauherrschaft"),
    field("text", "Bauherrschaft", "bauherrschaft", prefill="full_name", max_length=200),
    field("phone", "Telefon für Rückfragen", "telefon", prefill="phone"),
    field("address", "Adresse der Bauherrschaft", "adresse", prefill="address"),
    step_break("Bauvorhaben"),
    field("text", "Bauvorhaben", "vorhaben", help_text="z. B. Anbau Wintergarten, Wärmepumpe", max_length=200),
    field("text", "Parzelle Nr.", "parzelle", max_length=20),
    field("text", "Strasse und Hausnummer des Grundstücks", "standort", max_length=200),
    field("long_text", "Beschreibung", "beschreibung", max_length=5000),
    field("number", "Geschätzte Baukosten (CHF)", "baukosten", min_value=0, max_value=100_000_000, decimal_places=0),
    step_break("Pläne"),
    field(
        "file",
        "Situationsplan",
        "situationsplan",
        help_text="Amtlicher Situationsplan mit eingezeichnetem Vorhaben, PDF.",
        allowed_types=["pdf"],
        max_size_mb=10,
    ),
    field(
        "file",
        "Grundrisse, Schnitte und Fassaden",
        "plaene",
        help_text="PDF, höchstens 10 MB pro Datei.",
        allowed_types=["pdf"],
        max_size_mb=10,
        multiple=True,
        max_files=10,
    ),
]


def _paragraphs(*texts):
    return "".join(f"<p>{text}</p>" for text in texts)


SERVICES = {
    "kontakt": {
        "form_title": "Kontakt und Feedback",
        "fields": CONTACT_FIELDS,
        "submit_label": "Nachricht senden",
        "page": {
            "slug": "kontakt-und-feedback",
            "title": "Kontakt und Feedback",
            "intro": "Fragen, Anregungen, Lob oder Kritik: Schreiben Sie der Gemeindeverwaltung.",
            "fee_rappen": 0,
            "processing_time": "In der Regel innert 3 Arbeitstagen",
            "required_documents": "",
            "required_assurance_level": AssuranceLevel.NONE,
            "login_required": False,
            "organisations_only": False,
            "destination": "kanzlei",
        },
        "text": (
            "Die Gemeindekanzlei beantwortet Ihre Nachricht so rasch wie möglich. Mit einem Benutzerkonto sehen "
            "Sie den Stand Ihres Anliegens jederzeit online; ohne Konto antworten wir per E-Mail.",
        ),
        "form_intro": "Alle Felder sind Pflichtfelder.",
        "confirmation": "Vielen Dank für Ihre Nachricht. Wir melden uns in der Regel innert drei Arbeitstagen.",
    },
    "veranstaltung": {
        "form_title": "Veranstaltung melden",
        "fields": EVENT_FIELDS,
        "submit_label": "Veranstaltung melden",
        "page": {
            "slug": "veranstaltung-melden",
            "title": "Veranstaltung melden",
            "intro": "Öffentliche Anlässe in Musterwil brauchen eine Bewilligung. Melden Sie Ihren Anlass online.",
            "fee_rappen": 5000,
            "processing_time": "10 Arbeitstage",
            "required_documents": "<ul><li>Sicherheitskonzept (ab 300 erwarteten Personen)</li>"
            "<li>Gastwirtschaftsbewilligung, wenn Alkohol ausgeschenkt wird</li></ul>",
            "required_assurance_level": AssuranceLevel.EMAIL,
            "login_required": True,
            "organisations_only": False,
            "destination": "bewilligungen",
        },
        "text": (
            "Melden Sie Ihre Veranstaltung mindestens einen Monat im Voraus. Die Gemeinde holt die Stellungnahmen "
            "von Feuerwehr und Polizei ein und stellt Ihnen die Bewilligung in Ihr Benutzerkonto zu.",
            "Die Gebühr beträgt CHF 50.–; Sie erhalten die Rechnung mit der Bewilligung.",
        ),
        "form_intro": "Sie können das Formular jederzeit als Entwurf speichern und später fortfahren.",
        "confirmation": "Vielen Dank. Ihre Meldung ist eingegangen; den Stand sehen Sie in Ihrem Benutzerkonto.",
    },
    "gemeindesaal": {
        "form_title": "Vereinsanlass im Gemeindesaal reservieren",
        "fields": HALL_FIELDS,
        "submit_label": "Reservation anfragen",
        "page": {
            "slug": "gemeindesaal-reservieren",
            "title": "Vereinsanlass im Gemeindesaal reservieren",
            "intro": "Musterwiler Vereine reservieren den Gemeindesaal für ihre Anlässe online.",
            "fee_rappen": 0,
            "processing_time": "5 Arbeitstage",
            "required_documents": "",
            "required_assurance_level": AssuranceLevel.EMAIL,
            "login_required": True,
            "organisations_only": True,
            "destination": "liegenschaften",
        },
        "text": (
            "Für Vereine mit Sitz in Musterwil ist der Gemeindesaal einmal pro Jahr kostenlos. Melden Sie sich an "
            "und wählen Sie oben rechts Ihren Verein, um im Namen des Vereins zu reservieren.",
        ),
        "form_intro": "Die Reservation wird erst mit unserer Bestätigung verbindlich.",
        "confirmation": "Vielen Dank. Wir prüfen die Verfügbarkeit und bestätigen die Reservation im Benutzerkonto.",
    },
    "betreibungsauszug": {
        "form_title": "Betreibungsregisterauszug bestellen",
        "fields": DEBT_EXTRACT_FIELDS,
        "submit_label": "Auszug bestellen",
        "page": {
            "slug": "betreibungsregisterauszug",
            "title": "Betreibungsregisterauszug bestellen",
            "intro": "Der Auszug aus dem Betreibungsregister zeigt, ob gegen Sie Betreibungen laufen.",
            "fee_rappen": 1700,
            "processing_time": "1 bis 2 Arbeitstage",
            "required_documents": "",
            "required_assurance_level": AssuranceLevel.ADDRESS,
            "login_required": True,
            "organisations_only": False,
            "service_kind": "debt_extract",
            "destination": "betreibungsamt",
        },
        "text": (
            "Vermieterinnen und Arbeitgeber verlangen oft einen aktuellen Betreibungsregisterauszug. Sie können "
            "ihn nur für sich selbst bestellen; deshalb braucht es eine bestätigte Wohnadresse (Aktivierungsbrief).",
            "Die Gebühr beträgt CHF 17.–. Das Betreibungsamt stellt den Auszug nach Zahlungseingang aus.",
        ),
        "form_intro": "Die Angaben stammen aus Ihrem Benutzerkonto.",
        "confirmation": "Vielen Dank für Ihre Bestellung. Bitte bezahlen Sie die Gebühr; den Auszug finden Sie danach "
        "in Ihrem Benutzerkonto.",
    },
    "parkkarte": {
        "form_title": "Parkkarte bestellen oder verlängern",
        # One fee per page: the demo sells twelve months (the handler's default without a "dauer" answer).
        "fields": [block for block in PARKING_FORM_FIELDS if block["value"].get("name") != "dauer"],
        "submit_label": "Parkkarte bestellen",
        "page": {
            "slug": "parkkarte",
            "title": "Parkkarte bestellen oder verlängern",
            "intro": "Anwohnerinnen und Anwohner parkieren mit der Parkkarte zeitlich unbeschränkt in ihrer Zone.",
            "fee_rappen": 36000,
            "processing_time": "Sofort nach Zahlungseingang",
            "required_documents": "<ul><li>Fahrzeugausweis auf Ihren Namen oder Ihren Haushalt</li></ul>",
            "required_assurance_level": AssuranceLevel.EMAIL,
            "login_required": True,
            "organisations_only": False,
            "service_kind": "parking_permit",
            "destination": "parkkarten",
        },
        "text": (
            "Die Parkkarte kostet CHF 360.– und ist ab Zahlungseingang gültig; eine Verlängerung schliesst an die "
            "bisherige Gültigkeit an. Sie erhalten die Parkkarte als PDF in Ihrem Benutzerkonto.",
            "Vor dem Ablauf erinnern wir Sie 30 und 7 Tage im Voraus; im Benutzerkonto verlängern Sie mit einem Klick.",
        ),
        "form_intro": "Bei einer Verlängerung sind die Angaben Ihrer bisherigen Parkkarte schon ausgefüllt.",
        "confirmation": "Vielen Dank. Bitte bezahlen Sie die Gebühr; die Parkkarte steht danach in Ihrem "
        "Benutzerkonto bereit.",
    },
    "baugesuch": {
        "form_title": "Baugesuch einreichen",
        "fields": BUILDING_PERMIT_FIELDS,
        "submit_label": "Baugesuch einreichen",
        "page": {
            "slug": "baugesuch",
            "title": "Baugesuch einreichen",
            "intro": "Reichen Sie Ihr Baugesuch mit den Plänen online ein und verfolgen Sie das Verfahren.",
            "fee_rappen": 0,
            "processing_time": "In der Regel 6 bis 10 Wochen",
            "required_documents": "<ul><li>Situationsplan</li><li>Grundrisse, Schnitte und Fassaden</li></ul>",
            "required_assurance_level": AssuranceLevel.EMAIL,
            "login_required": True,
            "organisations_only": False,
            "service_kind": "building_permit",
            "destination": "bauamt",
        },
        "text": (
            "Das Bauamt prüft Ihr Gesuch (Vorprüfung), publiziert es im Amtsblatt und legt es während der "
            "Einsprachefrist öffentlich auf. Danach entscheidet der Gemeinderat.",
            "Jeden Schritt sehen Sie in Ihrem Benutzerkonto; den Entscheid erhalten Sie dort als PDF.",
        ),
        "form_intro": "Sie können das Gesuch als Entwurf speichern und später fortfahren.",
        "confirmation": "Vielen Dank. Ihr Baugesuch ist eingegangen; das Bauamt meldet sich nach der Vorprüfung.",
    },
}

SERVICES["bescheinigungen"] = certificate_service_spec(field, heading)
SERVICES.update(moving_service_specs(field, heading, step_break))
SERVICES.update(utility_move_service_spec(field, heading))


def _stream(model, field_name, raw):
    return model._meta.get_field(field_name).stream_block.to_python(raw)


def _as_json(stream_data):
    # Stored and fresh values differ in type (Decimal("1") vs "1") until both go through JSON.
    return json.loads(json.dumps(stream_data, cls=DjangoJSONEncoder))


def ensure_form(key, spec):
    """The published ServiceForm of a demo service; a new revision only when its definition changed."""
    stream_block = ServiceForm._meta.get_field("fields").stream_block
    # clean() applies the editor's rules (machine names, show-if on earlier fields, choices), as the admin would.
    value = stream_block.clean(stream_block.to_python(_with_ids(key, [dict(block) for block in spec["fields"]])))
    form = ServiceForm.objects.filter(title=spec["form_title"]).order_by("pk").first()
    if (
        form is not None
        and form.live
        and not form.has_unpublished_changes
        and form.submit_label == spec["submit_label"]
        and _as_json(form.fields.get_prep_value()) == _as_json(value.get_prep_value())
    ):
        return form, False
    created = form is None
    if created:
        form = ServiceForm(title=spec["form_title"], live=False)
    form.fields = value
    form.submit_label = spec["submit_label"]
    form.save()
    form.save_revision(log_action=False).publish(log_action=False)
    form.refresh_from_db()
    return form, created


def _publish_page(page, parent, fields):
    for name, value in fields.items():
        setattr(page, name, value)
    if page.pk is None:
        parent.add_child(instance=page)
    page.save_revision(log_action=False).publish(log_action=False)
    page.refresh_from_db()
    return page


def ensure_index(home_page):
    index = ServiceIndexPage.objects.child_of(home_page).filter(slug=INDEX_SLUG).first() or ServiceIndexPage(
        slug=INDEX_SLUG
    )
    return _publish_page(
        index,
        home_page,
        {
            "title": "Online-Schalter",
            "show_in_menus": True,
            "intro": "Erledigen Sie Ihre Anliegen an die Gemeinde online – rund um die Uhr.",
            "body": _stream(
                ServiceIndexPage,
                "body",
                [
                    {
                        "type": "paragraph",
                        "value": _paragraphs(
                            "Mit dem Benutzerkonto der Gemeinde verfolgen Sie jederzeit, wie weit Ihre Anliegen sind, "
                            "beantworten Rückfragen und erhalten Bewilligungen und Bescheinigungen direkt online."
                        ),
                        "id": _id("index", "paragraph"),
                    }
                ],
            ),
        },
    )


def form_block_id(key):
    return _id(key, "form-block")


def ensure_page(index, key, spec, form, clerk_group):
    meta = spec["page"]
    page = ServicePage.objects.child_of(index).filter(slug=meta["slug"]).first() or ServicePage(slug=meta["slug"])
    body = [
        {"type": "paragraph", "value": _paragraphs(*spec["text"]), "id": _id(key, "paragraph")},
        {
            "type": "form",
            "value": {
                "form": form.pk,
                "intro": _paragraphs(spec["form_intro"]),
                "confirmation": _paragraphs(spec["confirmation"]),
            },
            "id": form_block_id(key),
        },
    ]
    fields = {name: value for name, value in meta.items() if name != "slug"}
    fields.update(body=_stream(ServicePage, "body", body), clerk_group=clerk_group, show_in_menus=False)
    return _publish_page(page, index, fields)


# --- demo documents ---------------------------------------------------------------------------------------


def safety_concept_pdf(owner, event_title):
    """A small "Sicherheitskonzept" as a resident would upload it (with their own letterhead)."""
    letterhead = Letterhead(name=owner.get_full_name() or owner.email, address_lines=owner.address_lines)

    def story(document):
        return [
            document.heading(f"Sicherheitskonzept: {event_title}", level=1),
            document.details(
                [
                    ("Verantwortliche Person", owner.get_full_name()),
                    ("Sanitätsdienst", "Samariterverein Musterwil, 2 Personen"),
                    ("Verkehrsdienst", "Feuerwehr Musterwil, Parkplatz Schulhaus"),
                    ("Fluchtwege", "Zwei Ausgänge zur Dorfstrasse, freigehalten und beschildert"),
                ]
            ),
            document.paragraph("Das Konzept wurde mit dem Kommandanten der Feuerwehr besprochen."),
        ]

    return render_pdf("Sicherheitskonzept", story, letterhead=letterhead, language="de")


def decision_letter_pdf(case, *, conditions):
    """The administration's permit ("Bewilligung") for a reported event, built with the portal's PDF helper."""
    owner = case.owner_user
    data = case.data

    def story(document):
        return [
            document.paragraph("\n".join([owner.get_full_name(), *owner.address_lines])),
            document.spacer(8),
            document.heading("Bewilligung für eine öffentliche Veranstaltung", level=1),
            document.paragraph(
                f"Gestützt auf Ihre Meldung vom {swiss_date(case.submitted_at)} (Geschäft {case.reference}) "
                "bewilligt die Gemeinde Musterwil die folgende Veranstaltung:"
            ),
            document.details(
                [
                    ("Veranstaltung", data.get("titel", "")),
                    ("Datum", swiss_date(datetime.date.fromisoformat(data["datum"]))),
                    ("Ort", data.get("ort", "")),
                    ("Personen", str(data.get("besucher", ""))),
                    ("Alkoholausschank", "Ja" if data.get("alkohol") == "yes" else "Nein"),
                    ("Gebühr", "CHF 50.00"),
                ]
            ),
            document.heading("Auflagen"),
            *document.bullet_list(conditions),
            document.heading("Rechtsmittelbelehrung", level=3),
            document.paragraph(
                "Gegen diesen Entscheid kann innert 14 Tagen seit Zustellung beim Gemeinderat schriftlich und "
                "begründet Einsprache erhoben werden.",
                "small",
            ),
            document.spacer(6),
            document.paragraph("Freundliche Grüsse\nGemeindeverwaltung Musterwil, Bewilligungen"),
        ]

    return render_pdf("Bewilligung", story, reference=case.reference, subject=data.get("titel", ""), language="de")


# --- demo cases -------------------------------------------------------------------------------------------


class DemoCases:
    """Creates the demo cases of the resident and the association, each only if it does not exist yet."""

    def __init__(self, services, users, organisations):
        self.services = services
        self.users = users
        self.organisations = organisations
        self.clerk = users.get("clerk")
        self.today = timezone.localdate()

    def _exists(self, key, user, marker):
        page = self.services[key]["page"]
        lookups = {f"data__{name}": value for name, value in marker.items()}
        return Case.objects.filter(service_page=page, submitted_by=user, **lookups).exists()

    def _submit(self, key, user, data, *, membership=None, files=(), contact_email=""):
        service = self.services[key]
        form = service["form"]
        case = cases.submit(
            acting_context=ActingContext(user=user, membership=membership),
            service_page=service["page"],
            form=form,
            form_revision=form.live_revision,
            block_id=form_block_id(key),
            fields_snapshot=fields_snapshot(form),
            data=data,
            files=files,
            submission_token=uuid.uuid4(),
            contact_email=contact_email,
            title=service["page"].title,
        )
        # The receipt is queued on commit; making it now means the demo shows it without a running worker.
        tasks.create_receipt(case.pk)
        return case

    def _office(self, case, to, text=""):
        return cases.change_status(case, to, actor=self.clerk, text=text)

    def _event_data(self, resident, title, *, days, place, visitors, alcohol, files=()):
        data = {
            "veranstalter": resident.get_full_name(),
            "telefon": resident.phone or "+41 79 000 00 01",
            "adresse": {
                "street": resident.street,
                "house_number": resident.house_number,
                "postcode": resident.postcode,
                "town": resident.town,
            },
            "titel": title,
            "datum": (self.today + datetime.timedelta(days=days)).isoformat(),
            "ort": place,
            "besucher": visitors,
            "alkohol": "yes" if alcohol else "no",
        }
        if alcohol:
            data["bewilligungsnummer"] = "GW-2026-117"
        if files:
            data["sicherheitskonzept"] = list(files)
        return data

    def resident_cases(self):
        resident = self.users["resident"]
        made = {}
        specs = [
            ("submitted", "kontakt", {"betreff": "Schaden melden (Strasse, Beleuchtung, Spielplatz)"}),
            ("received", "veranstaltung", {"titel": "Quartierfest Dorfstrasse"}),
            ("in_progress", "veranstaltung", {"titel": "Flohmarkt auf dem Schulhausplatz"}),
            ("awaiting_applicant", "veranstaltung", {"titel": "Adventskonzert im Pfarreisaal"}),
            ("completed", "veranstaltung", {"titel": "Dorffest Musterwil"}),
            ("rejected", "veranstaltung", {"titel": "Openair auf der Seewiese"}),
            ("withdrawn", "veranstaltung", {"titel": "Velobörse beim Werkhof"}),
        ]
        for status, key, marker in specs:
            if self._exists(key, resident, marker):
                continue
            with transaction.atomic():
                made[status] = getattr(self, f"_{status}")(resident)
        if not self._exists("veranstaltung", resident, {"titel": "Herbstmarkt"}):
            made["draft"] = cases.save_draft(
                acting_context=ActingContext(user=resident),
                service_page=self.services["veranstaltung"]["page"],
                form=self.services["veranstaltung"]["form"],
                block_id=form_block_id("veranstaltung"),
                data={
                    "veranstalter": resident.get_full_name(),
                    "telefon": resident.phone,
                    "adresse": self._event_data(resident, "", days=0, place="", visitors=1, alcohol=False)["adresse"],
                    "titel": "Herbstmarkt",
                },
                step=1,
                submission_token=uuid.uuid4(),
                title=self.services["veranstaltung"]["page"].title,
            )
        return made

    def _submitted(self, resident):
        return self._submit(
            "kontakt",
            resident,
            {
                "name": resident.get_full_name(),
                "email": resident.email,
                "betreff": "Schaden melden (Strasse, Beleuchtung, Spielplatz)",
                "nachricht": "Die Strassenlampe vor dem Haus Dorfstrasse 14 flackert seit einer Woche "
                "und ist nachts oft ganz dunkel.",
            },
            contact_email=resident.email,
        )

    def _received(self, resident):
        data = self._event_data(
            resident, "Quartierfest Dorfstrasse", days=45, place="Dorfstrasse 10–20", visitors=120, alcohol=True
        )
        case = self._submit("veranstaltung", resident, data)
        return self._office(case, CaseStatus.RECEIVED)

    def _in_progress(self, resident):
        data = self._event_data(
            resident, "Flohmarkt auf dem Schulhausplatz", days=30, place="Schulhausplatz", visitors=200, alcohol=False
        )
        case = self._submit("veranstaltung", resident, data)
        self._office(case, CaseStatus.RECEIVED)
        cases.assign(case, self.clerk, actor=self.clerk)
        self._office(case, CaseStatus.IN_PROGRESS)
        cases.add_milestone(case, "Stellungnahme der Feuerwehr eingeholt", actor=self.clerk)
        case.refresh_from_db()
        return case

    def _awaiting_applicant(self, resident):
        data = self._event_data(
            resident, "Adventskonzert im Pfarreisaal", days=60, place="Pfarreisaal", visitors=350, alcohol=True
        )
        case = self._submit("veranstaltung", resident, data)
        self._office(case, CaseStatus.RECEIVED)
        cases.assign(case, self.clerk, actor=self.clerk)
        cases.ask_question(
            case,
            "Bei 350 erwarteten Personen brauchen wir ein Sicherheitskonzept. Bitte reichen Sie es bis zum "
            "angegebenen Datum nach.",
            author=self.clerk,
            due_date=self.today + datetime.timedelta(days=14),
            requested_documents="Sicherheitskonzept (PDF)",
        )
        case.refresh_from_db()
        return case

    def _completed(self, resident):
        concept_name = "Sicherheitskonzept-Dorffest.pdf"
        data = self._event_data(
            resident, "Dorffest Musterwil", days=21, place="Dorfplatz", visitors=800, alcohol=True,
            files=[concept_name],
        )  # fmt: skip
        concept = ContentFile(safety_concept_pdf(resident, "Dorffest Musterwil"), name=concept_name)
        case = self._submit("veranstaltung", resident, data, files=[("sicherheitskonzept", concept)])
        self._office(case, CaseStatus.RECEIVED)
        cases.assign(case, self.clerk, actor=self.clerk)
        question = cases.ask_question(
            case,
            "Wie viele Helferinnen und Helfer sind für den Verkehrsdienst vorgesehen?",
            author=self.clerk,
            due_date=self.today + datetime.timedelta(days=7),
        )
        cases.answer(question, "Sechs Mitglieder der Feuerwehr übernehmen den Verkehrsdienst.", user=resident)
        cases.add_milestone(case, "Stellungnahmen von Feuerwehr und Polizei liegen vor", actor=self.clerk)
        case.refresh_from_db()
        letter = decision_letter_pdf(
            case,
            conditions=[
                "Lärmende Aktivitäten enden um 24.00 Uhr.",
                "Die Zufahrt für Rettungsfahrzeuge bleibt jederzeit frei.",
                "Abfall wird getrennt und am Folgetag bis 12.00 Uhr entsorgt.",
            ],
        )
        cases.add_document(
            case,
            ContentFile(letter, name=f"Bewilligung-{case.reference}.pdf"),
            origin=CaseDocument.Origin.ADMINISTRATION,
            uploaded_by=self.clerk,
            title="Bewilligung Dorffest Musterwil",
        )
        for payment in Payment.objects.filter(case=case, status=Payment.Status.OPEN):
            cases.mark_paid(payment, actor=self.clerk)
        return self._office(case, CaseStatus.COMPLETED, "Die Bewilligung ist erteilt.")

    def _rejected(self, resident):
        data = self._event_data(
            resident, "Openair auf der Seewiese", days=90, place="Seewiese", visitors=2500, alcohol=False
        )
        case = self._submit("veranstaltung", resident, data)
        return self._office(
            case,
            CaseStatus.REJECTED,
            "Die Seewiese ist an diesem Wochenende bereits für das Seenachtfest reserviert. "
            "Bitte melden Sie einen anderen Termin.",
        )

    def _withdrawn(self, resident):
        data = self._event_data(
            resident, "Velobörse beim Werkhof", days=20, place="Werkhof", visitors=80, alcohol=False
        )
        case = self._submit("veranstaltung", resident, data)
        self._office(case, CaseStatus.RECEIVED)
        return cases.withdraw(case, resident)

    def association_cases(self):
        member = self.users.get("association")
        organisation = self.organisations.get("Turnverein Musterwil")
        if member is None or organisation is None:
            return {}
        marker = {"anlass": "Turnerabend"}
        if self._exists("gemeindesaal", member, marker):
            return {}
        membership = Membership.objects.select_related("organisation").get(user=member, organisation=organisation)
        with transaction.atomic():
            case = self._submit(
                "gemeindesaal",
                member,
                {
                    "verein": organisation.name,
                    "kontaktperson": member.get_full_name(),
                    "anlass": "Turnerabend",
                    "datum": (self.today + datetime.timedelta(days=75)).isoformat(),
                    "personen": 250,
                    "raum": "Grosser Saal (bis 400 Personen)",
                    "bemerkungen": "Mit Bühne und Küche; Aufbau ab Freitagabend.",
                },
                membership=membership,
            )
            case = self._office(case, CaseStatus.RECEIVED)
        return {"association": case}


def ensure_demo_services(home_page, users, organisations):
    """Create or update the online services of Musterwil and the demo cases; returns what exists/was created."""
    clerk_group = ensure_groups(users)
    index = ensure_index(home_page)
    services = {}
    created_forms = []
    for key, spec in SERVICES.items():
        form, created = ensure_form(key, spec)
        if created:
            created_forms.append(key)
        services[key] = {"form": form, "page": ensure_page(index, key, spec, form, clerk_group)}

    ensure_demo_payment_settings(home_page.get_site())
    ensure_demo_activation(users)
    language = getattr(users.get("resident"), "language", "") or "de"
    with translation.override(language):
        # Timeline texts and notifications are stored as text: write them in the residents' language.
        demo = DemoCases(services, users, organisations)
        created_cases = {**demo.resident_cases(), **demo.association_cases()}
        resident = users.get("resident")
        if resident is not None:
            ensure_demo_parking(index, resident)
            ensure_demo_tax(resident)
            ensure_demo_building(services["baugesuch"]["page"], resident, clerk=users.get("clerk"))
            certificate = ensure_demo_certificate(resident, service_page=services["bescheinigungen"]["page"])
            if certificate is not None and certificate.case_id:
                # The order went through submit(); its receipt is made like every demo case's.
                tasks.create_receipt(certificate.case_id)
    return {
        "clerk_group": clerk_group,
        "index": index,
        "forms": {key: service["form"] for key, service in services.items()},
        "pages": {key: service["page"] for key, service in services.items()},
        "created_forms": created_forms,
        "created_cases": created_cases,
    }

"""Demo data of the building permit: the procedure of the page "baugesuch" and the resident's application mid-way.

`ensure_demo_building(page, resident, clerk)` gives the page its four procedure steps and the demo resident a
building permit application (a conservatory) whose Vorprüfung and Publikation are done, whose Einsprachefrist
runs around today and whose Entscheid is still to come. Idempotent: the procedure gets a new revision only
when it differs, and the case is made once (found again by its project).
"""

import datetime
import json
import uuid

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from account.acting_context import ActingContext
from home.pdf import Letterhead, render_pdf

from . import cases, milestones, tasks
from .form_builder import fields_snapshot
from .models import Case, CaseStatus

PROJECT = "Anbau Wintergarten"
AUTHORITY = "Bauverwaltung Musterwil"
OBJECTION_DAYS = 14

PROCEDURE = [
    {
        "key": "vorpruefung",
        "title": "Vorprüfung",
        "description": "Die Bauverwaltung prüft, ob das Gesuch vollständig ist und die Pläne den Bauvorschriften "
        "entsprechen. Fehlt etwas, meldet sie sich bei Ihnen.",
        "is_period": False,
    },
    {
        "key": "publikation",
        "title": "Publikation",
        "description": "Das Bauvorhaben wird im Amtsblatt und an der Anschlagstelle der Gemeinde publiziert. Bis "
        "dahin muss das Baugespann stehen.",
        "is_period": False,
    },
    {
        "key": "einsprachefrist",
        "title": "Einsprachefrist",
        "description": "Während 14 Tagen liegen die Pläne bei der Bauverwaltung öffentlich auf. In dieser Zeit "
        "können Betroffene schriftlich Einsprache erheben.",
        "is_period": True,
    },
    {
        "key": "entscheid",
        "title": "Entscheid",
        "description": "Der Gemeinderat entscheidet über das Gesuch und allfällige Einsprachen. Den Entscheid "
        "erhalten Sie als PDF in Ihrem Benutzerkonto.",
        "is_period": False,
    },
]


def ensure_demo_building(page, resident, clerk=None, today=None):
    """The procedure of `page` and the resident's application on it; returns the case (None without a page)."""
    if page is None or resident is None:
        return None
    ensure_procedure(page)
    existing = Case.objects.filter(service_page=page, submitted_by=resident, data__vorhaben=PROJECT).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        return _application(page, resident, clerk, today or timezone.localdate())


def ensure_procedure(page):
    """Give the page the demo procedure, with a published revision so editors see it too; only if it differs."""
    wanted = [{"type": "step", "value": step} for step in PROCEDURE]
    current = [{"type": child["type"], "value": child["value"]} for child in page.procedure.raw_data]
    if json.loads(json.dumps(current, cls=DjangoJSONEncoder)) == wanted:
        return False
    page.procedure = [
        {**block, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"musterwil-demo/baugesuch/{block['value']['key']}"))}
        for block in wanted
    ]
    page.save_revision(log_action=False).publish(log_action=False)
    page.refresh_from_db()
    return True


def plan_pdf(resident, title, lines):
    """A plan as an architect would send it along (one page of text is enough for the demo)."""
    letterhead = Letterhead(name=resident.get_full_name() or resident.email, address_lines=resident.address_lines)

    def story(document):
        return [document.heading(f"{title}: {PROJECT}", level=1), *[document.paragraph(line) for line in lines]]

    return render_pdf(title, story, letterhead=letterhead, language="de")


def _application(page, resident, clerk, today):
    (block_id, block), *_others = page.form_blocks()
    form = block["form"]
    site = f"{resident.street} {resident.house_number}".strip() or "Dorfstrasse 5"
    situation = ("Situationsplan-Wintergarten.pdf", "Situationsplan")
    drawings = [("Grundriss-Wintergarten.pdf", "Grundriss"), ("Fassaden-Wintergarten.pdf", "Fassaden und Schnitt")]
    data = {
        "bauherrschaft": resident.get_full_name(),
        "telefon": resident.phone or "+41 79 000 00 01",
        "adresse": {
            "street": resident.street,
            "house_number": resident.house_number,
            "postcode": resident.postcode,
            "town": resident.town,
        },
        "vorhaben": PROJECT,
        "parzelle": "1234",
        "standort": site,
        "beschreibung": "Unbeheizter Wintergarten von 4 × 3 m an der Südfassade, Holz-Glas-Konstruktion auf der "
        "bestehenden Terrasse. Keine Änderung der Zufahrt.",
        "baukosten": 45000,
        "situationsplan": [situation[0]],
        "plaene": [name for name, _title in drawings],
    }
    lines = [f"Parzelle 1234, {site}", "Massstab 1:500", "Der Wintergarten ist rot eingezeichnet."]
    files = [("situationsplan", ContentFile(plan_pdf(resident, situation[1], lines), name=situation[0]))]
    for name, title in drawings:
        files.append(("plaene", ContentFile(plan_pdf(resident, title, ["Massstab 1:100"]), name=name)))
    case = cases.submit(
        acting_context=ActingContext(user=resident),
        service_page=page,
        form=form,
        form_revision=form.live_revision,
        block_id=block_id,
        fields_snapshot=fields_snapshot(form),
        data=data,
        files=files,
        submission_token=uuid.uuid4(),
        title=page.title,
    )
    # The receipt is queued on commit; making it now means the demo shows it without a running worker.
    tasks.create_receipt(case.pk)
    submitted = today - datetime.timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(submitted_at=_morning(submitted))
    _dated(case, submitted)
    cases.change_status(case, CaseStatus.RECEIVED, actor=clerk)
    cases.change_status(case, CaseStatus.IN_PROGRESS, actor=clerk)
    _dated(case, submitted + datetime.timedelta(days=1))

    published = today - datetime.timedelta(days=8)
    steps = [
        (
            "vorpruefung",
            {
                "status": milestones.Status.DONE,
                "starts_on": submitted + datetime.timedelta(days=1),
                "ends_on": published - datetime.timedelta(days=6),
                "text": "Das Gesuch ist vollständig. Bitte stellen Sie das Baugespann bis zur Publikation.",
            },
        ),
        (
            "publikation",
            {
                "status": milestones.Status.DONE,
                "starts_on": published,
                "ends_on": published,
                "text": "Publiziert im Amtsblatt Nr. 45 und an der Anschlagstelle beim Gemeindehaus.",
            },
        ),
        (
            "einsprachefrist",
            {
                "status": milestones.Status.ACTIVE,
                "starts_on": published,
                "ends_on": published + datetime.timedelta(days=OBJECTION_DAYS - 1),
                "text": "Die Pläne liegen bei der Bauverwaltung (Gemeindehaus, 1. Stock) öffentlich auf.",
            },
        ),
    ]
    # The Entscheid stays as planned: upcoming, nothing reported yet.
    for key, values in steps:
        milestones.record_step(case, key, actor=clerk, actor_label=AUTHORITY, **values)
        _dated(case, values["ends_on"] if values["status"] == milestones.Status.DONE else values["starts_on"])
    case.refresh_from_db()
    return case


def _morning(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def _dated(case, day):
    """Move the timeline entries made since the last call to `day`, as if the demo case had really taken a month.

    Entries already dated lie before `day`; only those made just now (today) are later.
    """
    moment = _morning(day)
    case.events.filter(created_at__gt=moment).update(created_at=moment)

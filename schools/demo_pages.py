"""The demo school web pages of Musterwil: the school index, "Schulhaus Dorf" with contact, team and a document, its
news and agenda for each audience, and the demo teacher as one of the school's web editors.

Idempotent: pages are found by slug (the school page by its school); a page that exists keeps its content and only
gets new dates (relative to today) when they moved, so running twice on the same day creates nothing new.
"""

import datetime
import io
import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from .audience import Audience
from .models import SchoolEventPage, SchoolIndexPage, SchoolNewsPage, SchoolPage
from .page_permissions import add_school_editor, school_collection

logger = logging.getLogger(__name__)

INDEX_SLUG = "schulen"
SCHOOL_SLUG = "schulhaus-dorf"
DOCUMENT_TITLE = "Ferienplan Schulhaus Dorf"


def _paragraphs(*texts):
    return [{"type": "paragraph", "value": "".join(f"<p>{text}</p>" for text in texts)}]


def _stream(model, field, raw):
    return model._meta.get_field(field).stream_block.to_python(raw)


def _publish(page):
    page.save_revision(log_action=False).publish(log_action=False)
    return page


def _ensure(parent, model, slug, fields, *, initial=None):
    """The page ``slug`` below ``parent``: created with ``fields`` and ``initial``, or updated where ``fields``
    changed (``initial`` only on creation, so an editor's text is kept)."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields, **(initial or {}))
        parent.add_child(instance=page)
        return _publish(page)
    changed = [name for name, value in fields.items() if getattr(page, name) != value]
    if changed:
        for name in changed:
            setattr(page, name, fields[name])
        _publish(page)
    return page


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _holiday_plan_pdf(school_name, school_year):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(DOCUMENT_TITLE)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 770, f"Ferienplan {school_name} {school_year}")
    pdf.setFont("Helvetica", 11)
    for line, text in enumerate(
        (
            "Herbstferien: 2 Wochen ab Anfang Oktober",
            "Weihnachtsferien: 2 Wochen ab Heiligabend",
            "Sportferien: 1 Woche im Februar",
            "Frühlingsferien: 2 Wochen ab Mitte April",
            "Sommerferien: 5 Wochen ab Mitte Juli",
        )
    ):
        pdf.drawString(72, 730 - line * 18, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _ensure_document(school, school_year):
    Document = get_document_model()
    collection = school_collection(school)
    document = Document.objects.filter(collection=collection, title=DOCUMENT_TITLE).first()
    if document is None:
        document = Document(title=DOCUMENT_TITLE, collection=collection)
        document.file.save("ferienplan-schulhaus-dorf.pdf", ContentFile(_holiday_plan_pdf(school.name, school_year)))
        document.save()
    return document


def ensure_demo_school_pages(home, records, users):
    """Create or refresh the demo school pages; returns {"index", "school_page", "news", "events", "editors"}."""
    school, school_class = records["school"], records["classes"]["5b"]
    teacher = users["teacher"]
    today = timezone.localdate()

    index = SchoolIndexPage.objects.child_of(home).first()
    if index is None:
        index = _ensure(
            home,
            SchoolIndexPage,
            INDEX_SLUG,
            {"title": "Schulen"},
            initial={
                "intro": "Die Schulhäuser von Musterwil: Kontakte, Neuigkeiten und Termine.",
                "show_in_menus": True,
            },
        )

    document = _ensure_document(school, records["school_year"].name)
    school_page = SchoolPage.objects.filter(school=school).first()
    if school_page is None:
        school_page = SchoolPage(
            title=school.name,
            slug=SCHOOL_SLUG,
            school=school,
            intro="Im Schulhaus Dorf lernen rund 180 Kinder vom Kindergarten bis zur 6. Klasse.",
            address="Schulhausstrasse 4\n9999 Musterwil",
            phone="+41 99 000 00 40",
            email="schulhaus-dorf@musterwil.example",
        )
        school_page.body = _stream(
            SchoolPage,
            "body",
            _paragraphs(
                "Das Schulhaus Dorf liegt mitten im Dorf, fünf Gehminuten vom Bahnhof. Zur Schule gehören eine "
                "Turnhalle, eine Bibliothek und der Mittagstisch.",
                "Eltern finden Wochenpläne, Elterngespräche, Noten, Absenzen, Kurse und den Mittagstisch in ihrem "
                "Benutzerkonto unter «Schule».",
            ),
        )
        school_page.team = _stream(
            SchoolPage,
            "team",
            [
                {"type": "member", "value": {"name": "Regula Brunner", "role": "Schulleitung", "email": ""}},
                {
                    "type": "member",
                    "value": {"name": teacher.get_full_name(), "role": "Klassenlehrer 5b", "email": teacher.email},
                },
                {"type": "member", "value": {"name": "Monika Keller", "role": "Schulsekretariat", "email": ""}},
            ],
        )
        school_page.documents = _stream(
            SchoolPage,
            "documents",
            [
                {
                    "type": "documents",
                    "value": {"title": "Downloads", "documents": [{"document": document.pk, "label": ""}]},
                }
            ],
        )
        index.add_child(instance=school_page)
        _publish(school_page)

    news = {
        "public": _ensure(
            school_page,
            SchoolNewsPage,
            "neues-schuljahr",
            {"title": "Das neue Schuljahr hat begonnen", "audience": Audience.PUBLIC, "audience_class": None},
            initial={
                "date": today - datetime.timedelta(days=3),
                "teaser": "Wir begrüssen 32 neue Kinder im Schulhaus Dorf.",
                "body": _stream(SchoolNewsPage, "body", _paragraphs("Wir wünschen allen einen guten Start.")),
            },
        ),
        "parents": _ensure(
            school_page,
            SchoolNewsPage,
            "elternabend",
            {"title": "Einladung zum Elternabend", "audience": Audience.SCHOOL, "audience_class": None},
            initial={
                "date": today - datetime.timedelta(days=1),
                "teaser": "Der Elternabend findet in drei Wochen in der Aula statt.",
                "body": _stream(
                    SchoolNewsPage, "body", _paragraphs("Die Schulleitung informiert über das neue Schuljahr.")
                ),
            },
        ),
        "class": _ensure(
            school_page,
            SchoolNewsPage,
            "klasse-5b-zoo",
            {
                "title": "Klasse 5b: Ausflug in den Zoo",
                "audience": Audience.SCHOOL_CLASS,
                "audience_class": school_class,
            },
            initial={
                "date": today,
                "teaser": "Bitte Znüni und Regenschutz mitgeben.",
                "body": _stream(SchoolNewsPage, "body", _paragraphs("Wir treffen uns um 8 Uhr beim Bahnhof.")),
            },
        ),
    }

    sports_day, training_day, museum_day = (today + datetime.timedelta(days=days) for days in (14, 21, 10))
    events = {
        "public": _ensure(
            school_page,
            SchoolEventPage,
            "sporttag",
            {
                "title": "Sporttag",
                "audience": Audience.PUBLIC,
                "audience_class": None,
                "start": _at(sports_day, 8, 30),
                "end": _at(sports_day, 16),
                "all_day": False,
                "location": "Sportplatz Dorf",
            },
            initial={"teaser": "Alle Klassen messen sich in Staffeln und Spielen. Zuschauer sind willkommen."},
        ),
        "all_day": _ensure(
            school_page,
            SchoolEventPage,
            "weiterbildungstag",
            {
                "title": "Schulfrei: Weiterbildung der Lehrpersonen",
                "audience": Audience.PUBLIC,
                "audience_class": None,
                "start": _at(training_day, 0),
                "end": _at(training_day, 0),
                "all_day": True,
                "location": "",
            },
            initial={"teaser": "An diesem Tag findet kein Unterricht statt."},
        ),
        "class": _ensure(
            school_page,
            SchoolEventPage,
            "klasse-5b-naturmuseum",
            {
                "title": "Klasse 5b: Besuch im Naturmuseum",
                "audience": Audience.SCHOOL_CLASS,
                "audience_class": school_class,
                "start": _at(museum_day, 9),
                "end": _at(museum_day, 12),
                "all_day": False,
                "location": "Naturmuseum",
            },
            initial={"teaser": "Mit dem Zug ins Naturmuseum, zurück zum Mittagessen."},
        ),
    }

    editors = add_school_editor(school_page, teacher)
    logger.info("Demo school pages ready below %s", index.url_path)
    return {"index": index, "school_page": school_page, "news": news, "events": events, "editors": editors}

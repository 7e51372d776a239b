"""Fixtures of the services tests: published service forms, service pages under the demo site, a resident."""

import datetime
import itertools

import pytest
from bs4 import BeautifulSoup

from account.models import AssuranceLevel
from home.demo_content import ensure_demo_site
from services.models import ServiceForm, ServiceIndexPage, ServicePage
from tests.factories import UserFactory

_slugs = itertools.count(1)


def field(block_type, label, name, **value):
    """Raw StreamField JSON of one form field block."""
    value.setdefault("required", True)
    return {"type": block_type, "value": {"label": label, "name": name, **value}}


def step_break(title):
    return {"type": "step_break", "value": {"title": title}}


def heading(text, description=""):
    return {"type": "heading", "value": {"text": text, "description": description}}


def show_if(field_name, operator="equals", value=""):
    return {"field": field_name, "operator": operator, "value": value}


# A two-step form with a heading, a show-if rule, prefills, an address and an optional PDF upload.
EVENT_FIELDS = [
    heading("Angaben zur Veranstaltung", "Was, wann und für wen."),
    field("text", "Name der Veranstaltung", "event_name", max_length=100),
    field("date", "Datum", "event_date", not_in_past=True),
    field("yes_no", "Öffentlich zugänglich?", "public"),
    field(
        "number",
        "Erwartete Besucherzahl",
        "visitors",
        min_value=1,
        max_value=10000,
        show_if=show_if("public", value="yes"),
    ),
    step_break("Kontakt und Unterlagen"),
    field("text", "Veranstalter/in", "organiser", prefill="full_name"),
    field("email", "E-Mail", "email", prefill="email"),
    field("address", "Adresse", "address", prefill="address"),
    field(
        "file",
        "Situationsplan",
        "plan",
        required=False,
        allowed_types=["pdf", "png"],
        max_size_mb=1,
        multiple=True,
        max_files=2,
    ),
    field("long_text", "Bemerkungen", "remarks", required=False),
]


def make_form_for(fields, title="Veranstaltung melden", submit_label=""):
    """A ServiceForm with these raw fields, saved and published (so it has a live revision)."""
    form = ServiceForm(title=title, fields=fields, submit_label=submit_label)
    form.save()
    form.save_revision().publish()
    form.refresh_from_db()
    return form


@pytest.fixture
def make_service_form(db):
    return make_form_for


@pytest.fixture
def service_form(db):
    return make_form_for(EVENT_FIELDS)


@pytest.fixture
def home_page(db):
    return ensure_demo_site()


@pytest.fixture
def service_index(home_page):
    index = ServiceIndexPage.objects.child_of(home_page).first()
    if index is None:
        index = ServiceIndexPage(title="Online-Schalter", slug="online-schalter", intro="Alle Dienstleistungen online.")
        home_page.add_child(instance=index)
        index.save_revision().publish()
    return index


def form_block(form, intro="", confirmation="<p>Wir melden uns innert fünf Arbeitstagen.</p>"):
    return {"type": "form", "value": {"form": form.pk, "intro": intro, "confirmation": confirmation}}


@pytest.fixture
def make_service_page(service_index, service_form):
    """make_service_page(form=…, forms=[…], **page fields) → a published ServicePage with the form block(s)."""

    def make(form=None, forms=None, body=None, title=None, **fields):
        number = next(_slugs)
        forms = forms or [form or service_form]
        page = ServicePage(
            title=title or f"Veranstaltung melden {number}",
            slug=f"dienstleistung-{number}",
            intro="Melden Sie eine Veranstaltung auf öffentlichem Grund.",
            body=body if body is not None else [form_block(item) for item in forms],
            **{"fee_rappen": 2500, "processing_time": "5 Arbeitstage", "login_required": True, **fields},
        )
        service_index.add_child(instance=page)
        page.save_revision().publish()
        # Fresh from the database, so the form blocks have their stored ids.
        return ServicePage.objects.get(pk=page.pk)

    return make


@pytest.fixture
def service_page(make_service_page):
    return make_service_page()


@pytest.fixture
def resident(db):
    return UserFactory(
        first_name="Anna",
        last_name="Muster",
        email="anna.muster@example.org",
        phone="+41 44 123 45 67",
        date_of_birth=datetime.date(1985, 4, 12),
        street="Dorfstrasse",
        house_number="5a",
        postcode="9999",
        town="Musterwil",
        assurance_level=AssuranceLevel.EMAIL,
    )


@pytest.fixture
def soup():
    def parse(response_or_html):
        html = response_or_html.content.decode() if hasattr(response_or_html, "content") else str(response_or_html)
        return BeautifulSoup(html, "html.parser")

    return parse

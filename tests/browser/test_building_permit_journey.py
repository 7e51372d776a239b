"""The building permit end to end: a resident submits a Baugesuch with PDF plans in the browser; the building
authority's application reports the procedure steps through the API with the reference client's command line
(against the live server, with a token scoped to that service); the resident follows the progress on the case
page and downloads the decision."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from account.models import AssuranceLevel
from home.demo_content import ensure_demo_site
from integrations.client import PortalClient
from integrations.client.__main__ import main as client_cli
from integrations.client.pdf import simple_pdf
from integrations.models import SpecialistApplication
from services.demo_building import PROCEDURE
from services.demo_content import SERVICES
from services.models import Case, CaseDocument, CaseStatus, ServiceIndexPage, ServiceKind, ServicePage
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.services.conftest import form_block, make_form_for

pytestmark = pytest.mark.django_db(transaction=True)

PLAN = simple_pdf(["Situationsplan", "Parzelle 1234, Massstab 1:500"])


@pytest.fixture
def building_page(site_url):
    spec = SERVICES["baugesuch"]
    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-bau"))
    form = make_form_for(spec["fields"], title=spec["form_title"], submit_label=spec["submit_label"])
    page = ServicePage(
        title="Baugesuch einreichen",
        slug="baugesuch",
        body=[form_block(form)],
        service_kind=ServiceKind.BUILDING_PERMIT,
        destination="bauamt",
        fee_rappen=0,
        login_required=True,
        procedure=[{"type": "step", "value": step} for step in PROCEDURE],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return ServicePage.objects.get(pk=page.pk)


@pytest.fixture
def token(building_page):
    """The building authority's application: reads and writes the cases of the building permit service only."""
    application = SpecialistApplication.objects.create(
        name="Bauverwaltung Musterwil (Test)",
        slug="bauverwaltung-test",
        vendor="Muster Software AG",
        read_types=["cases"],
        write_types=["cases"],
    )
    application.services.set([building_page])
    return application.issue_token(name="browser test")[1]


def cli(site_url, token, *arguments):
    """`python -m integrations.client --portal … --token … <arguments>`, run in this process."""
    assert client_cli(["--portal", site_url, "--token", token, *arguments]) == 0


def swiss(day):
    return day.strftime("%d.%m.%Y")


def test_resident_follows_the_building_permit_steps_posted_by_the_reference_client(
    page, site_url, building_page, token, tmp_path, capsys
):
    resident = UserFactory(
        email="bauherrin@example.org",
        first_name="Berta",
        last_name="Bauherrin",
        phone="+41 71 555 12 34",
        street="Seeweg",
        house_number="7",
        postcode="9999",
        town="Musterwil",
        language="en",
        assurance_level=AssuranceLevel.EMAIL,
    )
    situation = tmp_path / "Situationsplan.pdf"
    situation.write_bytes(PLAN)
    drawings = [tmp_path / "Grundriss.pdf", tmp_path / "Fassaden.pdf"]
    for drawing in drawings:
        drawing.write_bytes(simple_pdf([drawing.stem, "Massstab 1:100"]))

    # 1. The resident submits the building permit form over three steps, with the plans as PDF.
    log_in(page, site_url, resident.email, PASSWORD)
    page.goto(f"{site_url}/en{building_page.url}")
    form = page.locator(f"#form-{building_page.form_blocks()[0][0]} form")
    expect(form.locator("[name=bauherrschaft]")).to_have_value("Berta Bauherrin")
    form.locator("button[name=action][value=next]").click()
    page.fill("[name=vorhaben]", "Anbau Wintergarten")
    page.fill("[name=parzelle]", "1234")
    page.fill("[name=standort]", "Seeweg 7")
    page.fill("[name=beschreibung]", "Unbeheizter Wintergarten an der Südfassade.")
    page.fill("[name=baukosten]", "45000")
    page.locator("button[name=action][value=next]").click()
    page.set_input_files("input[type=file][name=situationsplan]", str(situation))
    page.set_input_files("input[type=file][name=plaene]", [str(drawing) for drawing in drawings])
    page.locator("button[name=action][value=review]").first.click()
    expect(page.locator("main")).to_contain_text("Situationsplan.pdf")
    page.locator("button[name=action][value=submit]").click()
    case = Case.objects.get(submitted_by=resident, status=CaseStatus.SUBMITTED)
    expect(page.locator("main")).to_contain_text(case.reference)
    assert case.documents.filter(origin=CaseDocument.Origin.APPLICANT).count() == 3

    # Before anything is reported the resident sees the plan: every step upcoming, the first one current.
    page.goto(f"{site_url}/en/account/cases/{case.reference}/")
    steps = page.locator("#progress ol > li")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_have_attribute("aria-current", "step")
    expect(steps.nth(3)).to_contain_text("Upcoming")

    # 2. The building authority's application reads the case and its plans, then reports the steps.
    client = PortalClient(site_url, token)
    submission = client.case(case.reference)["case"]
    assert sorted(item["filename"] for item in submission["attachments"])[-1] == "Situationsplan.pdf"
    client.acknowledge(case.reference, "received")
    client.set_status(case.reference, "in_progress")
    today = timezone.localdate()
    published = today - datetime.timedelta(days=3)
    until = published + datetime.timedelta(days=13)
    cli(site_url, token, "milestone", case.reference, "vorpruefung", "--status", "done", "--text", "Vollständig.")
    cli(
        site_url,
        token,
        "milestone",
        case.reference,
        "publikation",
        "--status",
        "done",
        "--from",
        published.isoformat(),
        "--until",
        published.isoformat(),
        "--text",
        "Amtsblatt Nr. 45",
    )
    cli(
        site_url,
        token,
        "milestone",
        case.reference,
        "einsprachefrist",
        "--status",
        "active",
        "--from",
        published.isoformat(),
        "--until",
        until.isoformat(),
    )
    assert f"step “Einsprachefrist” → active ({swiss(published)}–{swiss(until)})" in capsys.readouterr().out

    # The resident reloads: two steps completed, the period for objections is where the case stands.
    page.reload()
    expect(steps.nth(0)).to_contain_text("Completed")
    expect(steps.nth(0)).to_contain_text("Vollständig.")
    expect(steps.nth(1)).to_contain_text(f"Date: {swiss(published)}")
    expect(steps.nth(2)).to_have_attribute("aria-current", "step")
    expect(steps.nth(2)).to_contain_text("In progress")
    expect(steps.nth(2)).to_contain_text(f"Period: {swiss(published)}–{swiss(until)}")

    # 3. The decision: the command line uploads the PDF through the documents endpoint and links it to the step.
    decision = tmp_path / "Bauentscheid.pdf"
    decision.write_bytes(simple_pdf(["Bauentscheid", f"Geschäft {case.reference}", "Die Baubewilligung wird erteilt."]))
    arguments = ["milestone", case.reference, "entscheid", "--status", "done", "--text", "Bewilligt."]
    arguments += ["--document-file", str(decision), "--document-title", "Bauentscheid"]
    cli(site_url, token, *arguments)
    # Sent again (a retry after an error), the same file is neither uploaded nor reported twice.
    cli(site_url, token, *arguments)
    assert case.documents.filter(filename="Bauentscheid.pdf").count() == 1
    assert case.events.filter(kind="milestone", text__startswith="Entscheid").count() == 1
    progress = {step["key"]: step for step in client.milestones(case.reference)}
    assert [progress[key]["status"] for key in ("vorpruefung", "publikation", "einsprachefrist", "entscheid")] == [
        "done",
        "done",
        "active",
        "done",
    ]
    assert progress["entscheid"]["document"]["title"] == "Bauentscheid"

    # 4. The resident sees every step with its state and dates, and downloads the decision.
    page.reload()
    expect(steps.nth(3)).to_contain_text("Completed")
    expect(steps.nth(3)).to_contain_text("Bewilligt.")
    expect(steps.nth(2)).to_contain_text(f"Period: {swiss(published)}–{swiss(until)}")
    expect(page.locator("#progress [aria-current=step]")).to_have_count(1)
    expect(page.locator(".timeline")).to_contain_text("Entscheid")
    with page.expect_download() as download:
        steps.nth(3).get_by_role("link", name="Bauentscheid").click()
    assert download.value.suggested_filename == "Bauentscheid.pdf"
    with open(download.value.path(), "rb") as file:
        assert file.read() == decision.read_bytes()

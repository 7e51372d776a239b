"""Issue 5: a new resident files a move-in (Zuzug) for a household of three: themself and two members."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from account.models import AssuranceLevel
from home.demo_content import ensure_demo_site
from services.demo_content import field, heading, step_break
from services.demo_moving import moving_service_specs
from services.models import Case, CaseDocument, CaseStatus, ServiceIndexPage, ServiceKind, ServicePage
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.services.conftest import form_block, make_form_for

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def move_in_page(site_url):
    spec = moving_service_specs(field, heading, step_break)["zuzug"]
    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-einwohner"))
    form = make_form_for(spec["fields"], title=spec["form_title"], submit_label=spec["submit_label"])
    page = ServicePage(
        title=spec["page"]["title"],
        slug="zuzug",
        body=[form_block(form)],
        service_kind=ServiceKind.MOVE,
        required_assurance_level=spec["page"]["required_assurance_level"],
        login_required=True,
        destination="einwohnerkontrolle",
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return ServicePage.objects.get(pk=page.pk)


def test_move_in_with_two_household_members(page, site_url, move_in_page, tmp_path):
    resident = UserFactory(
        email="neu.zuzug@example.org",
        first_name="Nina",
        last_name="Neuzuzug",
        date_of_birth=datetime.date(1988, 6, 14),
        language="en",
        assurance_level=AssuranceLevel.EMAIL,  # signed up and confirmed the e-mail address
    )
    today = timezone.localdate()
    contract = tmp_path / "mietvertrag.pdf"
    contract.write_bytes(PDF)
    passports = [tmp_path / "heimatschein-nina.pdf", tmp_path / "heimatschein-luca.pdf"]
    for passport in passports:
        passport.write_bytes(PDF)

    log_in(page, site_url, resident.email, PASSWORD)
    page.goto(f"{site_url}/en{move_in_page.url}")
    form = page.locator(f"#form-{move_in_page.form_blocks()[0][0]} form")

    # Step 1: the person, prefilled from the account.
    expect(form.locator("[name=vorname]")).to_have_value("Nina")
    form.locator("[name=nationalitaet]").fill("Schweiz")
    form.locator("[name=zivilstand]").select_option("verheiratet")
    form.locator("[name=konfession]").select_option("andere oder keine")
    form.locator(".button-row button[value=next]").click()

    # Step 2: a moving date three weeks back is refused with the earliest allowed date; nothing typed is lost.
    too_early = today - datetime.timedelta(days=21)
    form.locator("[name=umzugsdatum]").fill(too_early.isoformat())
    form.locator("[name=bisherige_adresse]").fill("Seestrasse 4, 8000 Zürich")
    form.locator("[name=neue_adresse_street]").fill("Dorfstrasse")
    form.locator("[name=neue_adresse_house_number]").fill("12")
    form.locator("[name=neue_adresse_postcode]").fill("9999")
    form.locator("[name=neue_adresse_town]").fill("Musterwil")
    form.locator("input[name=wohnsitz][value=Hauptwohnsitz]").check()
    form.locator("[name=wohnung]").fill("2. OG rechts")
    form.locator("input[name=wohnverhaeltnis][value=Miete]").check()
    form.locator("[name=vermieter]").fill("Immo Musterwil AG")
    form.locator(".button-row button[value=next]").click()
    earliest = (today - datetime.timedelta(days=14)).strftime("%d.%m.%Y")
    expect(page.locator(".error-summary")).to_contain_text(earliest)
    expect(form.locator("[name=vermieter]")).to_have_value("Immo Musterwil AG")
    form.locator("[name=umzugsdatum]").fill((today - datetime.timedelta(days=3)).isoformat())
    form.locator(".button-row button[value=next]").click()

    # Step 3: two household members; the second entry is added without losing the first.
    form.locator("[name=haushalt__0__vorname]").fill("Luca")
    form.locator("[name=haushalt__0__nachname]").fill("Neuzuzug")
    form.locator("[name=haushalt__0__geburtsdatum]").fill("1986-02-03")
    form.locator("[name=haushalt__0__beziehung]").select_option("Ehepartner/in oder eingetragene/r Partner/in")
    form.locator("button[name=action][value='add_entry:haushalt']").click()
    expect(form.locator("[name=haushalt__1__vorname]")).to_be_focused()
    expect(form.locator("[name=haushalt__0__vorname]")).to_have_value("Luca")
    form.locator("[name=haushalt__1__vorname]").fill("Mia")
    form.locator("[name=haushalt__1__nachname]").fill("Neuzuzug")
    form.locator("[name=haushalt__1__geburtsdatum]").fill("2019-09-21")
    form.locator("[name=haushalt__1__beziehung]").select_option("Kind")
    expect(form.locator(".form-group__entry legend")).to_have_text(["Person 1", "Person 2"])
    form.locator(".button-row button[value=next]").click()

    # Step 4: the documents the municipality requires.
    form.locator("input[type=file][name=mietvertrag]").set_input_files(str(contract))
    form.locator("input[type=file][name=ausweis]").set_input_files([str(path) for path in passports])
    form.locator(".button-row button[value=review]").click()

    review = page.locator("main")
    expect(review).to_contain_text("Person 1: Luca, Neuzuzug, 03.02.1986")
    expect(review).to_contain_text("Person 2: Mia, Neuzuzug, 21.09.2019, Kind")
    page.locator("button[name=action][value=submit]").click()

    case = Case.objects.get(submitted_by=resident, status=CaseStatus.SUBMITTED)
    expect(page.locator("main")).to_contain_text(case.reference)
    assert [member["vorname"] for member in case.data["haushalt"]] == ["Luca", "Mia"]
    assert case.data["umzugsdatum"] == (today - datetime.timedelta(days=3)).isoformat()
    uploads = case.documents.filter(origin=CaseDocument.Origin.APPLICANT)
    assert sorted(uploads.values_list("filename", flat=True)) == sorted(
        ["mietvertrag.pdf", "heimatschein-nina.pdf", "heimatschein-luca.pdf"]
    )

    # The case in the account shows the household as submitted.
    page.goto(f"{site_url}/en/account/cases/{case.reference}/")
    expect(page.locator("main")).to_contain_text("Person 2: Mia, Neuzuzug, 21.09.2019, Kind")

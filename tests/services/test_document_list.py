"""My documents: what the administration delivered to the acting context, and nothing else."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from account.acting_context import SESSION_KEY, ActingContext
from home.demo_content import ensure_demo_site
from services import cases, document_list, tax
from services.models import Case, CaseDocument, CaseStatus, ServiceIndexPage, ServicePage, TaxAccount, TaxDocument
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
Origin = CaseDocument.Origin
_numbers = iter(range(1, 100_000))


def en(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


LIST_URL = "documents:list"


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    for document in [*CaseDocument.objects.all(), *TaxDocument.objects.all()]:
        document.file.delete(save=False)


@pytest.fixture
def services(db):
    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-dokumente"))
    return {
        "extract": index.add_child(instance=ServicePage(title="Betreibungsregisterauszug", slug="auszug")),
        "parking": index.add_child(instance=ServicePage(title="Parkkarte", slug="parkkarte-dok")),
    }


def person(**fields):
    return UserFactory(language="en", **fields)


def make_case(service_page, owner=None, *, organisation=None, submitted_by=None, status=CaseStatus.SUBMITTED):
    number = next(_numbers)
    return Case.objects.create(
        reference=f"MW-2026-{number:05d}",
        title=service_page.title,
        service_page=service_page,
        owner_user=None if organisation else owner,
        owner_organisation=organisation,
        submitted_by=submitted_by or owner,
        status=status,
        submitted_at=timezone.now(),
    )


def deliver(case, title, origin=Origin.APPLICATION, created_at=None):
    document = cases.add_document(case, ContentFile(PDF, name=f"{title}.pdf"), origin=origin, title=title)
    if created_at:
        CaseDocument.objects.filter(pk=document.pk).update(created_at=created_at)
        document.refresh_from_db()
    return document


def tax_account(holder, number="MW-2026-100001", activated=True):
    return TaxAccount.objects.create(
        taxpayer_number=number,
        name=str(holder),
        holder=holder,
        activated_at=timezone.now() if activated else None,
    )


def tax_document(account, title="Steuerrechnung 2025", external_id="R-2025", tax_year=2025):
    upload = SimpleUploadedFile(f"{external_id}.pdf", PDF, content_type="application/pdf")
    document, _created = tax.add_document(account, external_id, upload, title, tax_year=tax_year)
    return document


def act_for(client, organisation):
    session = client.session
    session[SESSION_KEY] = organisation.pk
    session.save()


def rows(client, query=None):
    response = client.get(en(LIST_URL), query or {})
    assert response.status_code == 200
    html = BeautifulSoup(response.content.decode(), "html.parser")
    return {
        row.th.a.get_text(" ", strip=True).removesuffix(" (download)"): row
        for row in html.select("#document-list tbody tr")
    }, html


# --- what is listed -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lists_only_what_the_administration_delivered_to_me(client, services):
    me, someone = person(), person()
    mine = make_case(services["extract"], me)
    deliver(mine, "Betreibungsregisterauszug", origin=Origin.APPLICATION)
    deliver(mine, "Eingangsbestätigung", origin=Origin.SYSTEM)
    deliver(mine, "Verfügung", origin=Origin.ADMINISTRATION)
    deliver(mine, "Meine Beilage", origin=Origin.APPLICANT)
    deliver(make_case(services["extract"], someone), "Fremder Auszug")
    draft = Case.objects.create(title="Entwurf", service_page=services["parking"], owner_user=me, submitted_by=me)
    deliver(draft, "Entwurfsdokument", origin=Origin.SYSTEM)
    client.force_login(me)

    listed, html = rows(client)

    assert set(listed) == {"Betreibungsregisterauszug", "Eingangsbestätigung", "Verfügung"}
    row = listed["Betreibungsregisterauszug"]
    case_link = row.select_one(f"a[href='{en('services:case_detail', reference=mine.reference)}']")
    assert case_link.get_text() == mine.reference
    assert "Betreibungsregisterauszug" in row.select("td")[0].get_text()
    assert row.select("td")[1].get_text(strip=True) == timezone.localdate().strftime("%d.%m.%Y")
    assert "Fremder" not in html.get_text() and "Meine Beilage" not in html.get_text()


@pytest.mark.django_db
def test_newest_first_and_pages_of_25(client, services):
    me = person()
    case = make_case(services["extract"], me)
    start = timezone.now() - datetime.timedelta(days=40)
    for n in range(30):
        deliver(case, f"Dokument {n:02d}", created_at=start + datetime.timedelta(days=n))
    client.force_login(me)

    first, _html = rows(client)
    second, html = rows(client, {"page": 2})

    assert list(first) == [f"Dokument {n:02d}" for n in range(29, 4, -1)]
    assert list(second) == [f"Dokument {n:02d}" for n in range(4, -1, -1)]
    assert "Page 2 of 2" in html.get_text()


@pytest.mark.django_db
def test_organisation_context_lists_the_organisations_documents_only(client, services):
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role="admin", user=person()).user
    member = MembershipFactory(organisation=organisation, role="member", user=person()).user
    by_admin = make_case(services["parking"], organisation=organisation, submitted_by=admin)
    by_member = make_case(services["parking"], organisation=organisation, submitted_by=member)
    deliver(by_admin, "Bewilligung Vereinsfest")
    deliver(by_member, "Bewilligung Lotto")
    deliver(make_case(services["extract"], admin), "Mein Auszug")
    tax_document(tax_account(admin))
    deliver(make_case(services["parking"], organisation=OrganisationFactory(), submitted_by=person()), "Fremd")

    client.force_login(admin)
    assert set(rows(client)[0]) == {"Mein Auszug", "Steuerrechnung 2025"}
    act_for(client, organisation)
    assert set(rows(client)[0]) == {"Bewilligung Vereinsfest", "Bewilligung Lotto"}

    # A plain member sees the documents of the organisation's cases they submitted themselves.
    client.force_login(member)
    act_for(client, organisation)
    assert set(rows(client)[0]) == {"Bewilligung Lotto"}


@pytest.mark.django_db
def test_tax_documents_only_of_activated_accounts(client, services):
    me, other = person(), person()
    tax_document(tax_account(me), title="Veranlagung 2024", external_id="V-2024", tax_year=2024)
    tax_document(tax_account(me, number="MW-2026-100002", activated=False), title="Nicht aktiviert")
    tax_document(tax_account(other, number="MW-2026-100003"), title="Fremde Steuer")
    client.force_login(me)

    listed, _html = rows(client)

    assert set(listed) == {"Veranlagung 2024"}
    row = listed["Veranlagung 2024"]
    assert row.th.a["href"] == en("tax:document", pk=TaxDocument.objects.get(title="Veranlagung 2024").pk)
    assert "MW-2026-100001" in row.get_text() and "tax year 2024" in row.get_text()


@pytest.mark.django_db
def test_filters_by_year_and_service(client, services):
    me = person()
    extract = make_case(services["extract"], me)
    parking = make_case(services["parking"], me)
    last_year = timezone.now() - datetime.timedelta(days=400)
    deliver(extract, "Auszug alt", created_at=last_year)
    deliver(extract, "Auszug neu")
    deliver(parking, "Parkkarte neu")
    tax_document(tax_account(me))
    client.force_login(me)
    this, previous = timezone.localdate().year, timezone.localdate(last_year).year

    listed, html = rows(client)
    assert len(listed) == 4
    assert [o["value"] for o in html.select("select[name=year] option")] == ["", str(this), str(previous)]
    services_offered = {o.get_text(): o["value"] for o in html.select("select[name=service] option")}
    assert services_offered == {
        "All services": "",
        "Betreibungsregisterauszug": str(services["extract"].pk),
        "Parkkarte": str(services["parking"].pk),
        "Tax account": "tax",
    }

    assert set(rows(client, {"year": previous})[0]) == {"Auszug alt"}
    assert set(rows(client, {"service": services["extract"].pk})[0]) == {"Auszug alt", "Auszug neu"}
    assert set(rows(client, {"service": services["extract"].pk, "year": this})[0]) == {"Auszug neu"}
    assert set(rows(client, {"service": "tax"})[0]) == {"Steuerrechnung 2025"}
    # A service or year that is not offered is ignored (and the form says so), never an error page.
    assert len(rows(client, {"service": "99999", "year": "abc"})[0]) == 4
    assert len(rows(client, {"year": 1990})[0]) == 4


@pytest.mark.django_db
def test_empty_states(client, services):
    me = person()
    client.force_login(me)
    listed, html = rows(client)
    assert listed == {}
    assert "There are no documents for you yet" in html.select_one("#documents-empty").get_text()

    deliver(make_case(services["extract"], me), "Auszug")
    # A service without documents is not a choice, so filtering by it is ignored.
    assert set(rows(client, {"service": services["parking"].pk})[0]) == {"Auszug"}


# --- new marker, downloads, access ------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_marker_until_the_document_is_downloaded(client, services):
    me = person()
    case = make_case(services["extract"], me)
    extract = deliver(case, "Betreibungsregisterauszug")
    receipt = deliver(case, "Quittung", origin=Origin.SYSTEM)
    statement = tax_document(tax_account(me))
    client.force_login(me)

    listed, _html = rows(client)
    assert all(row.has_attr("data-new") and "New" in row.th.get_text() for row in listed.values())

    response = client.get(listed["Betreibungsregisterauszug"].th.a["href"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert client.get(listed["Steuerrechnung 2025"].th.a["href"]).status_code == 200

    listed, _html = rows(client)
    assert not listed["Betreibungsregisterauszug"].has_attr("data-new")
    assert not listed["Steuerrechnung 2025"].has_attr("data-new")
    assert listed["Quittung"].has_attr("data-new")
    extract.refresh_from_db(), receipt.refresh_from_db(), statement.refresh_from_db()
    assert extract.read_at and statement.read_at and receipt.read_at is None


@pytest.mark.django_db
def test_another_persons_document_is_never_served_nor_marked(client, services):
    me, someone = person(), person()
    mine = make_case(services["extract"], me)
    deliver(mine, "Mein Auszug")
    theirs_case = make_case(services["extract"], someone)
    theirs = deliver(theirs_case, "Fremder Auszug")
    organisation_case = make_case(services["parking"], organisation=OrganisationFactory(), submitted_by=someone)
    organisation_document = deliver(organisation_case, "Vereinsbewilligung")
    client.force_login(me)

    for reference, pk in [
        (theirs_case.reference, theirs.pk),
        (mine.reference, theirs.pk),  # my case, their document
        (organisation_case.reference, organisation_document.pk),
    ]:
        assert client.get(en("documents:case_document", reference=reference, pk=pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert document_list.load(document_list.delivered(ActingContext(user=me)))[0].title == "Mein Auszug"


@pytest.mark.django_db
def test_list_needs_login(client):
    response = client.get(en(LIST_URL))
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


# --- navigation and dashboard -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_navigation_link_and_dashboard_tile(client, services):
    me = person()
    case = make_case(services["extract"], me)
    deliver(case, "Betreibungsregisterauszug")
    deliver(case, "Quittung", origin=Origin.SYSTEM, created_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(me)

    html = BeautifulSoup(client.get(en("useraccount:dashboard")).content.decode(), "html.parser")

    assert html.select_one(f".side-nav a[href='{en(LIST_URL)}']").get_text() == "My documents"
    tile = html.select_one("#dashboard-documents").find_parent("section")
    assert "2 new documents" in tile.get_text()
    assert [li["data-document"] for li in tile.select("li[data-document]")][0].startswith("case-")
    assert tile.select_one(f"a[href='{en(LIST_URL)}']")


@pytest.mark.django_db
def test_dashboard_has_no_documents_tile_without_documents(client):
    client.force_login(person())
    html = BeautifulSoup(client.get(en("useraccount:dashboard")).content.decode(), "html.parser")
    assert html.select_one("#dashboard-documents") is None


# --- queries ------------------------------------------------------------------------------------------------


def fill(services, owner, count):
    """`count` cases of two services with two issued documents each, and a tax account with `count` documents."""
    for n in range(count):
        case = make_case(services["extract" if n % 2 else "parking"], owner)
        CaseDocument.objects.bulk_create(
            CaseDocument(
                case=case,
                file=f"cases/{case.submission_token}/x/{name}.pdf",
                filename=f"{name}.pdf",
                title=name,
                content_type="application/pdf",
                size=100,
                origin=origin,
            )
            for name, origin in (("Verfügung", Origin.ADMINISTRATION), ("Quittung", Origin.SYSTEM))
        )
    account = tax_account(owner, number=f"MW-{owner.pk}")
    TaxDocument.objects.bulk_create(
        TaxDocument(
            account=account,
            external_id=f"D-{n}",
            title=f"Steuerdokument {n}",
            tax_year=2020 + n % 5,
            file=f"tax/x/{n}.pdf",
            filename=f"{n}.pdf",
            content_type="application/pdf",
            size=100,
        )
        for n in range(count)
    )


def queries_of(client, url):
    client.get(url)  # warm the site and settings caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?page=2", f"?year={datetime.date.today().year}&service=tax"])
def test_the_list_costs_the_same_for_3_and_120_cases(client, services, query, django_assert_max_num_queries):
    few, many = person(), person()
    fill(services, few, 3)
    fill(services, many, 120)
    url = en(LIST_URL) + query
    plain_page = en("useraccount:profile")

    client.force_login(few)
    with_few, _response = queries_of(client, url)
    client.force_login(many)
    with_many, response = queries_of(client, url)
    own = with_many - queries_of(client, plain_page)[0]

    assert with_many <= with_few
    # Filter choices, count, one page of ids, the case documents and the tax documents of that page.
    assert own <= 5
    with django_assert_max_num_queries(with_few):
        client.get(url)
    if not query:
        assert len(response.context["documents"]) == document_list.PAGE_SIZE


@pytest.mark.django_db
def test_the_dashboard_tile_costs_the_same_for_3_and_120_cases(client, services):
    few, many = person(), person()
    fill(services, few, 3)
    fill(services, many, 120)
    url = en("useraccount:dashboard")
    client.force_login(few)
    with_few, _response = queries_of(client, url)
    client.force_login(many)
    with_many, response = queries_of(client, url)
    assert with_many == with_few
    assert "new documents" in response.content.decode()

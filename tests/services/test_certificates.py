"""Certificates: issued as PDF with code and QR code, checked at /verify/, revoked, listed in the account."""

import datetime

import pytest
import qrcode
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from account.models import Membership, Organisation
from services import certificate_views, certificates
from services.models import CaseDocument, CaseEvent, CaseStatus, ServicePage
from services.models.certificates import Certificate, CertificateKind
from tests.factories import UserFactory
from tests.integration_fixtures import submit_case

SNAPSHOT = [
    {"name": "certificate_kind", "label": "Bescheinigung", "type": "choice"},
    {"name": "heimatort", "label": "Heimatort", "type": "text"},
    {"name": "zweck", "label": "Verwendungszweck", "type": "text"},
]
ANSWERS = {"certificate_kind": "Wohnsitzbescheinigung", "heimatort": "Musterwil SG", "zweck": "Wohnungsbewerbung"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk_group(db):
    return Group.objects.create(name="Einwohnerdienste")


@pytest.fixture
def certificate_page(make_service_page, clerk_group):
    return make_service_page(
        title="Wohnsitzbescheinigung bestellen", service_kind="certificate", fee_rappen=0, clerk_group=clerk_group
    )


@pytest.fixture
def certificate_case(certificate_page, resident):
    resident.ahv_number = "756.1234.5678.97"
    resident.save()
    return submit_case(certificate_page, resident, data=dict(ANSWERS), snapshot=SNAPSHOT)


@pytest.fixture
def issued(certificate_case):
    return certificates.issue(certificate_case)


def make_clerk(group):
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="services", codename="view_case"),
        Permission.objects.get(content_type__app_label="services", codename="change_case"),
    )
    clerk = UserFactory(is_staff=True)
    clerk.groups.add(group)
    UserProfile.objects.update_or_create(user=clerk, defaults={"preferred_language": "en"})
    return clerk


# --- issuing ----------------------------------------------------------------------------------------------


def test_issue_stores_the_certified_data_a_pdf_document_and_completes_the_case(issued, certificate_case, resident):
    certificate_case.refresh_from_db()

    assert issued.kind == CertificateKind.RESIDENCE
    assert issued.holder == resident
    assert issued.data["name"] == "Anna Muster"
    assert issued.data["date_of_birth"] == "1985-04-12"
    assert issued.data["address"] == ["Dorfstrasse 5a", "9999 Musterwil"]
    assert issued.data["place_of_origin"] == "Musterwil SG"
    assert issued.data["purpose"] == "Wohnungsbewerbung"
    assert issued.valid_until == timezone.localdate() + datetime.timedelta(days=90)
    # Nothing the certificate does not state is frozen into it.
    assert "756.1234.5678.97" not in str(issued.data) and resident.email not in str(issued.data)
    document = issued.document
    assert document.case == certificate_case
    assert document.origin == CaseDocument.Origin.SYSTEM
    content = document.file.open("rb").read()
    assert content.startswith(b"%PDF")
    assert certificate_case.status == CaseStatus.COMPLETED
    # received → in progress → completed, each a timeline event; the owner hears about the document.
    statuses = list(certificate_case.events.filter(kind=CaseEvent.Kind.STATUS).values_list("status_to", flat=True))
    assert statuses == [CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.COMPLETED]
    assert resident.notifications.filter(title__contains=certificate_case.reference).exists()


def test_the_pdf_prints_the_code_and_a_qr_code_of_the_verification_url(issued):
    url = certificates.verification_url(issued.code)
    assert url == f"http://testserver/verify/?code={issued.code}"

    pdf = certificates.render_certificate(issued, compress=False)
    assert pdf.startswith(b"%PDF")
    assert issued.code.encode() in pdf

    class Recorder:
        letterhead = certificates.Letterhead(name="Musterwil")

        def __getattr__(self, name):
            return lambda *args, **kwargs: (name, args)

    story = certificates.certificate_story(issued, Recorder())
    codes = [
        cell
        for flowable in story
        if hasattr(flowable, "_cellvalues")
        for row in flowable._cellvalues
        for cell in row
        if isinstance(cell, certificates.QrCode)
    ]
    # One QR code, of exactly the verification URL (error correction M; 4 modules of quiet zone in the size).
    assert [code.payload for code in codes] == [url]
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    reference.add_data(url)
    assert codes[0].matrix == reference.get_matrix()
    assert codes[0].wrap(500, 500) == (codes[0].size, codes[0].size)


def test_issue_is_idempotent_until_the_certificate_is_revoked(issued, certificate_case, clerk_group):
    assert certificates.issue(certificate_case) == issued
    assert Certificate.objects.filter(case=certificate_case).count() == 1
    assert certificate_case.documents.count() == 1

    certificates.revoke(issued, reason="Falsche Adresse", actor=None, actor_label="Einwohnerdienste")
    again = certificates.issue(certificate_case, CertificateKind.RESIDENCE)

    assert again != issued and again.code != issued.code
    assert Certificate.objects.filter(case=certificate_case).count() == 2


def test_the_kind_comes_from_the_answer_or_the_page_or_the_clerk(certificate_page, make_service_page, resident):
    assert certificates.kind_from_text("Leumundszeugnis") == CertificateKind.CONDUCT
    assert certificates.kind_from_text("capacity") == CertificateKind.CAPACITY
    assert certificates.kind_from_text("Heimatausweis (für Wochenaufenthalt)") == CertificateKind.HOMETOWN
    assert certificates.kind_from_text("Hundemarke") is None
    by_slug = make_service_page(service_kind="certificate", fee_rappen=0)
    ServicePage.objects.filter(pk=by_slug.pk).update(slug="leumundszeugnis-bestellen")
    by_slug.refresh_from_db()
    case = submit_case(by_slug, resident, data={}, snapshot=[])
    assert certificates.kind_from_case(case) == CertificateKind.CONDUCT
    unknown = submit_case(certificate_page, resident, data={}, snapshot=[])
    assert certificates.kind_from_case(unknown) is None
    with translation.override("en"), pytest.raises(certificates.CertificateError, match="Choose which certificate"):
        certificates.issue(unknown)
    capacity = certificates.issue(unknown, CertificateKind.CAPACITY)
    assert capacity.data["statement"] == str(certificates.STATEMENTS[CertificateKind.CAPACITY])
    assert "address" not in capacity.data
    assert capacity.data["place_of_origin"] == "—"


def test_an_organisation_cannot_get_a_certificate(certificate_page, resident):
    organisation = Organisation.objects.create(name="Muster Bau AG", kind=Organisation.Kind.BUSINESS)
    membership = Membership.objects.create(user=resident, organisation=organisation, role=Membership.Role.OWNER)
    case = submit_case(certificate_page, resident, data=dict(ANSWERS), snapshot=SNAPSHOT, membership=membership)

    with translation.override("en"), pytest.raises(certificates.CertificateError, match="organisation cannot order"):
        certificates.issue(case)
    assert not Certificate.objects.exists()


def test_a_withdrawn_case_gets_no_certificate(certificate_case, resident):
    from services import cases

    cases.withdraw(certificate_case, resident)
    with pytest.raises(certificates.CertificateError):
        certificates.issue(certificate_case)


# --- revoking -------------------------------------------------------------------------------------------------


def test_revoke_needs_a_reason_is_idempotent_and_tells_the_owner(issued, certificate_case, resident):
    with translation.override("en"), pytest.raises(certificates.CertificateError, match="reason"):
        certificates.revoke(issued, reason="  ", actor=None)

    certificates.revoke(issued, reason="Weggezogen", actor=None, actor_label="Einwohnerdienste")
    first = Certificate.objects.get(pk=issued.pk).revoked_at
    certificates.revoke(issued, reason="Noch einmal", actor=None)

    issued.refresh_from_db()
    assert issued.revoked_at == first and issued.revoked_reason == "Weggezogen"
    # One revocation in the timeline (besides the note written at the order about who issues the certificate).
    revocations = certificate_case.events.filter(kind=CaseEvent.Kind.MILESTONE, text__contains=issued.code)
    assert revocations.count() == 1
    assert "Weggezogen" in revocations.get().text
    assert resident.notifications.filter(body__contains="Weggezogen").exists()


# --- /verify/ ---------------------------------------------------------------------------------------------------


def verify_page(client, code):
    return client.get(reverse("verify:index"), {"code": code})


def test_normalise_code():
    assert certificates.normalise_code(" mwde mw26-4567 ") == "MWDE-MW26-4567"
    assert certificates.normalise_code("MWDEMW264567") == "MWDE-MW26-4567"
    assert certificates.normalise_code("MWDE-MW26-456") is None
    assert certificates.normalise_code("MWDE-MW26-4560") is None  # 0 is not in the alphabet
    assert certificates.normalise_code("") is None


def test_verify_shows_a_valid_certificate_with_the_minimal_data(client, issued, resident, soup):
    typed = issued.code.lower().replace("-", " ")
    response = verify_page(client, typed)

    assert response.status_code == 200
    page = soup(response)
    result = page.find(id="verify-result")
    assert result["data-state"] == "valid"
    details = {dd["data-field"]: dd.get_text(strip=True) for dd in result.find_all("dd")}
    assert len(result.find_all("dt")) == len(details)
    assert set(details) == {"code", "kind", "name", "date_of_birth", "issued_on", "valid_until"}
    assert details["name"] == "Anna Muster"
    assert details["code"] == issued.code
    assert details["date_of_birth"] == "12.04.1985"
    html = response.content.decode()
    for private in (
        resident.email,
        "756.1234.5678.97",
        "+41 44 123 45 67",
        "Dorfstrasse 5a",
        "Musterwil SG",
        "Wohnungsbewerbung",
    ):
        assert private not in html
    assert page.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")
    assert response["X-Robots-Tag"].startswith("noindex")
    assert page.find("label", attrs={"for": "id_code"})


def test_verify_shows_expired_and_revoked_and_unknown(client, issued):
    Certificate.objects.filter(pk=issued.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    page = verify_page(client, issued.code)
    assert 'data-state="expired"' in page.content.decode()

    certificates.revoke(issued, reason="Weggezogen", actor=None)
    html = verify_page(client, issued.code).content.decode()
    assert 'data-state="revoked"' in html
    assert f'<dd data-field="revoked_on">{timezone.localdate():%d.%m.%Y}</dd>' in html
    assert "Weggezogen" not in html  # the reason stays internal

    unknown = verify_page(client, "ABCD-EFGH-JK23")
    assert 'data-state="not_found"' in unknown.content.decode()
    assert 'data-field="name"' not in unknown.content.decode()
    garbage = verify_page(client, "<script>")
    assert garbage.status_code == 200 and "<script>" not in garbage.content.decode()


def test_the_empty_form_is_public(client, db):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert 'id="verify-result"' not in response.content.decode()


def test_lookups_are_rate_limited_per_address(client, issued, monkeypatch):
    monkeypatch.setattr(certificate_views, "VERIFY_RATE_LIMIT", 3)
    for _ in range(3):
        assert verify_page(client, "ABCD-EFGH-JK23").status_code == 200
    limited = verify_page(client, issued.code)
    assert limited.status_code == 429
    assert 'data-state="limited"' in limited.content.decode()
    assert "Anna Muster" not in limited.content.decode()
    other = client.get(reverse("verify:index"), {"code": issued.code}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


# --- the account ------------------------------------------------------------------------------------------------


def test_the_owner_lists_and_downloads_their_certificates_others_do_not_see_them(client, issued, resident):
    client.force_login(resident)
    response = client.get("/account/certificates/")
    assert response.status_code == 200
    html = response.content.decode()
    assert issued.code in html
    download = reverse(
        "services:download_document", kwargs={"reference": issued.case.reference, "pk": issued.document_id}
    )
    assert download in html
    pdf = client.get(download)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")

    other = UserFactory(email="someone@example.org")
    client.force_login(other)
    html = client.get("/account/certificates/").content.decode()
    assert issued.code not in html
    assert client.get(download).status_code == 404


def test_the_list_needs_a_login(client, db):
    response = client.get("/account/certificates/")
    assert response.status_code == 302


# --- the back office ----------------------------------------------------------------------------------------------


def test_a_clerk_issues_from_the_case_view_and_revokes_with_a_reason(client, certificate_case, clerk_group, soup):
    clerk = make_clerk(clerk_group)
    client.force_login(clerk)
    case_page = client.get(f"/admin/services/case/{certificate_case.pk}/")
    issue_url = reverse("certificates_backoffice:issue", args=[certificate_case.pk])
    assert soup(case_page).find("a", href=issue_url)

    form = client.get(issue_url)
    assert form.status_code == 200
    assert soup(form).find("select", attrs={"name": "kind"}).find("option", selected=True)["value"] == "residence"
    response = client.post(issue_url, {"kind": "residence", "valid_until": ""})
    assert response.status_code == 302
    certificate = Certificate.objects.get(case=certificate_case)
    assert certificate.document.origin == CaseDocument.Origin.ADMINISTRATION
    certificate_case.refresh_from_db()
    assert certificate_case.status == CaseStatus.COMPLETED

    case_page = client.get(f"/admin/services/case/{certificate_case.pk}/")
    revoke_url = reverse("certificates_backoffice:revoke", args=[certificate.pk])
    assert certificate.code in case_page.content.decode()
    assert soup(case_page).find("a", href=revoke_url)
    refused = client.post(revoke_url, {"reason": ""})
    assert refused.status_code == 200 and soup(refused).find(class_="error-message")
    assert client.post(revoke_url, {"reason": "Weggezogen"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == clerk

    listing = client.get("/admin/services/certificate/", {"q": certificate.code.lower().replace("-", "")})
    assert listing.status_code == 200
    assert certificate.code in listing.content.decode()


def test_a_clerk_of_another_group_gets_404(client, issued, certificate_case):
    outsider = make_clerk(Group.objects.create(name="Bauamt"))
    client.force_login(outsider)

    assert client.get(reverse("certificates_backoffice:issue", args=[certificate_case.pk])).status_code == 404
    assert client.post(reverse("certificates_backoffice:issue", args=[certificate_case.pk])).status_code == 404
    assert client.post(reverse("certificates_backoffice:revoke", args=[issued.pk]), {"reason": "x"}).status_code == 404
    issued.refresh_from_db()
    assert not issued.is_revoked
    assert issued.code not in client.get("/admin/services/certificate/").content.decode()


# --- demo ---------------------------------------------------------------------------------------------------------


def test_the_demo_certificate_is_created_once_with_its_fixed_code(certificate_page, resident, client):
    from services import demo_certificates

    assert certificates.normalise_code(demo_certificates.DEMO_CODE) == demo_certificates.DEMO_CODE
    first = demo_certificates.ensure_demo_certificate(resident)
    second = demo_certificates.ensure_demo_certificate(resident)

    assert first == second and first.code == demo_certificates.DEMO_CODE
    assert first.holder == resident and first.kind == CertificateKind.RESIDENCE
    assert Certificate.objects.count() == 1
    assert 'data-state="valid"' in client.get("/verify/", {"code": "must erw2 4567"}).content.decode()

"""Certificates issued by the portal itself where the register confirms the data; nothing issued before the fee."""

import datetime
import logging

import pytest
from django.contrib.auth.models import Group
from django.core import checks
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from account import activation
from account.models import ActivationLetter, AssuranceLevel, Membership, Organisation
from integrations.models import SpecialistApplication
from services import cases, certificate_rules, certificates, fulfilment
from services.models import CaseDocument, CaseEvent, CaseStatus, Payment
from services.models.certificates import Certificate, CertificateKind
from tests.api.helpers import assert_problem
from tests.integration_fixtures import bearer, submit_case
from tests.services.test_certificates import make_clerk

SNAPSHOT = [
    {"name": "certificate_kind", "label": "Certificate", "type": "choice"},
    {"name": "name", "label": "Name and first name", "type": "text"},
    {"name": "geburtsdatum", "label": "Date of birth", "type": "date"},
    {"name": "heimatort", "label": "Place of origin", "type": "text"},
    {"name": "zweck", "label": "Purpose", "type": "choice"},
]
WAITS = "The administration checks your order and issues the certificate"


@pytest.fixture
def clerk_group(db):
    return Group.objects.create(name="Einwohnerdienste")


@pytest.fixture
def free_page(make_service_page, clerk_group):
    return make_service_page(
        title="Bescheinigung bestellen", service_kind="certificate", fee_rappen=0, clerk_group=clerk_group
    )


@pytest.fixture
def paid_page(make_service_page, clerk_group):
    return make_service_page(
        title="Bescheinigung bestellen", service_kind="certificate", fee_rappen=2000, clerk_group=clerk_group
    )


@pytest.fixture
def person(resident):
    """Anna Muster, English-speaking, whose postal address the activation letter has verified."""
    resident.language = "en"
    resident.assurance_level = AssuranceLevel.ADDRESS
    resident.save()
    return resident


def answers(kind="Wohnsitzbescheinigung", **changes):
    """What the form sends: the name and date of birth are prefilled from the account (Anna Muster, 12.04.1985)."""
    return {"certificate_kind": kind, "name": "Anna Muster", "geburtsdatum": "1985-04-12", "zweck": "Bank", **changes}


@pytest.fixture
def order(django_capture_on_commit_callbacks):
    """order(page, person, **answers) → the submitted case, with what runs after the commit done."""

    def submit(page, owner, membership=None, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            case = submit_case(page, owner, data=answers(**changes), snapshot=SNAPSHOT, membership=membership)
        case.refresh_from_db()
        return case

    return submit


def notes(case):
    return list(case.events.filter(kind=CaseEvent.Kind.MILESTONE).values_list("text", flat=True))


def timeline_text(client, owner, case, soup):
    client.force_login(owner)
    response = client.get(f"/en/account/cases/{case.reference}/")
    assert response.status_code == 200
    return soup(response).get_text(" ", strip=True)


def pay(case):
    return cases.mark_paid(case.payments.get(), method=Payment.Method.ONLINE, confirmed_by="Testanbieter")


# --- free orders: issued right after submission -------------------------------------------------------------------


def test_a_free_residence_order_of_a_verified_resident_is_issued_on_submission(order, free_page, person, client, soup):
    case = order(free_page, person)

    certificate = Certificate.objects.get(case=case)
    assert certificate.kind == CertificateKind.RESIDENCE
    assert certificate.holder == person
    assert certificate.data["name"] == "Anna Muster"
    assert certificate.data["address"] == ["Dorfstrasse 5a", "9999 Musterwil"]
    assert certificate.data["place_of_origin"] == "—"
    assert certificate.document.origin == CaseDocument.Origin.SYSTEM
    assert case.status == CaseStatus.COMPLETED
    assert not any(WAITS in text for text in notes(case))
    # The resident sees the completed case with its certificate, and the check at /verify/ says valid.
    page = timeline_text(client, person, case, soup)
    assert "Certificate of residence issued" in page and certificate.code in page
    assert 'data-state="valid"' in client.get("/verify/", {"code": certificate.code}).content.decode()


def test_a_hometown_order_waits_by_default_and_is_issued_once_the_setting_lists_it(order, free_page, person):
    waiting = order(free_page, person, kind="Heimatausweis")
    with override_settings(PORTAL_CERTIFICATES_AUTO_ISSUE=["residence", "hometown"]):
        case = order(free_page, person, kind="Heimatausweis")

    assert not Certificate.objects.filter(case=waiting).exists()
    assert Certificate.objects.get(case=case).kind == CertificateKind.HOMETOWN


def test_an_order_of_a_resident_with_only_an_email_address_waits_for_the_office(order, free_page, person, client, soup):
    person.assurance_level = AssuranceLevel.EMAIL
    person.save()

    case = order(free_page, person)

    assert not Certificate.objects.filter(case=case).exists()
    assert case.status == CaseStatus.SUBMITTED
    page = timeline_text(client, person, case, soup)
    assert "Your postal address has not been verified yet" in page
    assert WAITS in page
    # The office issues it as before.
    assert certificates.issue(case).kind == CertificateKind.RESIDENCE


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("Leumundszeugnis", "before it issues a certificate of good conduct"),
        ("Handlungsfähigkeitszeugnis", "before it issues a certificate of civil capacity"),
    ],
)
def test_capacity_and_conduct_always_wait_for_the_office(order, free_page, person, kind, why):
    case = order(free_page, person, kind=kind)

    assert not Certificate.objects.filter(case=case).exists()
    [note] = notes(case)
    assert why in note and WAITS in note


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"name": "Hanna Muster"}, "What you entered differs from your account: name."),
        ({"geburtsdatum": "1985-04-13"}, "What you entered differs from your account: date of birth."),
        ({"heimatort": "Musterwil SG"}, "The place of origin you entered is not recorded in your account."),
        (
            {"adresse": {"street": "Seestrasse", "house_number": "1", "postcode": "9999", "town": "Musterwil"}},
            "What you entered differs from your account: address.",
        ),
    ],
)
def test_answers_the_certificate_would_print_must_agree_with_the_account(order, free_page, person, changes, why):
    case = order(free_page, person, **changes)

    assert not Certificate.objects.filter(case=case).exists()
    [note] = notes(case)
    assert note.startswith(why) and WAITS in note


def test_names_and_addresses_may_differ_in_case_punctuation_and_word_order(order, free_page, person):
    case = order(
        free_page,
        person,
        name="MUSTER, Anna",
        geburtsdatum="12.04.1985",
        adresse={"street": "dorfstrasse", "house_number": "5A", "postcode": "9999", "town": "Musterwil"},
    )

    assert Certificate.objects.filter(case=case).exists()


def test_a_name_or_address_changed_after_the_activation_letter_is_no_longer_confirmed(order, free_page, person):
    ActivationLetter.objects.create(
        user=person,
        code_digest="!",
        address=activation.address_snapshot(person),
        printed_at=timezone.now(),
        used_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    assert Certificate.objects.filter(case=order(free_page, person)).exists()

    person.street = "Seestrasse"
    person.save()
    case = order(free_page, person)

    assert not Certificate.objects.filter(case=case).exists()
    assert notes(case)[0].startswith("Your name or address in your account has changed")


def test_an_account_without_a_date_of_birth_waits(order, free_page, person):
    person.date_of_birth = None
    person.save()

    case = order(free_page, person, geburtsdatum="")

    assert not Certificate.objects.filter(case=case).exists()
    assert notes(case)[0].startswith("Your account lacks details the certificate prints: date of birth.")


def test_an_order_in_an_organisation_context_waits(order, free_page, person):
    organisation = Organisation.objects.create(name="Muster Bau AG", kind=Organisation.Kind.BUSINESS)
    membership = Membership.objects.create(user=person, organisation=organisation, role=Membership.Role.OWNER)

    case = order(free_page, person, membership=membership)

    assert not Certificate.objects.exists()
    assert notes(case)[0].startswith("Certificates are issued to persons only.")


def test_the_setting_chooses_the_kinds_but_never_capacity_or_conduct(order, free_page, person):
    with override_settings(PORTAL_CERTIFICATES_AUTO_ISSUE=["residence", "conduct"]):
        hometown = order(free_page, person, kind="Heimatausweis")
        conduct = order(free_page, person, kind="Leumundszeugnis")
        residence = order(free_page, person)
        [warning] = certificate_rules.check_auto_issue_setting()

    assert not Certificate.objects.filter(case__in=[hometown, conduct]).exists()
    assert Certificate.objects.filter(case=residence).exists()
    assert warning.id == "services.W001" and "'conduct'" in warning.msg
    assert certificate_rules.check_auto_issue_setting() == []
    assert not any(message.id == "services.W001" for message in checks.run_checks())


def test_a_certificate_that_fails_to_render_leaves_the_submission_to_the_office(
    order, free_page, person, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(certificates, "render_certificate", broken)

    with caplog.at_level(logging.ERROR, logger="services.certificate_rules"):
        case = order(free_page, person)

    assert case.status == CaseStatus.SUBMITTED and case.reference
    assert not Certificate.objects.exists()
    assert case.documents.filter(origin=CaseDocument.Origin.SYSTEM, title__startswith="Certificate").count() == 0
    assert notes(case)[0].startswith("Your certificate could not be issued automatically.")
    assert any(case.reference in record.getMessage() for record in caplog.records)


def test_a_failing_submission_handler_does_not_lose_the_submission(free_page, person, monkeypatch, caplog):
    def broken(case):
        raise RuntimeError("register down")

    monkeypatch.setitem(fulfilment._SUBMITTED_HANDLERS, "certificate", broken)

    with caplog.at_level(logging.ERROR, logger="services.fulfilment"):
        case = submit_case(free_page, person, data=answers(), snapshot=SNAPSHOT)

    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.events.filter(kind=CaseEvent.Kind.SUBMITTED).exists()
    assert any(case.reference in record.getMessage() for record in caplog.records)


# --- orders with a fee: issued when paid, once --------------------------------------------------------------------


def test_a_paid_residence_order_is_issued_when_the_fee_is_paid_and_only_once(order, paid_page, person, client, soup):
    case = order(paid_page, person)

    assert not Certificate.objects.filter(case=case).exists()
    assert case.status == CaseStatus.SUBMITTED
    assert "issued automatically as soon as the fee of CHF 20.00 is paid" in timeline_text(client, person, case, soup)

    pay(case)
    certificate = Certificate.objects.get(case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert certificate.document.origin == CaseDocument.Origin.SYSTEM

    # Confirmed again (bank file after the online payment), re-run by a repair, even after a revocation: no second.
    pay(case)
    fulfilment.paid(case)
    certificates.revoke(certificate, reason="Irrtum", actor=None)
    fulfilment.paid(case)
    assert Certificate.objects.filter(case=case).count() == 1
    assert case.documents.filter(origin=CaseDocument.Origin.SYSTEM, title__startswith="Certificate").count() == 1


def test_a_paid_order_that_waits_is_told_so_and_issued_by_no_one_on_payment(order, paid_page, person):
    case = order(paid_page, person, kind="Leumundszeugnis")
    assert "once the fee of CHF 20.00 is paid" in notes(case)[0]

    pay(case)

    assert not Certificate.objects.filter(case=case).exists()
    assert case.payments.get().status == Payment.Status.PAID
    assert notes(case)[-1].startswith("Thank you for the payment.")
    assert "The administration now checks your order and issues the certificate" in notes(case)[-1]


def test_a_certificate_that_fails_to_render_on_payment_does_not_undo_the_payment(
    order, paid_page, person, monkeypatch, caplog
):
    case = order(paid_page, person)
    monkeypatch.setattr(certificates, "render_certificate", lambda *args, **kwargs: 1 / 0)

    with caplog.at_level(logging.ERROR, logger="services.certificate_rules"):
        pay(case)

    case.refresh_from_db()
    assert case.payments.get().status == Payment.Status.PAID
    assert case.status == CaseStatus.SUBMITTED
    assert not Certificate.objects.exists()
    assert notes(case)[-1].startswith("Your certificate could not be issued automatically.")
    assert any(case.reference in record.getMessage() for record in caplog.records)


# --- clerk and register application: not while the fee is unpaid ----------------------------------------------------


@pytest.fixture
def unpaid(order, paid_page, person):
    """A conduct order with its fee still open: it waits for the office, which may not issue it yet."""
    return order(paid_page, person, kind="Leumundszeugnis")


def test_the_clerk_cannot_issue_while_the_fee_is_unpaid(client, unpaid, clerk_group, soup):
    clerk = make_clerk(clerk_group)
    client.force_login(clerk)
    issue_url = reverse("certificates_backoffice:issue", args=[unpaid.pk])

    for response in (client.get(issue_url, follow=True), client.post(issue_url, {"kind": "conduct"}, follow=True)):
        assert response.redirect_chain[-1][0] == f"/admin/services/case/{unpaid.pk}/"
        assert "The fee of CHF 20.00 for this case is not paid yet" in soup(response).get_text(" ", strip=True)
    assert not Certificate.objects.exists()

    pay(unpaid)
    assert client.post(issue_url, {"kind": "conduct"}).status_code == 302
    assert Certificate.objects.get(case=unpaid).kind == CertificateKind.CONDUCT


def test_the_register_application_cannot_issue_while_the_fee_is_unpaid(paid_page, unpaid):
    application = SpecialistApplication.objects.create(
        name="Einwohnerregister", slug="einwohnerregister", read_types=["cases"], write_types=["cases"]
    )
    application.services.set([paid_page])
    register = bearer(application.issue_token(name="test")[1])
    url = f"/api/v1/cases/{unpaid.reference}/certificate"

    problem = assert_problem(register.post(url, {}, format="json"), 409, "fee-unpaid")
    assert "CHF 20.00" in problem["detail"]
    assert not Certificate.objects.exists()

    pay(unpaid)
    response = register.post(url, {}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "conduct"


def test_issue_itself_refuses_while_the_fee_is_unpaid(unpaid):
    with pytest.raises(certificates.FeeUnpaid):
        certificates.issue(unpaid, CertificateKind.CONDUCT)
    assert certificate_rules.auto_issue_reason(unpaid)

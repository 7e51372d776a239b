"""The demo services of Musterwil: groups, forms, service pages and a resident with a case in every status."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Revision

from account.acting_context import ActingContext
from account.demo_users import ensure_demo_organisations, ensure_demo_users
from account.models import Membership, Notification
from home.demo_content import ensure_demo_site
from services import form_builder
from services.demo_content import CLERK_GROUP, ensure_demo_services
from services.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseMessage,
    CaseStatus,
    Payment,
    ServiceForm,
    ServiceIndexPage,
    ServicePage,
)


def seed():
    home = ensure_demo_site()
    users = ensure_demo_users()
    organisations = ensure_demo_organisations(users)
    return ensure_demo_services(home, users, organisations), users, organisations


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Group,
            ServiceForm,
            ServiceIndexPage,
            ServicePage,
            Case,
            CaseEvent,
            CaseMessage,
            CaseDocument,
            Payment,
            Notification,
        )
    } | {"form revisions": Revision.objects.filter(base_content_type__model="serviceform").count()}


@pytest.fixture
def seeded(db):
    return seed()


@pytest.mark.django_db
def test_running_twice_creates_nothing_new():
    first, _, _ = seed()
    before = counts()
    second, _, _ = seed()

    assert counts() == before
    assert set(first["created_cases"]) == {
        "submitted",
        "received",
        "in_progress",
        "awaiting_applicant",
        "completed",
        "rejected",
        "withdrawn",
        "draft",
        "association",
    }
    assert first["created_forms"] == [
        "kontakt",
        "veranstaltung",
        "gemeindesaal",
        "betreibungsauszug",
        "parkkarte",
        "baugesuch",
        "bescheinigungen",
        "zuzug",
        "wegzug",
        "umzug",
        "werke_umzug",
    ]
    assert second["created_cases"] == {} and second["created_forms"] == []
    assert {key: page.pk for key, page in second["pages"].items()} == {
        key: page.pk for key, page in first["pages"].items()
    }


def test_the_resident_has_a_case_in_every_status_and_one_open_question(seeded):
    result, users, _ = seeded
    resident = users["resident"]
    mine = Case.objects.filter(owner_user=resident)

    assert set(mine.values_list("status", flat=True)) == set(CaseStatus.values)
    assert mine.filter(status=CaseStatus.DRAFT).count() == 1
    open_questions = CaseMessage.objects.filter(
        case__owner_user=resident, is_question=True, answered_at__isnull=True, withdrawn_at__isnull=True
    )
    assert open_questions.count() == 1
    assert open_questions.get().case.status == CaseStatus.AWAITING_APPLICANT
    # Every submitted case has its receipt; the draft has a reference only once it is submitted.
    for case in mine.submitted():
        assert case.reference and case.documents.filter(field_name="_receipt").count() == 1, case.status
        assert case.events.filter(kind=CaseEvent.Kind.SUBMITTED).exists()
    assert mine.get(status=CaseStatus.DRAFT).reference is None


def test_the_completed_case_carries_an_issued_pdf_and_the_whole_story(seeded):
    _, users, _ = seeded
    # The event permit (the certificate order is completed too, by issuing the certificate).
    case = Case.objects.get(
        owner_user=users["resident"], status=CaseStatus.COMPLETED, service_page__slug="veranstaltung-melden"
    )

    issued = case.documents.get(origin=CaseDocument.Origin.ADMINISTRATION)
    with issued.file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    assert issued.content_type == "application/pdf"
    assert case.documents.filter(origin=CaseDocument.Origin.APPLICANT, field_name="sicherheitskonzept").exists()
    kinds = list(case.events.values_list("kind", flat=True))
    for kind in ("submitted", "status", "question", "answer", "milestone", "document", "payment"):
        assert kind in kinds, kind
    assert case.payments.get().status == Payment.Status.PAID
    assert list(case.events.filter(kind="status").values_list("status_to", flat=True)) == [
        "received",
        "in_progress",
        "awaiting_applicant",
        "in_progress",
        "completed",
    ]


def test_the_clerk_works_every_demo_service(seeded):
    result, users, _ = seeded
    clerk = users["clerk"]
    group = Group.objects.get(name=CLERK_GROUP)

    assert clerk.groups.filter(pk=group.pk).exists()
    clerk = type(clerk).objects.get(pk=clerk.pk)  # fresh permission cache
    assert clerk.has_perm("wagtailadmin.access_admin")
    assert clerk.has_perm("services.view_case") and clerk.has_perm("services.change_case")
    assert clerk.has_perm("services.add_serviceform") and clerk.has_perm("services.change_serviceform")
    if Permission.objects.filter(codename="publish_serviceform").exists():  # once the snippet is registered
        assert clerk.has_perm("services.publish_serviceform")
    editors = Group.objects.get(name="Editors")
    assert editors.permissions.filter(codename="change_serviceform").exists()
    assert all(page.clerk_group_id == group.pk for page in result["pages"].values())
    assert Case.objects.for_clerk(clerk).count() == Case.objects.submitted().count()


def test_the_association_case_belongs_to_the_organisation(seeded):
    _, users, organisations = seeded
    club = organisations["Turnverein Musterwil"]
    case = Case.objects.get(owner_organisation=club)

    assert case.owner_user is None
    assert case.submitted_by == users["association"]
    assert case.service_page.organisations_only
    membership = Membership.objects.get(user=users["association"], organisation=club)
    assert list(Case.objects.in_context(ActingContext(user=users["association"], membership=membership))) == [case]
    assert not Case.objects.in_context(ActingContext(user=users["association"])).filter(pk=case.pk).exists()


def test_pages_embed_their_published_forms_with_the_required_rules(seeded):
    result, _, _ = seeded
    index = result["index"]
    assert index.slug == "online-schalter" and index.show_in_menus and index.live

    contact = result["pages"]["kontakt"]
    event = result["pages"]["veranstaltung"]
    hall = result["pages"]["gemeindesaal"]
    assert not contact.login_required and event.login_required and hall.organisations_only
    assert event.fee_rappen == 5000 and contact.fee_rappen == 0
    for key, page in result["pages"].items():
        (block_id, block), *_ = page.form_blocks()
        assert block["form"].pk == result["forms"][key].pk
        assert page.live and result["forms"][key].live

    form = result["forms"]["veranstaltung"].published_version()
    steps = form_builder.steps(form)
    assert [step.title for step in steps] == ["Veranstalterin oder Veranstalter", "Veranstaltung"]
    specs = {spec.name: spec for spec in form_builder.all_fields(steps)}
    assert specs["veranstalter"].prefill == "full_name" and specs["adresse"].prefill == "address"
    assert specs["bewilligungsnummer"].show_if == {"field": "alkohol", "operator": "equals", "value": "yes"}
    assert specs["besucher"].options["max_value"] == 5000
    assert specs["datum"].options["not_in_past"] is True
    upload = specs["sicherheitskonzept"].options
    assert (list(upload["allowed_types"]), upload["max_size_mb"], upload["multiple"]) == (["pdf"], 5, True)

    hall_specs = {spec.name: spec for spec in form_builder.all_fields(result["forms"]["gemeindesaal"])}
    assert hall_specs["verein"].prefill == "organisation_name" and hall_specs["uid"].prefill == "organisation_uid"
    assert hall_specs["raum"].widget == "radio"
    contact_specs = {spec.name: spec for spec in form_builder.all_fields(result["forms"]["kontakt"])}
    assert contact_specs["betreff"].widget == "select" and contact_specs["nachricht"].type == "long_text"

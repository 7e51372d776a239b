"""The audit trail of personal records: what the back office reads and changes is recorded with who, whom and what;
administrators read it in the report "Access to personal data"; a person's own access is never recorded."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from account import activation
from account.models import AssuranceLevel, PersonalDataAccess
from services.models import ServiceIndexPage, ServicePage, TaxAccount
from tests.factories import UserFactory
from tests.services.test_backoffice import PDF, clerk_group, submit

pytestmark = pytest.mark.django_db

Action = PersonalDataAccess.Action
REPORT = "/admin/reports/personal-data-access/"


def permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def staff(*permissions, groups=(), **fields):
    person = UserFactory(is_staff=True, language="en", **fields)
    person.user_permissions.add(permission("wagtailadmin", "access_admin"), *permissions)
    person.groups.add(*groups)
    UserProfile.objects.update_or_create(user=person, defaults={"preferred_language": "en"})
    return person


@pytest.fixture
def group(db):
    return clerk_group("Parkierung")


@pytest.fixture
def service(db, group):
    from home.demo_content import ensure_demo_site

    index = ensure_demo_site().add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter"))
    return index.add_child(instance=ServicePage(title="Parkkarte", slug="parkkarte", clerk_group=group))


@pytest.fixture
def resident(db):
    return UserFactory(first_name="Rita", last_name="Muster", email="rita@example.org", language="en")


@pytest.fixture
def case(service, resident):
    return submit(service, resident, files=[("beilage", ContentFile(PDF, name="ausweis.pdf"))])


@pytest.fixture
def clerk(group):
    return staff(groups=[group], email="clerk@musterwil.example")


@pytest.fixture
def administrator(db):
    return staff(is_superuser=True, email="admin@musterwil.example")


def entries(**filters):
    return PersonalDataAccess.objects.filter(**filters)


# --- what the back office writes -------------------------------------------------------------------------------


def test_viewing_a_case_in_the_admin_writes_one_entry_with_actor_subject_and_record(client, clerk, case, resident):
    client.force_login(clerk)
    url = reverse("services_backoffice:case_detail", args=[case.pk])
    assert client.get(url).status_code == 200

    entry = PersonalDataAccess.objects.get()
    assert entry.action == Action.VIEW
    assert (entry.actor, entry.actor_label) == (clerk, "clerk@musterwil.example")
    assert entry.subject == resident
    assert (entry.record_type, entry.record_id) == ("services.case", str(case.pk))
    assert case.reference in entry.summary
    assert entry.path == url


def test_an_action_on_a_case_is_recorded_as_a_change(client, clerk, case, resident):
    client.force_login(clerk)
    client.post(reverse("services_backoffice:case_milestone", args=[case.pk]), {"milestone-text": "Unterlagen geprüft"})

    entry = entries(action=Action.CHANGE).get()
    assert (entry.actor, entry.subject, entry.record_id) == (clerk, resident, str(case.pk))
    assert "Milestone added" in entry.summary


def test_a_refused_action_changes_nothing_and_records_no_change(client, clerk, case):
    client.force_login(clerk)
    client.post(reverse("services_backoffice:case_message", args=[case.pk]), {"message-body": ""})
    assert not entries(action=Action.CHANGE).exists()


def test_downloading_a_case_document_is_recorded(client, clerk, case, resident):
    document = case.documents.get()
    client.force_login(clerk)
    response = client.get(reverse("services_backoffice:download_document", args=[case.pk, document.pk]))
    assert response.status_code == 200

    entry = entries(action=Action.DOWNLOAD).get()
    assert (entry.subject, entry.record_type, entry.record_id) == (resident, "services.casedocument", str(document.pk))
    assert "ausweis.pdf" in entry.summary


def test_an_export_writes_an_entry_for_each_exported_case(client, clerk, service, case, resident):
    second_person = UserFactory()
    second = submit(service, second_person)
    client.force_login(clerk)

    response = client.get(reverse("services_backoffice:export", args=[service.pk, "csv"]))

    assert response.status_code == 200
    exported = entries(action=Action.EXPORT)
    assert {(e.record_id, e.subject_id) for e in exported} == {
        (str(case.pk), resident.pk),
        (str(second.pk), second_person.pk),
    }
    assert all(e.actor == clerk and "CSV" in e.summary for e in exported)


def test_the_persons_own_access_in_the_account_is_not_recorded(client, case, resident):
    client.force_login(resident)
    assert client.get(f"/en/account/cases/{case.reference}/").status_code == 200
    document = case.documents.get()
    assert client.get(reverse("services:download_document", args=[case.reference, document.pk])).status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_opening_and_saving_a_user_in_the_wagtail_admin_is_recorded(client, administrator, resident):
    client.force_login(administrator)
    url = reverse("wagtailusers_users:edit", args=[resident.pk])
    assert client.get(url).status_code == 200
    view = entries(action=Action.VIEW).get()
    assert (view.actor, view.subject, view.record_type) == (administrator, resident, "useraccount.user")

    form = {"email": resident.email, "first_name": "Rita", "last_name": "Meier", "is_active": "on"}
    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    change = entries(action=Action.CHANGE).get()
    assert (change.actor, change.subject) == (administrator, resident)
    assert entries(action=Action.VIEW).count() == 1  # the save itself is no second reading


def test_the_tax_register_records_every_account_on_the_page(client, resident):
    holders = [resident, UserFactory()]
    for number, holder in enumerate(holders):
        TaxAccount.objects.create(taxpayer_number=f"MW-2026-10{number}", name=str(holder), holder=holder)
    TaxAccount.objects.create(taxpayer_number="MW-2026-999", name="Noch nicht verknüpft")
    reader = staff(permission("services", "view_taxaccount"))
    client.force_login(reader)

    assert client.get("/admin/services/taxaccount/", {"q": "MW-2026"}).status_code == 200

    listed = entries(action=Action.VIEW, record_type="services.taxaccount")
    assert listed.count() == 3
    assert {e.subject_id for e in listed} == {holders[0].pk, holders[1].pk, None}
    assert all("(search: MW-2026)" in e.summary for e in listed)


def test_the_counter_check_records_the_search_the_opening_and_the_verification(client, resident):
    resident.assurance_level = AssuranceLevel.EMAIL
    resident.save()
    clerk = staff(permission("useraccount", "change_activationletter"))
    client.force_login(clerk)

    client.get(reverse("useraccount_activation:counter"), {"q": "rita@"})
    client.get(reverse("useraccount_activation:counter_confirm", args=[resident.pk]))
    client.post(reverse("useraccount_activation:counter_confirm", args=[resident.pk]))

    assert [e.action for e in entries(subject=resident).order_by("pk")] == [Action.VIEW, Action.VIEW, Action.CHANGE]


def test_printing_activation_letters_is_recorded(client, resident):
    resident.street, resident.house_number, resident.postcode, resident.town = "Dorfstrasse", "12", "9999", "Musterwil"
    resident.assurance_level = AssuranceLevel.EMAIL
    resident.save()
    letter, _created = activation.request_letter(resident)
    clerk = staff(permission("useraccount", "change_activationletter"))
    client.force_login(clerk)

    client.get(reverse("useraccount_activation:letters"))
    client.post(reverse("useraccount_activation:print"), {"only": letter.pk})

    assert [e.action for e in entries(subject=resident).order_by("pk")] == [Action.VIEW, Action.EXPORT]


# --- the report ------------------------------------------------------------------------------------------------


def add_entry(actor, subject, action=Action.VIEW, at=None, summary="Case opened"):
    return PersonalDataAccess.objects.create(
        actor=actor,
        actor_label=actor.email,
        subject=subject,
        action=action,
        record_type="services.case",
        record_id="7",
        summary=summary,
        at=at or timezone.now(),
    )


def test_administrators_read_the_trail_in_the_report(client, administrator, clerk, resident):
    add_entry(clerk, resident, summary="Case MW-2026-00007 opened")
    client.force_login(administrator)

    response = client.get(REPORT)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Access to personal data" in html
    assert "clerk@musterwil.example" in html and "rita@example.org" in html
    assert "Case MW-2026-00007 opened" in html and "Viewed" in html


def test_the_report_is_in_the_reports_menu_of_administrators_only(client, administrator, clerk):
    client.force_login(administrator)
    assert REPORT in client.get("/admin/").content.decode()
    client.force_login(clerk)
    assert REPORT not in client.get("/admin/").content.decode()


def test_staff_without_the_permission_cannot_open_the_report(client, clerk, resident):
    add_entry(clerk, resident)
    client.force_login(clerk)
    for url in (REPORT, REPORT + "results/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/admin/"


def test_the_view_permission_opens_the_report_without_being_superuser(client, clerk, resident):
    auditors = Group.objects.create(name="Data protection")
    auditors.permissions.add(permission("useraccount", "view_personaldataaccess"))
    auditor = staff(groups=[auditors])
    add_entry(clerk, resident)
    client.force_login(auditor)
    response = client.get(REPORT)
    assert response.status_code == 200 and "rita@example.org" in response.content.decode()


def test_the_report_filters_by_person_staff_member_action_and_date(client, administrator, clerk, resident):
    other_clerk = staff(email="other.clerk@musterwil.example")
    someone = UserFactory(email="someone@example.org")
    last_week = timezone.now() - datetime.timedelta(days=7)
    add_entry(clerk, resident, summary="alpha")
    add_entry(other_clerk, resident, Action.EXPORT, summary="bravo")
    add_entry(clerk, someone, Action.CHANGE, summary="charlie")
    add_entry(clerk, resident, Action.DOWNLOAD, at=last_week, summary="delta")
    client.force_login(administrator)

    def shown(**params):
        html = client.get(REPORT + "results/", params).content.decode()
        return {word for word in ("alpha", "bravo", "charlie", "delta") if word in html}

    assert shown() == {"alpha", "bravo", "charlie", "delta"}
    assert shown(person="RITA@EXAMPLE") == {"alpha", "bravo", "delta"}
    assert shown(actor=other_clerk.pk) == {"bravo"}
    assert shown(action="change") == {"charlie"}
    today = timezone.localdate().isoformat()
    assert shown(at_from=today, at_to=today) == {"alpha", "bravo", "charlie"}
    assert shown(at_to=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()) == {"delta"}
    assert shown(person="rita", action="view") == {"alpha"}


def test_the_report_shows_times_the_swiss_way(client, administrator, clerk, resident):
    moment = datetime.datetime(2026, 11, 27, 14, 5, tzinfo=datetime.UTC)
    add_entry(clerk, resident, at=moment)
    client.force_login(administrator)
    assert "27.11.2026 15:05" in client.get(REPORT).content.decode()


def test_the_report_lists_without_a_query_per_row(client, administrator, clerk, resident):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(administrator)
    client.get(REPORT)

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(REPORT)
        return len(captured)

    add_entry(clerk, resident)
    few = count()
    for _ in range(10):
        add_entry(clerk, UserFactory())
    assert count() == few

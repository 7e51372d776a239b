"""Delete my account: a fresh login first, an honest explanation, then deletion that keeps what retention
requires (anonymised) and removes the rest — and never touches anyone else's data."""

import datetime
import logging

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from bs4 import BeautifulSoup
from django.contrib.auth import authenticate
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from account import deletion
from account.models import (
    ActivationLetter,
    DataExport,
    Invitation,
    KnownDevice,
    Membership,
    Notification,
    Organisation,
    User,
)
from services.models import Case, CaseMessage, CaseStatus, Certificate, ParkingPermit, Payment, TaxAccount
from tests.account.privacy_data import make_case, remove_stored_files, two_residents_sharing_an_organisation, upload
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def en(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


DELETE = "useraccount:privacy_delete"


@pytest.fixture(autouse=True)
def _remove_files(db):
    yield
    remove_stored_files()


@pytest.fixture
def people(db):
    return two_residents_sharing_an_organisation()


def deleted_name():
    with translation.override("de"):
        return gettext("Deleted person")


def years_ago(years, days=0):
    now = timezone.now()
    return now.replace(year=now.year - years) - datetime.timedelta(days=days)


def closed_case(user, closed_at, title):
    case = make_case(user, status=CaseStatus.COMPLETED, title=title, data={"name": user.get_full_name()})
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    return case


def sign_in_again(client, user):
    """Log in, then answer allauth's reauthentication with the password like a person would."""
    client.force_login(user)
    response = client.post(en("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, "reauthentication failed"


def test_the_page_needs_a_fresh_login(client, people):
    client.force_login(people["anna"].user)

    response = client.get(en(DELETE))

    assert response.status_code == 302
    assert response["Location"] == f"{en('account_reauthenticate')}?next={en(DELETE).replace('/', '%2F')}"
    response = client.post(en("account_reauthenticate"), {"password": PASSWORD, "next": en(DELETE)})
    assert response.status_code == 302 and response["Location"] == en(DELETE)
    assert client.get(en(DELETE)).status_code == 200


def test_a_confirmation_without_a_fresh_login_waits_for_the_password(client, people):
    user = people["anna"].user
    client.force_login(user)

    response = client.post(en(DELETE), {"confirm": "on"})

    assert response.status_code == 302 and response["Location"].startswith(en("account_reauthenticate"))
    user.refresh_from_db()
    assert user.is_active and user.email == "anna.aebischer@example.org"
    # A wrong password changes nothing; the right one completes the confirmed deletion (allauth resumes it).
    client.post(en("account_reauthenticate"), {"password": "wrong-password-1", "next": en(DELETE)})
    user.refresh_from_db()
    assert user.is_active
    response = client.post(en("account_reauthenticate"), {"password": PASSWORD, "next": en(DELETE)})
    assert response.status_code == 302 and response["Location"] == "/en/"
    user.refresh_from_db()
    assert not user.is_active and user.email == f"deleted-{user.pk}@invalid"


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(en(DELETE))
    assert response.status_code == 302 and response["Location"].startswith(en("account_login"))


def test_the_page_explains_what_is_deleted_and_what_stays_and_why(client, people):
    user = people["anna"].user
    closed_case(user, years_ago(11), "Altes Gesuch")
    closed_case(user, years_ago(2), "Neueres Gesuch")
    make_case(user, status=CaseStatus.DRAFT, title="Entwurf")
    sign_in_again(client, user)

    soup = BeautifulSoup(client.get(en(DELETE)).content.decode(), "html.parser")

    deleted = [li.get_text(" ", strip=True) for li in soup.select("#deleted-heading + ul li")]
    assert "Drafts of forms (1)" in deleted
    assert "Closed cases older than 10 years, with their documents and payments (1)" in deleted
    assert any(text.startswith("Your details") for text in deleted)
    kept = {
        dt.get_text(" ", strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in soup.select("dl dt")
    }
    assert "still working on them" in kept["Open cases (1)"]
    assert "keep its business records for 10 years" in kept["Closed cases of the last 10 years (1)"]
    assert "belong to the organisation" in kept["Cases you submitted for an organisation (1)"]
    assert "public document that was issued" in kept["Certificates issued to you (1)"]
    assert "accounting records" in kept["Payments of the cases that are kept (1)"]
    checkbox = soup.select_one("form input[type=checkbox][name=confirm]")
    assert soup.select_one(f"label[for='{checkbox['id']}']").get_text(strip=True).startswith("Yes, delete my account")


def test_confirmation_is_required(client, people):
    user = people["anna"].user
    sign_in_again(client, user)

    response = client.post(en(DELETE), {})

    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active


def test_deletion_keeps_what_retention_requires_and_removes_the_rest(
    client, people, caplog, django_capture_on_commit_callbacks
):
    anna, bruno = people["anna"], people["bruno"]
    user = anna.user
    open_case = anna.personal_case
    recent = closed_case(user, years_ago(3), "Gesuch von 2023")
    old = closed_case(user, years_ago(10, days=1), "Uraltes Gesuch")
    old_document = upload(old, "uralt.pdf", by=user)
    old_storage, old_name = old_document.file.storage, old_document.file.name
    draft = make_case(user, status=CaseStatus.DRAFT, title="Entwurf")
    club_draft = make_case(organisation=people["organisation"], submitted_by=user, status=CaseStatus.DRAFT)
    export = DataExport.objects.create(user=user, status=DataExport.Status.READY, size=3)
    export.file.save("x.zip", ContentFile(b"zip"))
    export_storage, export_name = export.file.storage, export.file.name
    other_client = Client()
    other_client.force_login(user)
    other_client.get(en("useraccount:dashboard"))  # a second browser, tracked as a session
    bruno_before = {
        "cases": list(
            Case.objects.filter(submitted_by=bruno.user).order_by("pk").values_list("pk", "data", "contact_email")
        ),
        "notifications": Notification.objects.filter(user=bruno.user).count(),
        "sessions": UserSession.objects.filter(user=bruno.user).count(),
        "messages": set(CaseMessage.objects.filter(author=bruno.user).values_list("pk", "author_label", "body")),
    }
    sign_in_again(client, user)

    # Stored files are removed once the deletion is committed.
    with caplog.at_level(logging.INFO, logger="account.deletion"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(en(DELETE), {"confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/en/"
    assert "Your account has been deleted" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    name = deleted_name()
    shell = User.objects.get(pk=user.pk)

    # The person's row stays as an empty shell, because kept cases and a permit name it as their owner.
    assert shell.email == f"deleted-{user.pk}@invalid"
    assert (shell.first_name, shell.last_name) == ("", name)
    assert (shell.ahv_number, shell.phone, shell.street, shell.house_number, shell.postcode, shell.town) == ("",) * 6
    assert shell.date_of_birth is None and not shell.has_usable_password() and not shell.is_active

    # Kept: the open case and the one closed within the retention period, anonymised; their payments.
    open_case.refresh_from_db()
    assert open_case.owner_user_id == user.pk
    assert open_case.data["organiser"] == name and open_case.data["email"] == shell.email
    assert open_case.data["remarks"] == "Bemerkung von anna"  # the record of the request itself stays
    assert open_case.contact_email == shell.email
    own_message = open_case.messages.get(author=user)
    assert own_message.author_label == name
    assert Payment.objects.filter(case=open_case).count() == 1
    recent.refresh_from_db()
    assert recent.data == {"name": name}
    # The organisation case stays (it is the organisation's) without her name.
    anna.organisation_case.refresh_from_db()
    assert anna.organisation_case.submitted_by_id == user.pk
    # Deleted: the case past retention with its file, the drafts, the data export with its file.
    assert not Case.objects.filter(pk__in=[old.pk, draft.pk, club_draft.pk]).exists()
    assert not old_storage.exists(old_name)
    assert not DataExport.objects.filter(user=user).exists() and not export_storage.exists(export_name)

    # A certificate stays as issued but no longer linked; the valid parking permit stays; the tax account unlinked.
    certificate = Certificate.objects.get(case=open_case)
    assert certificate.holder is None and certificate.data["name"] == "Anna Aebischer"
    assert ParkingPermit.objects.get(number="PK-2026-0101").holder_id == user.pk
    assert TaxAccount.objects.get(taxpayer_number="MW-2026-100077").holder is None

    # Everything else about her is gone.
    for model in (EmailAddress, Authenticator, SocialAccount, UserSession, KnownDevice, Notification):
        assert not model.objects.filter(user_id=user.pk).exists(), model.__name__
    assert not Membership.objects.filter(user_id=user.pk).exists()
    assert not ActivationLetter.objects.filter(user_id=user.pk).exists()
    assert not Invitation.objects.filter(email__iexact="anna.aebischer@example.org").exists()
    assert not Invitation.objects.filter(invited_by_id=user.pk).exists()

    # Logged out here and in the other browser; nobody can log in as her again.
    for browser in (client, other_client):
        assert browser.get(en("useraccount:dashboard"))["Location"].startswith(en("account_login"))
    assert authenticate(email="anna.aebischer@example.org", password=PASSWORD) is None
    login = client.post(en("account_login"), {"login": "anna.aebischer@example.org", "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in client.session

    # Bruno's data is untouched — also what he wrote in her organisation case.
    assert (
        list(Case.objects.filter(submitted_by=bruno.user).order_by("pk").values_list("pk", "data", "contact_email"))
        == bruno_before["cases"]
    )
    assert Notification.objects.filter(user=bruno.user).count() == bruno_before["notifications"]
    assert UserSession.objects.filter(user=bruno.user).count() == bruno_before["sessions"]
    assert (
        set(CaseMessage.objects.filter(author=bruno.user).values_list("pk", "author_label", "body"))
        == bruno_before["messages"]
    )
    bruno.user.refresh_from_db()
    assert bruno.user.is_active and bruno.user.email == "bruno.zwyssig@example.org"
    assert Membership.objects.get(user=bruno.user).role == Membership.Role.OWNER

    # The log says what was done, under her id, and nothing personal.
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "account.deletion")
    assert f"account {user.pk} deleted" in logged and "row anonymised" in logged
    assert "anna" not in logged.lower() and "aebischer" not in logged.lower()


def test_the_retention_period_is_a_setting(people, settings):
    settings.PORTAL_CASE_RETENTION_YEARS = 2
    user = people["anna"].user
    three_years = closed_case(user, years_ago(3), "Gesuch von 2023")
    one_year = closed_case(user, years_ago(1), "Gesuch vom letzten Jahr")

    deletion.delete_account(user)

    assert not Case.objects.filter(pk=three_years.pk).exists()
    assert Case.objects.filter(pk=one_year.pk).exists()


def test_without_anything_to_keep_the_person_is_deleted_entirely(db):
    user = UserFactory(email="kurz@example.org", first_name="Kurt", last_name="Kurzweil")
    make_case(user, status=CaseStatus.DRAFT, title="Entwurf")
    closed_case(user, years_ago(12), "Uralt")
    organisation = OrganisationFactory(name="Einmannverein")
    MembershipFactory(organisation=organisation, user=user, role=Membership.Role.OWNER)

    result = deletion.delete_account(user)

    assert result.row_deleted
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Case.objects.filter(title__in=["Entwurf", "Uralt"]).exists()
    # An organisation left without members and without cases goes with its last member.
    assert not Organisation.objects.filter(pk=organisation.pk).exists()


def test_an_organisation_with_cases_stays_when_its_last_member_leaves(db):
    user = UserFactory()
    organisation = OrganisationFactory(name="Verein mit Akten")
    MembershipFactory(organisation=organisation, user=user, role=Membership.Role.OWNER)
    case = make_case(organisation=organisation, submitted_by=user)

    deletion.delete_account(user)

    assert Organisation.objects.filter(pk=organisation.pk).exists()
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_only_owner_of_an_organisation_with_members_is_refused(client, people):
    bruno = people["bruno"].user
    sign_in_again(client, bruno)

    page = client.get(en(DELETE))
    soup = BeautifulSoup(page.content.decode(), "html.parser")
    alert = soup.select_one(".alert--error").get_text(" ", strip=True)
    assert "You are the only owner of Turnverein Beispielwil, which has other members" in alert
    assert "Make another member owner first" in alert
    assert soup.select_one("form input[name=confirm]") is None

    response = client.post(en(DELETE), {"confirm": "on"})
    assert response.status_code == 200
    bruno.refresh_from_db()
    assert bruno.is_active and Membership.objects.filter(user=bruno).exists()
    with pytest.raises(deletion.DeletionRefused):
        deletion.delete_account(bruno)

    # Once Anna is an owner too, Bruno may go; the organisation stays with her.
    Membership.objects.filter(user=people["anna"].user).update(role=Membership.Role.OWNER)
    deletion.delete_account(bruno)
    assert list(Membership.objects.filter(organisation=people["organisation"]).values_list("user", flat=True)) == [
        people["anna"].user.pk
    ]


def test_back_office_accounts_are_refused(client):
    clerk = UserFactory(is_staff=True, language="en")

    with pytest.raises(deletion.DeletionRefused) as refused:
        deletion.delete_account(clerk)

    assert "administrator" in str(refused.value)
    clerk.refresh_from_db()
    assert clerk.is_active


def test_only_whole_names_and_addresses_are_replaced(db):
    user = UserFactory(first_name="Anna", last_name="Aebischer", email="anna@example.org")
    replacement = deletion.Replacement.for_user(user)

    assert replacement.text("Anna Aebischer (ANNA@example.org), Aebischer, Anna and Anna Muster") == (
        f"{replacement.name} (deleted-{user.pk}@invalid), {replacement.name} and Anna Muster"
    )
    assert replacement.data({"a": ["Anna Aebischer", 3], "b": {"c": "anna@example.org"}}) == {
        "a": [replacement.name, 3],
        "b": {"c": f"deleted-{user.pk}@invalid"},
    }

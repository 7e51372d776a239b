"""The tax account: activation by number and letter code, what the resident sees, the dashboard, the demo."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from account import link_codes
from account.models import Notification
from services import tax
from services.demo_tax import DEMO_ACTIVATION_CODE, DEMO_NUMBER, DEMO_TRY_NUMBER, ensure_demo_tax
from services.models import TaxAccount, TaxDocument, TaxEntry
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
NUMBER = "MW-2026-555001"
WRONG = "Taxpayer number or activation code is wrong."


@pytest.fixture(autouse=True)
def english():
    # Texts are asserted in the English source; reverse() gives the /en/ URLs, so pages answer in English.
    with translation.override("en"):
        yield


def tax_url():
    return reverse("tax:account")


def entry(external_id, kind="instalment", amount=50_000, year=2026, **extra):
    return {
        "external_id": external_id,
        "kind": kind,
        "tax_year": year,
        "description": extra.pop("description", f"Eintrag {external_id}"),
        "amount_rappen": amount,
        "due_date": extra.pop("due_date", None),
        "booked_on": extra.pop("booked_on", None),
        "is_paid": extra.pop("is_paid", False),
    }


@pytest.fixture
def account(db):
    account, _ = tax.upsert_account(
        NUMBER,
        name="Muster Anna",
        balance_rappen=150_000,
        balance_date=datetime.date(2026, 11, 1),
        entries=[
            entry("R1", due_date=datetime.date(2026, 5, 31), is_paid=True, description="1. Rate 2026"),
            entry("R2", due_date=datetime.date(2026, 12, 31), description="2. Rate 2026"),
            entry("Z1", kind="payment", amount=-50_000, booked_on=datetime.date(2026, 5, 28), description="Zahlung"),
            entry("SR", kind="invoice", amount=99_900, year=2025, description="Schlussrechnung 2025"),
        ],
    )
    return account


@pytest.fixture
def code(account):
    return tax.set_activation_code(account)


# --- activation codes and activation ------------------------------------------------------------------


def test_a_code_is_twelve_unambiguous_characters_in_groups_and_only_its_hash_is_stored(account):
    code = tax.set_activation_code(account)

    assert len(code) == 14 and code.count("-") == 2
    assert all(ch in link_codes.ALPHABET for ch in code.replace("-", ""))
    assert not set("01OIL") & set(code)
    account.refresh_from_db()
    assert code not in account.activation_code_digest and code.replace("-", "") not in account.activation_code_digest
    assert account.activation_code_expires_at > timezone.now() + datetime.timedelta(days=89)


def test_activation_links_the_account_clears_the_code_and_notifies(account, code, resident):
    activated = tax.activate(resident, f"  {NUMBER.lower()} ", code.lower().replace("-", " "))

    account.refresh_from_db()
    assert activated == account
    assert account.holder == resident and account.activated_at is not None
    assert account.activation_code_digest == "" and account.activation_code_expires_at is None
    assert TaxAccount.objects.visible_to(resident).get() == account
    assert Notification.objects.filter(user=resident, kind="tax", url__endswith="/account/tax/").exists()


def test_the_code_is_single_use(account, code, resident):
    tax.activate(resident, NUMBER, code)

    with pytest.raises(tax.ActivationError, match=WRONG):
        tax.activate(UserFactory(), NUMBER, code)


def test_wrong_number_and_wrong_code_read_the_same_and_wrong_codes_are_counted(account, code, resident):
    with pytest.raises(tax.ActivationError) as unknown:
        tax.activate(resident, "MW-0000-000000", code)
    with pytest.raises(tax.ActivationError) as wrong:
        tax.activate(resident, NUMBER, "AAAA-BBBB-CCCC")

    assert str(unknown.value) == str(wrong.value) == WRONG
    account.refresh_from_db()
    assert account.failed_activation_attempts == 1
    assert account.holder is None


def test_an_expired_code_is_refused(account, code, resident):
    TaxAccount.objects.filter(pk=account.pk).update(activation_code_expires_at=timezone.now() - datetime.timedelta(1))

    with pytest.raises(tax.ActivationError, match="expired"):
        tax.activate(resident, NUMBER, code)
    assert not TaxAccount.objects.visible_to(resident).exists()


def test_five_wrong_codes_lock_the_account_until_a_new_code(account, code, resident):
    for _attempt in range(5):
        with pytest.raises(tax.ActivationError):
            tax.activate(resident, NUMBER, "AAAA-BBBB-CCCC")

    with pytest.raises(tax.ActivationError, match=WRONG):
        tax.activate(resident, NUMBER, code)  # even the right code: locked

    new_code = tax.set_activation_code(account)
    account.refresh_from_db()
    assert account.failed_activation_attempts == 0
    assert tax.activate(resident, NUMBER, new_code).holder == resident


def test_someone_elses_linked_account_cannot_be_taken(account, code, resident):
    tax.activate(resident, NUMBER, code)
    new_code = tax.set_activation_code(account)  # e.g. a second letter went to the household
    intruder = UserFactory()

    with pytest.raises(tax.ActivationError, match="already linked"):
        tax.activate(intruder, NUMBER, new_code)
    account.refresh_from_db()
    assert account.holder == resident
    assert not TaxAccount.objects.visible_to(intruder).exists()


def test_attempts_are_rate_limited_per_person(account, code, resident):
    for _attempt in range(tax.RATE_LIMIT_ATTEMPTS):
        with pytest.raises(tax.ActivationError):
            tax.activate(resident, "MW-0000-000000", "AAAA-BBBB-CCCC")

    with pytest.raises(tax.ActivationError, match="Too many attempts"):
        tax.activate(resident, NUMBER, code)
    # Another person is not affected.
    assert tax.activate(UserFactory(), NUMBER, code).activated_at


def test_a_linked_but_not_activated_row_shows_nothing(account, resident):
    TaxAccount.objects.filter(pk=account.pk).update(holder=resident, activated_at=None)

    assert not TaxAccount.objects.visible_to(resident).exists()


# --- upserts and documents ----------------------------------------------------------------------------


def test_upsert_is_idempotent_and_keeps_unsent_entries_unless_replaced(account):
    before = list(account.entries.order_by("external_id").values())

    again, created = tax.upsert_account(
        NUMBER, name="Muster Anna", balance_rappen=150_000, balance_date=datetime.date(2026, 11, 1), entries=[]
    )
    assert created is False and again.pk == account.pk
    assert list(account.entries.order_by("external_id").values()) == before

    tax.upsert_account(
        NUMBER,
        name="Muster Anna",
        balance_rappen=100_000,
        balance_date=datetime.date(2026, 11, 2),
        entries=[entry("R2", due_date=datetime.date(2026, 12, 31), is_paid=True, description="2. Rate 2026")],
        replace_entries=True,
    )
    assert list(account.entries.values_list("external_id", "is_paid")) == [("R2", True)]

    with pytest.raises(tax.TaxError, match="Unknown entry kind"):
        tax.upsert_account(NUMBER, name="x", balance_rappen=0, balance_date=None, entries=[entry("X", kind="fine")])


def test_documents_are_checked_and_delivered_once(account):
    with pytest.raises(ValidationError) as refused:
        tax.add_document(account, "D0", ContentFile(EXE, name="rechnung.pdf"), "Rechnung", 2026)
    assert refused.value.code == "file_content"

    document, created = tax.add_document(account, "D1", ContentFile(PDF, name="rechnung.pdf"), "Rechnung", 2026)
    again, created_again = tax.add_document(account, "D1", ContentFile(PDF, name="other.pdf"), "Rechnung", 2026)

    assert created and not created_again and again.pk == document.pk
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert TaxDocument.objects.filter(account=account).count() == 1


# --- what the resident sees ---------------------------------------------------------------------------


def test_before_activation_the_page_explains_and_shows_nothing(client, account, resident):
    TaxAccount.objects.filter(pk=account.pk).update(holder=resident)  # linked but not activated
    client.force_login(resident)

    html = client.get(tax_url()).content.decode()

    assert "Activate your tax account" in html
    assert 'name="taxpayer_number"' in html and 'name="code"' in html
    assert NUMBER not in html and "2. Rate 2026" not in html and "Muster Anna" not in html


def test_activation_through_the_page_then_balance_entries_and_documents(client, account, code, resident, soup):
    document, _ = tax.add_document(account, "D1", ContentFile(PDF, name="rechnung.pdf"), "Steuerrechnung 2026", 2026)
    client.force_login(resident)

    refused = client.post(tax_url(), {"taxpayer_number": NUMBER, "code": "AAAA-BBBB-CCCC"})
    assert WRONG in refused.content.decode()
    assert "2. Rate 2026" not in refused.content.decode()

    response = client.post(tax_url(), {"taxpayer_number": NUMBER, "code": code}, follow=True)

    page = soup(response)
    text = page.get_text(" ", strip=True)
    assert "Your tax account is activated." in text
    assert f"Tax account {NUMBER}" in text
    assert "CHF 1’500.00" in text
    assert "2. Rate 2026" in text and "Zahlung" in text and "Schlussrechnung 2025" in text
    assert "Tax year 2026" in text and "Tax year 2025" in text
    open_table = page.find(id=f"tax-open-{account.pk}").find_next("table")
    assert "2. Rate 2026" in open_table.get_text() and "1. Rate 2026" not in open_table.get_text()
    payment_row = page.find("th", string="Zahlung").find_parent("tr").get_text(" ", strip=True)
    assert "Payment" in payment_row and "CHF -500.00" in payment_row and "booked" in payment_row
    paid_row = page.find_all("th", string="1. Rate 2026")[-1].find_parent("tr").get_text(" ", strip=True)
    assert "Paid" in paid_row
    link = page.find("a", string="Steuerrechnung 2026")
    assert link["href"] == reverse("tax:document", args=[document.pk])

    download = client.get(link["href"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    document.refresh_from_db()
    assert document.read_at is not None


def test_a_credit_is_shown_as_credit(client, account, code, resident):
    tax.activate(resident, NUMBER, code)
    TaxAccount.objects.filter(pk=account.pk).update(balance_rappen=-12_345)
    client.force_login(resident)

    html = client.get(tax_url()).content.decode()

    assert "CHF 123.45" in html and "credit" in html
    assert "CHF -123.45" not in html


def test_documents_download_only_for_the_holder(client, account, code, resident):
    document, _ = tax.add_document(account, "D1", ContentFile(PDF, name="rechnung.pdf"), "Steuerrechnung", 2026)
    url = reverse("tax:document", args=[document.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 404  # not yet activated

    tax.activate(resident, NUMBER, code)
    assert client.get(url).status_code == 200

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# --- dashboard ----------------------------------------------------------------------------------------


def tax_section(client):
    response = client.get(reverse("useraccount:dashboard"))
    return next(item for item in response.context["sections"] if item["section"].key == "tax"), response


def test_dashboard_invites_to_activate_before_and_shows_balance_after(client, account, code, resident):
    client.force_login(resident)
    section, response = tax_section(client)
    assert section["context"]["accounts"] == []
    assert "Activate your tax account" in response.content.decode()

    tax.activate(resident, NUMBER, code)
    section, response = tax_section(client)

    html = response.content.decode()
    assert section["context"]["next_instalment"].external_id == "R2"
    assert "CHF 1’500.00" in html and "CHF 500.00" in html and "31.12.2026" in html


def test_dashboard_section_is_hidden_while_acting_for_an_organisation(client, account, code, resident):
    from account.acting_context import SESSION_KEY
    from tests.factories import MembershipFactory

    tax.activate(resident, NUMBER, code)
    membership = MembershipFactory(user=resident, role="admin")
    client.force_login(resident)
    session = client.session
    session[SESSION_KEY] = membership.organisation_id
    session.save()

    response = client.get(reverse("useraccount:dashboard"))

    assert "tax" not in [item["section"].key for item in response.context["sections"]]
    assert "CHF 1’500.00" not in response.content.decode()


def test_dashboard_section_needs_the_same_queries_however_many_entries(
    client, account, code, resident, django_assert_max_num_queries
):
    from account.dashboard import sections

    tax.activate(resident, NUMBER, code)
    client.force_login(resident)
    request = client.get(reverse("useraccount:dashboard")).wsgi_request
    section = next(item for item in sections() if item.key == "tax")
    with django_assert_max_num_queries(2):
        section.get_context(request)
    tax.upsert_account(
        NUMBER,
        name="Muster Anna",
        balance_rappen=0,
        balance_date=None,
        entries=[entry(f"X{n}", due_date=datetime.date(2027, 1, n + 1)) for n in range(20)],
    )
    with django_assert_max_num_queries(2):
        section.get_context(request)


# --- demo ---------------------------------------------------------------------------------------------


def test_the_demo_is_idempotent_and_its_second_account_activates_with_the_readme_code(resident):
    first = ensure_demo_tax(resident)
    second = ensure_demo_tax(resident)

    activated, to_try = second
    assert [a.pk for a in first] == [a.pk for a in second]
    assert activated.taxpayer_number == DEMO_NUMBER and activated.holder == resident
    assert activated.balance_rappen == 124_050
    assert activated.entries.filter(kind=TaxEntry.Kind.INSTALMENT, tax_year=2026).count() == 3
    assert activated.entries.filter(kind=TaxEntry.Kind.INSTALMENT, is_paid=True, tax_year=2026).count() == 1
    assert activated.entries.filter(kind=TaxEntry.Kind.PAYMENT).exists()
    document = activated.documents.get()
    assert document.title == "Provisorische Steuerrechnung 2026"
    assert document.file.open("rb").read(5) == b"%PDF-"
    assert to_try.holder is None and not TaxAccount.objects.visible_to(resident).filter(pk=to_try.pk).exists()

    newcomer = UserFactory()
    assert tax.activate(newcomer, DEMO_TRY_NUMBER, DEMO_ACTIVATION_CODE).holder == newcomer


# --- back office --------------------------------------------------------------------------------------


def tax_staff(*codenames):
    from django.contrib.auth.models import Permission

    person = UserFactory(is_staff=True)
    person.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *[Permission.objects.get(content_type__app_label="services", codename=name) for name in codenames],
    )
    return person


def test_the_office_lists_accounts_and_issues_a_code_shown_once(client, account, resident, soup):
    client.force_login(tax_staff("view_taxaccount", "change_taxaccount"))

    listing = client.get(reverse("services_taxaccount_modeladmin_index"))
    assert listing.status_code == 200
    assert NUMBER in listing.content.decode() and "CHF 1’500.00" in listing.content.decode()
    confirm_url = reverse("tax_admin:confirm_code", args=[account.pk])
    assert confirm_url in listing.content.decode()
    assert client.get(confirm_url).status_code == 200

    issued = client.post(reverse("tax_admin:issue_code", args=[account.pk]))

    code = soup(issued).find(id="activation-code").get_text(strip=True)
    assert "no-store" in issued["Cache-Control"]
    assert tax.activate(resident, NUMBER, code).holder == resident


def test_viewing_staff_cannot_issue_codes_and_others_see_nothing(client, account):
    client.force_login(tax_staff("view_taxaccount"))
    listing = client.get(reverse("services_taxaccount_modeladmin_index"))
    assert listing.status_code == 200
    assert reverse("tax_admin:confirm_code", args=[account.pk]) not in listing.content.decode()
    assert client.post(reverse("tax_admin:issue_code", args=[account.pk])).status_code in (302, 403)

    client.force_login(tax_staff())
    assert client.get(reverse("services_taxaccount_modeladmin_index")).status_code in (302, 403)
    account.refresh_from_db()
    assert account.activation_code_digest == ""

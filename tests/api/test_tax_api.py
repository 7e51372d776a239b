"""The tax account API: upserts by the tax application, documents, activation codes, scopes and audit."""

import pytest

from integrations.models import ApiAuditEntry, IdempotencyRecord
from services import tax
from services.models import TaxAccount, TaxDocument
from tests.api.helpers import EXE, assert_problem, pdf, upload
from tests.factories import UserFactory
from tests.integration_fixtures import bearer

NUMBER = "MW-2026-777001"
URL = f"/api/v1/tax-accounts/{NUMBER}"

BODY = {
    "name": "Muster Anna",
    "balanceRappen": 124_050,
    "balanceDate": "2026-11-01",
    "entries": [
        {
            "externalId": "R1",
            "kind": "instalment",
            "taxYear": 2026,
            "description": "1. Rate 2026",
            "amountRappen": 124_050,
            "dueDate": "2026-05-31",
            "isPaid": True,
        },
        {
            "externalId": "Z1",
            "kind": "payment",
            "taxYear": 2026,
            "description": "Zahlung 1. Rate",
            "amountRappen": -124_050,
            "bookedOn": "2026-05-27",
        },
        {
            "externalId": "R2",
            "kind": "instalment",
            "taxYear": 2026,
            "description": "2. Rate 2026",
            "amountRappen": 124_050,
            "dueDate": "2026-12-31",
        },
    ],
}


@pytest.fixture
def tax_app(make_application):
    return make_application(read=["tax_accounts"], write=["tax_accounts"], name="NEST Steuern")


@pytest.fixture
def tax_api(tax_app):
    return bearer(tax_app[1])


@pytest.fixture
def reader(make_application):
    return bearer(make_application(read=["tax_accounts"], write=[])[1])


@pytest.fixture
def cases_only(make_application):
    return bearer(make_application(read=["cases"], write=["cases"])[1])


def state(number=NUMBER):
    account = TaxAccount.objects.get(taxpayer_number=number)
    entries = sorted(account.entries.values_list("external_id", "kind", "amount_rappen", "is_paid", "due_date"))
    return account.name, account.balance_rappen, entries


def test_upsert_creates_then_updates_and_the_same_put_twice_leaves_the_same_state(tax_api, reader):
    created = tax_api.put(URL, BODY, format="json")

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["taxpayerNumber"] == NUMBER and data["linked"] is False and data["activatedAt"] is None
    assert [entry["externalId"] for entry in data["entries"]] == ["R1", "Z1", "R2"]
    assert data["entries"][0] == {
        "externalId": "R1",
        "kind": "instalment",
        "taxYear": 2026,
        "description": "1. Rate 2026",
        "amountRappen": 124_050,
        "dueDate": "2026-05-31",
        "bookedOn": None,
        "isPaid": True,
    }
    first_state = state()

    again = tax_api.put(URL, BODY, format="json")
    assert again.status_code == 200
    assert state() == first_state
    assert again.json() == data  # updatedAt included: nothing changed

    # An entry changes by its externalId; entries not sent stay.
    update = {**BODY, "balanceRappen": 0, "entries": [{**BODY["entries"][2], "isPaid": True}]}
    assert tax_api.put(URL, update, format="json").status_code == 200
    name, balance, entries = state()
    assert balance == 0 and len(entries) == 3 and entries[1][:4] == ("R2", "instalment", 124_050, True)

    # replaceEntries drops what was not sent.
    tax_api.put(URL, {**update, "replaceEntries": True}, format="json")
    assert [row[0] for row in state()[2]] == ["R2"]

    read = reader.get(URL)
    assert read.status_code == 200
    assert read.json()["balanceRappen"] == 0 and [e["externalId"] for e in read.json()["entries"]] == ["R2"]


def test_the_account_json_says_linked_but_never_who(tax_api, resident):
    tax_api.put(URL, BODY, format="json")
    account = TaxAccount.objects.get()
    tax.activate(resident, NUMBER, tax.set_activation_code(account))

    data = tax_api.get(URL).json()

    assert data["linked"] is True and data["activatedAt"]
    assert set(data) == {
        "taxpayerNumber",
        "name",
        "balanceRappen",
        "balanceDate",
        "linked",
        "activatedAt",
        "updatedAt",
        "entries",
        "documents",
    }
    assert resident.email not in str(data) and resident.first_name not in str(data).replace("Muster Anna", "")


def test_invalid_upserts_are_problems(tax_api):
    bad_kind = {**BODY, "entries": [{**BODY["entries"][0], "kind": "fine"}]}
    body = assert_problem(tax_api.put(URL, bad_kind, format="json"), 400, "validation-error")
    assert body["errors"][0]["field"].startswith("entries")

    twice = {**BODY, "entries": [BODY["entries"][0], BODY["entries"][0]]}
    assert_problem(tax_api.put(URL, twice, format="json"), 400, "validation-error")
    assert not TaxAccount.objects.exists()


def test_an_idempotency_key_replays_a_put(tax_api):
    first = tax_api.put(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="tax-1")
    second = tax_api.put(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="tax-1")

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    other = tax_api.put(URL, {**BODY, "name": "Andere"}, format="json", HTTP_IDEMPOTENCY_KEY="tax-1")
    assert_problem(other, 422, "idempotency-key-reused")
    assert TaxAccount.objects.get().name == "Muster Anna"


def test_a_document_is_delivered_once_by_external_id_and_fake_files_are_refused(tax_api):
    tax_api.put(URL, BODY, format="json")
    url = f"{URL}/documents"

    refused = tax_api.post(url, {"file": upload("rechnung.pdf", EXE), "externalId": "D1", "title": "Rechnung"})
    assert_problem(refused, 415, "file-content-mismatch")
    assert not TaxDocument.objects.exists()

    payload = {"file": pdf("rechnung.pdf"), "externalId": "D1", "title": "Provisorische Rechnung", "taxYear": 2026}
    created = tax_api.post(url, payload)
    assert created.status_code == 201, created.content
    assert created.json()["externalId"] == "D1" and created.json()["contentType"] == "application/pdf"
    again = tax_api.post(url, {**payload, "file": pdf("rechnung.pdf")})
    assert again.status_code == 200
    assert TaxDocument.objects.count() == 1
    assert [d["title"] for d in tax_api.get(URL).json()["documents"]] == ["Provisorische Rechnung"]

    missing = tax_api.post("/api/v1/tax-accounts/MW-0000-1/documents", {"file": pdf(), "externalId": "D9"})
    assert_problem(missing, 404)


def test_the_activation_code_endpoint_returns_a_working_code(tax_api, resident):
    tax_api.put(URL, BODY, format="json")

    response = tax_api.post(f"{URL}/activation-code", {}, format="json", HTTP_IDEMPOTENCY_KEY="code-1")

    assert response.status_code == 201, response.content
    code = response.json()["activationCode"]
    assert response.json()["validUntil"] and response["Cache-Control"] == "no-store"
    # The code is nowhere in the database: not in the account, not in an idempotency record.
    account = TaxAccount.objects.get()
    assert code not in account.activation_code_digest
    assert not IdempotencyRecord.objects.filter(key="code-1").exists()
    assert tax.activate(resident, NUMBER, code).holder == resident
    assert tax_api.get(URL).json()["linked"] is True


def test_a_new_code_replaces_the_old_one(tax_api):
    tax_api.put(URL, BODY, format="json")
    old = tax_api.post(f"{URL}/activation-code", format="json").json()["activationCode"]
    new = tax_api.post(f"{URL}/activation-code", {"validDays": 30}, format="json").json()["activationCode"]

    with pytest.raises(tax.ActivationError):
        tax.activate(UserFactory(), NUMBER, old)
    assert tax.activate(UserFactory(), NUMBER, new).activated_at


def test_applications_without_the_tax_scope_get_404_on_reads_and_403_on_writes(tax_api, cases_only, reader):
    tax_api.put(URL, BODY, format="json")

    assert_problem(cases_only.get(URL), 404)
    assert_problem(cases_only.put(URL, BODY, format="json"), 403, "insufficient-scope")
    assert_problem(cases_only.post(f"{URL}/activation-code", format="json"), 403, "insufficient-scope")
    assert_problem(cases_only.post(f"{URL}/documents", {"file": pdf(), "externalId": "D1"}), 403, "insufficient-scope")
    # Read permission alone reads but does not write.
    assert reader.get(URL).status_code == 200
    assert_problem(reader.put(URL, {**BODY, "name": "Fremd"}, format="json"), 403, "insufficient-scope")
    assert TaxAccount.objects.get().name == "Muster Anna"
    assert_problem(tax_api.get("/api/v1/tax-accounts/MW-0000-1"), 404)


def test_calls_are_audited_with_the_account_as_subject(tax_api, tax_app):
    tax_api.put(URL, BODY, format="json")
    tax_api.get(URL)
    tax_api.post(f"{URL}/activation-code", format="json")

    entries = list(ApiAuditEntry.objects.filter(application=tax_app[0]).order_by("id"))

    assert [(e.method, e.action, e.subject_type, e.subject_ref, e.status_code) for e in entries] == [
        ("PUT", "tax_account.upsert", "tax_account", NUMBER, 201),
        ("GET", "tax_account.read", "tax_account", NUMBER, 200),
        ("POST", "tax_account.activation_code", "tax_account", NUMBER, 201),
    ]

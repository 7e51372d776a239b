"""The utility records API: bulk upsert by the billing application, documents, activation codes, reads and scopes."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from account.acting_context import ActingContext
from integrations.api import utility_records
from integrations.models import ApiAuditEntry
from tests.api.helpers import EXE, assert_problem, pdf, upload
from tests.factories import UserFactory
from tests.integration_fixtures import PDF, bearer
from utilities import linking, records_sync
from utilities.models import Contract, Invoice, Meter, UtilityCustomer

pytestmark = pytest.mark.django_db

URL = "/api/v1/utility-records"


@pytest.fixture
def utility_app(make_application):
    """The utility's billing and metering application: utility records and meter readings, nothing else."""
    return make_application(
        read=["utility_records", "meter_readings"], write=["utility_records", "meter_readings"], name="Abrechnung EW"
    )


@pytest.fixture
def utility_api(utility_app):
    return bearer(utility_app[1])


@pytest.fixture
def cases_only(make_application):
    return bearer(make_application(read=["cases"], write=["cases"])[1])


def body():
    return {
        "customers": [
            {
                "customerNumber": "100200",
                "name": "Anna Halter",
                "billingAddress": {
                    "street": "Seestrasse",
                    "houseNumber": "21",
                    "postcode": "9999",
                    "town": "Musterwil",
                },
            },
            {"customerNumber": "100300", "name": "Bruno Nachbar"},
        ],
        "contracts": [
            {
                "contractNumber": "EL-100200-1",
                "customerNumber": "100200",
                "medium": "electricity",
                "tariffName": "Musterwil Strom Natur",
                "energyPrice": "27.4500",
                "baseFeeRappen": 1500,
                "feedInPrice": "9.5",
                "startsOn": "2026-01-01",
            }
        ],
        "meters": [
            {
                "meterNumber": "E-1001",
                "customerNumber": "100200",
                "contractNumber": "EL-100200-1",
                "medium": "electricity",
                "unit": "kWh",
                "kind": "smart",
                "location": "Keller",
                "hasExport": True,
            },
            {
                "meterNumber": "W-2001",
                "customerNumber": "100200",
                "medium": "water",
                "unit": "m3",
                "kind": "manual",
                "readingDueOn": "2026-12-31",
            },
        ],
        "invoices": [
            {
                "invoiceNumber": "R-2026-0002",
                "customerNumber": "100200",
                "contractNumber": "EL-100200-1",
                "periodStart": "2026-07-01",
                "periodEnd": "2026-09-30",
                "issuedOn": "2026-10-05",
                "amountRappen": 31285,
                "dueOn": "2026-11-04",
                "qrReference": "21 00000 00003 13947 14300 09017",
            },
            {
                "invoiceNumber": "R-2026-0001",
                "customerNumber": "100200",
                "periodStart": "2026-04-01",
                "periodEnd": "2026-06-30",
                "issuedOn": "2026-07-05",
                "amountRappen": 24550,
                "dueOn": "2026-08-04",
                "status": "paid",
                "paidOn": "2026-07-30",
            },
        ],
    }


def counts(created=0, updated=0, unchanged=0):
    return {"created": created, "updated": updated, "unchanged": unchanged}


@pytest.fixture
def delivered(utility_api):
    response = utility_api.post(URL, body(), format="json")
    assert response.status_code == 200, response.content
    return response


def test_a_delivery_creates_the_records_the_same_body_changes_nothing_and_a_change_updates_one(utility_api, delivered):
    assert delivered.json() == {
        "customers": counts(created=2),
        "contracts": counts(created=1),
        "meters": counts(created=2),
        "invoices": counts(created=2),
    }
    contract = Contract.objects.get(contract_number="EL-100200-1")
    assert (str(contract.energy_price), str(contract.feed_in_price), contract.customer.name) == (
        "27.4500",
        "9.5000",
        "Anna Halter",
    )
    assert Invoice.objects.get(invoice_number="R-2026-0002").qr_reference == "210000000003139471430009017"
    assert Meter.objects.get(meter_number="W-2001").contract is None

    again = utility_api.post(URL, body(), format="json")
    assert again.json() == {name: counts(unchanged=len(rows)) for name, rows in body().items()}

    changed = body()
    changed["meters"][1]["location"] = "Waschküche"
    response = utility_api.post(URL, changed, format="json")
    assert response.json()["meters"] == counts(updated=1, unchanged=1)
    assert Meter.objects.get(meter_number="W-2001").location == "Waschküche"
    audit = ApiAuditEntry.objects.filter(action="utility_records.upsert")
    assert list(audit.values_list("status_code", "subject_type")) == [(200, "utility_records")] * 3


def test_invalid_rows_are_refused_as_a_whole_with_pointers(utility_api, delivered):
    UtilityCustomer.objects.create(customer_number="100400", name="Clara Dritt")
    bad = body()
    bad["contracts"][0]["medium"] = "steam"
    bad["invoices"][0]["periodEnd"] = "2026-06-30"
    bad["invoices"][1]["qrReference"] = "12345"
    bad["meters"][1]["unit"] = "kWh"
    bad["contracts"][0]["baseFeeRappen"] = 10**12

    response = utility_api.post(URL, bad, format="json")

    problem = assert_problem(response, 400, "validation-error")
    assert {(error["pointer"], error["code"]) for error in problem["errors"]} == {
        ("#/contracts/0/medium", "invalid_choice"),
        ("#/contracts/0/baseFeeRappen", "max_value"),
        ("#/invoices/0/periodEnd", "invalid"),
        ("#/invoices/1/qrReference", "invalid"),
        ("#/meters/1/unit", "invalid"),
    }

    moved = body()
    moved["meters"][0]["customerNumber"] = "100400"  # a stored meter may not move to another customer
    moved["meters"][0].pop("contractNumber")
    moved["invoices"][1]["customerNumber"] = "404"
    moved["customers"][0]["name"] = "Anna Halter-Meier"

    response = utility_api.post(URL, moved, format="json")

    problem = assert_problem(response, 400, "validation-error")
    assert problem["detail"] == "2 row(s) are invalid; nothing was written."
    assert [(error["pointer"], error["code"]) for error in problem["errors"]] == [
        ("#/meters/0/customerNumber", "customer-change"),
        ("#/invoices/1/customerNumber", "unknown-customer"),
    ]
    assert UtilityCustomer.objects.get(customer_number="100200").name == "Anna Halter"


def test_more_than_ten_thousand_rows_in_a_list_are_refused(utility_api):
    rows = [{"customerNumber": str(n), "name": "x"} for n in range(utility_records.MAX_ROWS + 1)]

    problem = assert_problem(utility_api.post(URL, {"customers": rows}, format="json"), 400, "validation-error")

    assert problem["errors"][0]["pointer"] == "#/customers"
    assert not UtilityCustomer.objects.exists()


def test_a_concurrent_change_is_a_conflict_to_retry(utility_api, monkeypatch):
    def collide(data):
        raise IntegrityError("UNIQUE constraint failed: utilities_meter.meter_number")

    monkeypatch.setattr(records_sync, "upsert", collide)

    response = utility_api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="batch-1")

    assert_problem(response, 409, "concurrent-update")
    monkeypatch.undo()
    retried = utility_api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried


def test_the_customer_reads_with_contracts_meters_open_invoices_and_whether_linked_never_who(utility_api, delivered):
    url = "/api/v1/utility-customers/100%20200"
    with CaptureQueriesContext(connection) as captured:
        response = utility_api.get(url)

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["customerNumber"] == "100200" and data["linked"] is False
    assert data["billingAddress"] == {
        "street": "Seestrasse",
        "houseNumber": "21",
        "postcode": "9999",
        "town": "Musterwil",
        "country": "CH",
    }
    assert [contract["contractNumber"] for contract in data["contracts"]] == ["EL-100200-1"]
    assert data["contracts"][0]["energyPrice"] == "27.4500" and data["contracts"][0]["hasTermsDocument"] is False
    assert [meter["meterNumber"] for meter in data["meters"]] == ["E-1001", "W-2001"]
    assert data["meters"][0]["contractNumber"] == "EL-100200-1" and data["meters"][1]["contractNumber"] is None
    assert [invoice["invoiceNumber"] for invoice in data["openInvoices"]] == ["R-2026-0002"]
    selects = [query for query in captured if query["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 8  # auth, the customer, its contracts, meters and open invoices: not one per row

    person = UserFactory(email="anna@example.org", language="en")
    code = utility_api.post("/api/v1/utility-customers/100200/activation-code", format="json").json()
    linking.link(ActingContext(user=person), "100200", code["activationCode"])
    linked = utility_api.get(url).json()
    assert linked["linked"] is True
    assert set(linked) == {"customerNumber", "name", "billingAddress", "linked", "contracts", "meters", "openInvoices"}
    assert "anna@example.org" not in response.content.decode() + str(linked)
    assert_problem(utility_api.get("/api/v1/utility-customers/999999"), 404)


def test_the_activation_code_links_the_customer_account_and_a_new_code_replaces_it(utility_api, delivered):
    url = "/api/v1/utility-customers/100200/activation-code"
    first = utility_api.post(url, {"validDays": 30}, format="json", HTTP_IDEMPOTENCY_KEY="code-1")
    second = utility_api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="code-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first["Cache-Control"] == "no-store"
    assert first.json()["activationCode"] != second.json()["activationCode"]
    assert first.json()["validUntil"] < second.json()["validUntil"]  # 30 days, then the default of 90
    person = UserFactory(language="en")
    with pytest.raises(linking.LinkError):
        linking.link(ActingContext(user=person), "100200", first.json()["activationCode"])
    customer = linking.link(ActingContext(user=person), "100200", second.json()["activationCode"])
    assert customer.holder_user == person
    assert second.json()["activationCode"].replace("-", "") not in customer.activation_code_digest

    assert_problem(utility_api.post(url, {"validDays": 0}, format="json"), 400, "validation-error")
    assert_problem(utility_api.post(url, {"validDays": 366}, format="json"), 400, "validation-error")
    assert_problem(utility_api.post("/api/v1/utility-customers/404/activation-code", format="json"), 404)


def test_invoice_pdfs_and_contract_terms_are_uploaded_and_replaced_and_fakes_refused(utility_api, delivered):
    invoice_url = "/api/v1/utility-invoices/R-2026-0002/pdf"
    terms_url = "/api/v1/utility-contracts/EL-100200-1/terms"

    response = utility_api.put(invoice_url, {"file": pdf("rechnung.pdf")}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["hasPdf"] is True and response.json()["invoiceNumber"] == "R-2026-0002"
    first_name = Invoice.objects.get(invoice_number="R-2026-0002").pdf.name
    newer = PDF.replace(b"%%EOF", b"% v2\n%%EOF")
    assert utility_api.put(invoice_url, {"file": pdf("neu.pdf", newer)}, format="multipart").status_code == 200
    invoice = Invoice.objects.get(invoice_number="R-2026-0002")
    assert invoice.pdf.name != first_name and invoice.pdf.read() == newer

    response = utility_api.put(terms_url, {"file": pdf("agb.pdf")}, format="multipart")
    assert response.status_code == 200 and response.json()["hasTermsDocument"] is True
    assert Contract.objects.get(contract_number="EL-100200-1").terms_document.read() == PDF

    fake = assert_problem(
        utility_api.put(invoice_url, {"file": upload("rechnung.pdf", EXE)}, format="multipart"),
        415,
        "file-content-mismatch",
    )
    assert fake["errors"][0]["field"] == "file"
    assert_problem(
        utility_api.put(terms_url, {"file": upload("setup.exe", EXE)}, format="multipart"), 415, "unsupported-file-type"
    )
    assert_problem(utility_api.put(terms_url, {}, format="multipart"), 400, "validation-error")
    assert Invoice.objects.get(invoice_number="R-2026-0002").pdf.read() == newer
    assert_problem(utility_api.put("/api/v1/utility-invoices/R-404/pdf", {"file": pdf()}, format="multipart"), 404)
    assert_problem(utility_api.put("/api/v1/utility-contracts/X-404/terms", {"file": pdf()}, format="multipart"), 404)


def test_an_application_without_the_utility_scope_gets_403_everywhere(cases_only, make_application, delivered):
    reader = bearer(make_application(read=["utility_records"], write=[])[1])
    calls = [
        ("post", URL, {"data": body(), "format": "json"}),
        ("get", "/api/v1/utility-customers/100200", {}),
        ("post", "/api/v1/utility-customers/100200/activation-code", {"format": "json"}),
        ("put", "/api/v1/utility-invoices/R-2026-0002/pdf", {"data": {"file": pdf()}, "format": "multipart"}),
        ("put", "/api/v1/utility-contracts/EL-100200-1/terms", {"data": {"file": pdf()}, "format": "multipart"}),
    ]
    for method, url, kwargs in calls:
        assert_problem(getattr(cases_only, method)(url, **kwargs), 403, "insufficient-scope")
        if method != "get":
            kwargs = {**kwargs, "data": {"file": pdf()}} if kwargs.get("format") == "multipart" else kwargs
            assert_problem(getattr(reader, method)(url, **kwargs), 403, "insufficient-scope")
    assert reader.get("/api/v1/utility-customers/100200").status_code == 200


def test_the_utility_application_cannot_read_or_write_case_school_or_absence_data(utility_api, submitted_case):
    reference = submitted_case.reference

    assert_problem(utility_api.get("/api/v1/absences"), 403, "insufficient-scope")
    assert_problem(utility_api.get("/api/v1/leave-requests"), 403, "insufficient-scope")
    assert_problem(utility_api.post("/api/v1/school-records", {}, format="json"), 403, "insufficient-scope")
    assert_problem(
        utility_api.post(f"/api/v1/cases/{reference}/status", {"status": "in_progress"}, format="json"),
        403,
        "insufficient-scope",
    )
    # The case list answers from the application's scopes: a utility application has none, so it sees nothing.
    assert utility_api.get("/api/v1/cases").json()["results"] == []
    assert_problem(utility_api.get(f"/api/v1/cases/{reference}"), 404)


def test_an_unauthenticated_call_is_refused(db):
    assert_problem(APIClient().get("/api/v1/utility-customers/100200"), 401)


def test_the_schema_documents_the_utility_endpoints_without_generator_warnings(db):
    GENERATOR_STATS.reset()
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    schema = response.json()
    validate_schema(schema)
    operations = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/v1/utility-")
    }
    assert {(path, method, operation["operationId"]) for (path, method), operation in operations.items()} == {
        ("/api/v1/utility-records", "post", "utility_records_upsert"),
        ("/api/v1/utility-customers/{customer_number}", "get", "utility_customers_retrieve"),
        (
            "/api/v1/utility-customers/{customer_number}/activation-code",
            "post",
            "utility_customers_activation_code_create",
        ),
        ("/api/v1/utility-invoices/{invoice_number}/pdf", "put", "utility_invoices_pdf_update"),
        ("/api/v1/utility-contracts/{contract_number}/terms", "put", "utility_contracts_terms_update"),
    }
    for operation in operations.values():
        assert operation["tags"] == ["utilities"]
        assert {"401", "403", "404", "429"} <= set(operation["responses"])
    upsert = operations[("/api/v1/utility-records", "post")]
    assert upsert["requestBody"]["content"]["application/json"]["examples"]
    assert set(operations[("/api/v1/utility-invoices/{invoice_number}/pdf", "put")]["requestBody"]["content"]) == {
        "multipart/form-data"
    }

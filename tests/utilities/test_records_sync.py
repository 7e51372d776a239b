"""Bulk upsert of customers, contracts, meters and invoices from the billing application (utilities.records_sync)."""

import copy
import datetime
import math
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from account.acting_context import ActingContext
from utilities import linking, records_sync
from utilities.models import Contract, Invoice, Meter, UtilityCustomer

from .conftest import MINIMAL_PDF

pytestmark = pytest.mark.django_db

D = datetime.date


def body(customers=1, first=0):
    """`customers` customers, each with an electricity contract, a smart meter and an open invoice."""
    data = {"customers": [], "contracts": [], "meters": [], "invoices": []}
    for n in range(first, first + customers):
        number = f"900{n:04d}"
        data["customers"].append(
            {
                "customerNumber": number,
                "name": f"Kundin {n}",
                "billingAddress": {"street": "Dorfstrasse", "houseNumber": str(n + 1), "postcode": "9999"},
            }
        )
        data["contracts"].append(
            {
                "contractNumber": f"EL-{number}",
                "customerNumber": number,
                "medium": "electricity",
                "tariffName": "Strom Natur",
                "energyPrice": Decimal("27.45"),
                "baseFeeRappen": 1500,
                "startsOn": D(2026, 1, 1),
            }
        )
        data["meters"].append(
            {
                "meterNumber": f"E-{number}",
                "customerNumber": number,
                "contractNumber": f"EL-{number}",
                "medium": "electricity",
                "unit": "kWh",
                "kind": "smart",
            }
        )
        data["invoices"].append(
            {
                "invoiceNumber": f"R-{number}",
                "customerNumber": number,
                "contractNumber": f"EL-{number}",
                "periodStart": D(2026, 7, 1),
                "periodEnd": D(2026, 9, 30),
                "issuedOn": D(2026, 10, 5),
                "amountRappen": 31285,
                "dueOn": D(2026, 11, 4),
            }
        )
    return data


def counts(created=0, updated=0, unchanged=0):
    return {"created": created, "updated": updated, "unchanged": unchanged}


def state():
    return {
        "customers": sorted(
            UtilityCustomer.objects.values_list("customer_number", "name", "street", "house_number", "postcode", "town")
        ),
        "contracts": sorted(
            Contract.objects.values_list("contract_number", "customer__customer_number", "tariff_name", "energy_price")
        ),
        "meters": sorted(
            Meter.objects.values_list("meter_number", "customer__customer_number", "contract__contract_number", "kind")
        ),
        "invoices": sorted(
            Invoice.objects.values_list("invoice_number", "customer__customer_number", "amount_rappen", "status")
        ),
    }


def refused(data):
    with pytest.raises(records_sync.UtilityRecordsInvalid) as caught:
        records_sync.upsert(data)
    return {(error["pointer"], error["code"]) for error in caught.value.errors}


def test_a_batch_creates_the_records_the_same_batch_changes_nothing_and_a_changed_row_updates_one():
    assert records_sync.upsert(body(2)) == {name: counts(created=2) for name in records_sync.SECTIONS}
    first = state()
    assert first["customers"] == [
        ("9000000", "Kundin 0", "Dorfstrasse", "1", "9999", ""),
        ("9000001", "Kundin 1", "Dorfstrasse", "2", "9999", ""),
    ]
    assert first["meters"] == [
        ("E-9000000", "9000000", "EL-9000000", "smart"),
        ("E-9000001", "9000001", "EL-9000001", "smart"),
    ]

    assert records_sync.upsert(body(2)) == {name: counts(unchanged=2) for name in records_sync.SECTIONS}
    assert state() == first

    changed = body(2)
    changed["customers"][1]["name"] = "Kundin Eins"
    changed["customers"][1]["billingAddress"]["town"] = "Musterwil"
    changed["contracts"][0]["energyPrice"] = Decimal("28.1000")
    changed["meters"][1]["kind"] = "manual"
    changed["invoices"][0]["status"] = "paid"
    changed["invoices"][0]["paidOn"] = D(2026, 10, 20)

    assert records_sync.upsert(changed) == {name: counts(updated=1, unchanged=1) for name in records_sync.SECTIONS}
    now = state()
    assert now["customers"][1] == ("9000001", "Kundin Eins", "Dorfstrasse", "2", "9999", "Musterwil")
    assert now["contracts"][0][3] == Decimal("28.1000")
    assert now["meters"][1][3] == "manual"
    assert Invoice.objects.get(invoice_number="R-9000000").paid_on == D(2026, 10, 20)


def test_rows_may_refer_to_stored_records_and_customer_numbers_are_stored_as_customers_type_them(utility_world):
    data = {
        "meters": [
            {
                "meterNumber": "W-2002",
                "customerNumber": " 100 200 ",
                "contractNumber": "WA-100200-1",
                "medium": "water",
                "unit": "m3",
                "kind": "manual",
            }
        ],
        "customers": [{"customerNumber": "ab 77", "name": "Neu"}],
    }

    assert records_sync.upsert(data)["meters"] == counts(created=1)

    meter = Meter.objects.get(meter_number="W-2002")
    assert (meter.customer, meter.contract) == (utility_world["customer_a"], utility_world["water_contract"])
    assert UtilityCustomer.objects.filter(customer_number="AB77").exists()


def test_every_invalid_row_is_named_by_a_pointer_and_nothing_is_written(utility_world):
    data = body(1)
    data["customers"].append(copy.deepcopy(data["customers"][0]))
    data["contracts"][0]["customerNumber"] = "404404"
    data["meters"].append(  # the meter of customer B may not move to this customer
        {"meterNumber": "E-3001", "customerNumber": "9000000", "medium": "electricity", "unit": "kWh"}
    )
    data["meters"].append(  # a contract of another customer
        {
            "meterNumber": "E-5555",
            "customerNumber": "9000000",
            "contractNumber": "EL-100300-1",
            "medium": "electricity",
            "unit": "kWh",
        }
    )
    data["meters"].append(  # a water meter on an electricity contract
        {
            "meterNumber": "W-5555",
            "customerNumber": "100200",
            "contractNumber": "EL-100200-1",
            "medium": "water",
            "unit": "m3",
        }
    )
    data["invoices"][0]["contractNumber"] = "EL-NONE"
    before = state()

    assert refused(data) == {
        ("#/customers/1/customerNumber", "duplicate"),
        ("#/contracts/0/customerNumber", "unknown-customer"),
        ("#/meters/0/contractNumber", "contract-of-another-customer"),  # EL-9000000 now belongs to 404404
        ("#/meters/1/customerNumber", "customer-change"),
        ("#/meters/2/contractNumber", "contract-of-another-customer"),
        ("#/meters/3/medium", "medium-mismatch"),
        ("#/invoices/0/contractNumber", "unknown-contract"),
    }
    assert state() == before


def test_an_invoice_or_contract_never_moves_to_another_customer(utility_world):
    data = {
        "contracts": [
            {
                "contractNumber": "EL-100200-1",
                "customerNumber": "100300",
                "medium": "electricity",
                "tariffName": "Strom",
                "startsOn": D(2026, 1, 1),
            }
        ],
        "invoices": [
            {
                "invoiceNumber": "R-2026-0100",
                "customerNumber": "100200",
                "periodStart": D(2026, 1, 1),
                "periodEnd": D(2026, 3, 31),
                "issuedOn": D(2026, 4, 1),
                "amountRappen": 100,
                "dueOn": D(2026, 5, 1),
            }
        ],
    }

    assert refused(data) == {
        ("#/contracts/0/customerNumber", "customer-change"),
        ("#/invoices/0/customerNumber", "customer-change"),
    }


def test_the_link_and_the_documents_are_never_touched_by_an_upsert(utility_world):
    customer_a, customer_d = utility_world["customer_a"], utility_world["customer_d"]
    invoice = utility_world["open_invoice"]
    linked = (customer_a.holder_user_id, customer_a.linked_at)
    code = (customer_d.activation_code_digest, customer_d.activation_code_expires_at)
    data = {
        "customers": [
            {"customerNumber": "100200", "name": "Anna Halter-Meier", "billingAddress": {"street": "Bergweg"}},
            {"customerNumber": "100500", "name": "Dora Neu"},
        ],
        "invoices": [
            {
                "invoiceNumber": invoice.invoice_number,
                "customerNumber": "100200",
                "contractNumber": "EL-100200-1",
                "periodStart": invoice.period_start,
                "periodEnd": invoice.period_end,
                "issuedOn": invoice.issued_on,
                "amountRappen": 30000,
                "dueOn": invoice.due_on,
                "qrReference": invoice.qr_reference,
            }
        ],
    }

    result = records_sync.upsert(data)

    assert result["customers"] == counts(updated=2)  # D's address is left out: no address any more
    assert result["invoices"] == counts(updated=1)
    customer_a.refresh_from_db()
    customer_d.refresh_from_db()
    invoice.refresh_from_db()
    assert (customer_a.name, customer_a.street, customer_a.house_number) == ("Anna Halter-Meier", "Bergweg", "")
    assert (customer_a.holder_user_id, customer_a.linked_at) == linked
    assert (customer_d.activation_code_digest, customer_d.activation_code_expires_at) == code
    assert invoice.amount_rappen == 30000 and invoice.pdf.read() == MINIMAL_PDF
    utility_world["power_contract"].refresh_from_db()
    assert utility_world["power_contract"].terms_document
    # The code of the letter still links.
    assert linking.link(ActingContext(user=utility_world["stranger"]), "100500", utility_world["code_d"]) == customer_d


def _queries(data):
    """(statements other than INSERT, INSERT statements) of one upsert."""
    with CaptureQueriesContext(connection) as captured:
        records_sync.upsert(data)
    inserts = sum(1 for query in captured if query["sql"].lstrip().upper().startswith("INSERT"))
    return len(captured) - inserts, inserts


def insert_batches(rows):
    """INSERT statements for `rows` new rows per list: one per list, unless the backend caps a statement's parameters.

    SQLite allows 999 parameters a statement, so Django splits a bulk insert of many wide rows; PostgreSQL does not.
    """
    total = 0
    for model in (UtilityCustomer, Contract, Meter, Invoice):
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        size = min(records_sync.CHUNK, connection.ops.bulk_batch_size(fields, [model()] * rows) or rows)
        total += math.ceil(rows / size)
    return total


def test_the_number_of_queries_does_not_grow_with_the_rows():
    small, large = body(10), body(100, first=10)
    created = (_queries(copy.deepcopy(small)), _queries(copy.deepcopy(large)))
    unchanged = (_queries(copy.deepcopy(small)), _queries(copy.deepcopy(large)))
    for data in (small, large):
        for row in data["customers"]:
            row["name"] += " neu"
        for row in data["invoices"]:
            row["status"] = "cancelled"
    updated = (_queries(small), _queries(large))

    assert created[0][0] == created[1][0] <= 8
    assert (created[0][1], created[1][1]) == (insert_batches(10), insert_batches(100))
    assert unchanged[0] == unchanged[1] and unchanged[0][0] <= 6
    assert updated[0] == updated[1] and updated[0][0] <= 10
    assert Invoice.objects.filter(status="cancelled").count() == 110


def test_a_new_pdf_replaces_the_invoice_pdf_and_the_old_file_goes(utility_world, django_capture_on_commit_callbacks):
    invoice = utility_world["open_invoice"]
    old_name, storage = invoice.pdf.name, invoice.pdf.storage
    new_pdf = MINIMAL_PDF.replace(b"%%EOF", b"% new\n%%EOF")

    with django_capture_on_commit_callbacks(execute=True):
        records_sync.replace_invoice_pdf(invoice, ContentFile(new_pdf, name="upload.pdf"))

    invoice.refresh_from_db()
    assert invoice.pdf.name != old_name and invoice.pdf.name.endswith(".pdf")
    assert invoice.pdf.read() == new_pdf
    assert not storage.exists(old_name)

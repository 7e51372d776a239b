"""Bulk upsert of the records the utility's billing application delivers: customers, contracts, meters, invoices.

`upsert(data)` takes the request body as validated by `integrations.api.utility_records` (camelCase keys, parsed
dates and decimals) and brings the portal's records in line with it, in one transaction:

1. read what exists with a constant number of queries per list (lookups go in chunks of CHUNK keys);
2. collect every row error — a record sent twice, a reference to a customer or contract that is neither in the
   body nor stored, a contract, meter or invoice that would move to another customer — and raise
   `UtilityRecordsInvalid` with all of them before anything is written;
3. write with bulk_create / bulk_update and count per list what was created, updated or left unchanged.

Each row is the complete state of its record: an optional field left out takes its default. Nothing is deleted.
What belongs to the portal is never touched: the link of a customer account (holder, linked_at, activation code),
contract terms documents and invoice PDFs (uploaded separately, `replace_terms_document` / `replace_invoice_pdf`).
Customer numbers are stored the way `linking` compares them (no spaces, upper case); the rows of `data` are
normalised in place.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename

from home import bulk_records
from home.bulk_records import RecordsInvalid, pointer, row_error

from .linking import normalise_number
from .models import Contract, Invoice, Meter, UtilityCustomer

logger = logging.getLogger(__name__)

#: Keys per lookup query (below SQLite's and PostgreSQL's limits on query parameters).
CHUNK = 900
SECTIONS = ("customers", "contracts", "meters", "invoices")

# Body key → model field, per list; the record's own number and its customer/contract are handled apart.
CUSTOMER_FIELDS = {"name": "name"}
ADDRESS_FIELDS = {
    "street": "street",
    "houseNumber": "house_number",
    "postcode": "postcode",
    "town": "town",
    "country": "country",
}
CONTRACT_FIELDS = {
    "medium": "medium",
    "tariffName": "tariff_name",
    "energyPrice": "energy_price",
    "baseFeeRappen": "base_fee_rappen",
    "feedInPrice": "feed_in_price",
    "supplyAddress": "supply_address",
    "startsOn": "starts_on",
    "endsOn": "ends_on",
}
METER_FIELDS = {
    "medium": "medium",
    "unit": "unit",
    "kind": "kind",
    "location": "location",
    "hasExport": "has_export",
    "readingDueOn": "reading_due_on",
}
INVOICE_FIELDS = {
    "periodStart": "period_start",
    "periodEnd": "period_end",
    "issuedOn": "issued_on",
    "amountRappen": "amount_rappen",
    "dueOn": "due_on",
    "status": "status",
    "paidOn": "paid_on",
    "qrReference": "qr_reference",
}
# What a left-out optional field means (the row is the complete state of its record).
DEFAULTS = {
    "billingAddress": {},
    "street": "",
    "houseNumber": "",
    "postcode": "",
    "town": "",
    "country": "CH",
    "energyPrice": 0,
    "baseFeeRappen": 0,
    "feedInPrice": None,
    "supplyAddress": "",
    "endsOn": None,
    "kind": Meter.Kind.SMART,
    "location": "",
    "hasExport": False,
    "readingDueOn": None,
    "status": Invoice.Status.OPEN,
    "paidOn": None,
    "qrReference": "",
}


class UtilityRecordsInvalid(RecordsInvalid):
    """The batch was refused as a whole; `errors` lists every row error (field, pointer, detail, code)."""


def chunked(items, size=CHUNK):
    return bulk_records.chunked(items, size)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _value(row, key):
    return row.get(key, DEFAULTS.get(key))


def customer_values(row):
    address = _value(row, "billingAddress") or {}
    values = {field: row[key] for key, field in CUSTOMER_FIELDS.items()}
    values.update({field: address.get(key, DEFAULTS[key]) for key, field in ADDRESS_FIELDS.items()})
    return values


def contract_values(row):
    return {field: _value(row, key) for key, field in CONTRACT_FIELDS.items()}


def meter_values(row):
    return {field: _value(row, key) for key, field in METER_FIELDS.items()}


def invoice_values(row):
    return {field: _value(row, key) for key, field in INVOICE_FIELDS.items()}


def _by_number(queryset, field, numbers, *, owner="customer__customer_number"):
    """{number: record} for the stored records among `numbers`, each annotated with its customer's number."""
    found = {}
    if owner:
        queryset = queryset.annotate(owner_number=F(owner))
    for part in chunked(sorted(numbers)):
        found.update({getattr(record, field): record for record in queryset.filter(**{f"{field}__in": part})})
    return found


class _Batch:
    """One upsert: the request's rows, what is stored, the errors found, and the counts."""

    def __init__(self, data):
        self.customers = data.get("customers", [])
        self.contracts = data.get("contracts", [])
        self.meters = data.get("meters", [])
        self.invoices = data.get("invoices", [])
        for row in self.customers:
            row["customerNumber"] = normalise_number(row["customerNumber"])
        for rows in (self.contracts, self.meters, self.invoices):
            for row in rows:
                row["customerNumber"] = normalise_number(row["customerNumber"])
        self.errors = []
        self.counts = {name: Counts() for name in SECTIONS}
        self.created = {name: [] for name in SECTIONS}
        self.now = timezone.now()

    def error(self, parts, detail, code):
        self.errors.append(row_error(parts, detail, code))

    # --- reading and checking -------------------------------------------------------------------------------

    def check(self):
        self._check_duplicates()
        customer_numbers = {row["customerNumber"] for rows in self._all_rows() for row in rows}
        self.stored_customers = _by_number(
            UtilityCustomer.objects.all(), "customer_number", customer_numbers, owner=None
        )
        contract_numbers = {row["contractNumber"] for row in self.contracts} | {
            row["contractNumber"] for row in (*self.meters, *self.invoices) if row.get("contractNumber")
        }
        self.stored_contracts = _by_number(Contract.objects.all(), "contract_number", contract_numbers)
        self.stored_meters = _by_number(
            Meter.objects.all(), "meter_number", {row["meterNumber"] for row in self.meters}
        )
        self.stored_invoices = _by_number(
            Invoice.objects.all(), "invoice_number", {row["invoiceNumber"] for row in self.invoices}
        )
        # Where each contract will belong, and what it supplies, once this batch is written.
        self.contract_owner = {number: contract.owner_number for number, contract in self.stored_contracts.items()}
        self.contract_medium = {number: contract.medium for number, contract in self.stored_contracts.items()}
        self.contract_owner.update({row["contractNumber"]: row["customerNumber"] for row in self.contracts})
        self.contract_medium.update({row["contractNumber"]: row["medium"] for row in self.contracts})

        known_customers = set(self.stored_customers) | {row["customerNumber"] for row in self.customers}
        self._check_owned("contracts", self.contracts, "contractNumber", self.stored_contracts, known_customers)
        self._check_owned("meters", self.meters, "meterNumber", self.stored_meters, known_customers)
        self._check_owned("invoices", self.invoices, "invoiceNumber", self.stored_invoices, known_customers)

    def _all_rows(self):
        return (self.customers, self.contracts, self.meters, self.invoices)

    def _check_duplicates(self):
        keys = (
            ("customers", self.customers, "customerNumber", "This customer"),
            ("contracts", self.contracts, "contractNumber", "This contract"),
            ("meters", self.meters, "meterNumber", "This meter"),
            ("invoices", self.invoices, "invoiceNumber", "This invoice"),
        )
        for section, rows, key, what in keys:
            seen = {}
            for index, row in enumerate(rows):
                if row[key] in seen:
                    self.error(
                        (section, index, key),
                        f"{what} is already in {pointer(section, seen[row[key]])}; send each record once.",
                        "duplicate",
                    )
                else:
                    seen[row[key]] = index

    def _check_owned(self, section, rows, key, stored, known_customers):
        """A record's customer must be known, stays the same once stored, and its contract must be the customer's."""
        for index, row in enumerate(rows):
            number = row["customerNumber"]
            if number not in known_customers:
                self.error(
                    (section, index, "customerNumber"),
                    f"There is no customer '{number}' (send it in 'customers').",
                    "unknown-customer",
                )
                continue
            record = stored.get(row[key])
            if record is not None and record.owner_number != number:
                self.error(
                    (section, index, "customerNumber"),
                    f"'{row[key]}' belongs to the customer '{record.owner_number}' and cannot move to another "
                    "customer; give the new record a number of its own.",
                    "customer-change",
                )
                continue
            contract_number = row.get("contractNumber") if section != "contracts" else None
            if contract_number:
                self._check_contract(section, index, row, contract_number)

    def _check_contract(self, section, index, row, contract_number):
        owner = self.contract_owner.get(contract_number)
        if owner is None:
            self.error(
                (section, index, "contractNumber"),
                f"There is no contract '{contract_number}' (send it in 'contracts').",
                "unknown-contract",
            )
        elif owner != row["customerNumber"]:
            self.error(
                (section, index, "contractNumber"),
                f"The contract '{contract_number}' belongs to another customer ('{owner}').",
                "contract-of-another-customer",
            )
        elif section == "meters" and self.contract_medium[contract_number] != row["medium"]:
            self.error(
                (section, index, "medium"),
                f"The contract '{contract_number}' supplies {self.contract_medium[contract_number]}, "
                f"not {row['medium']}.",
                "medium-mismatch",
            )

    # --- writing --------------------------------------------------------------------------------------------

    def write(self):
        self.customer_ids = {number: customer.pk for number, customer in self.stored_customers.items()}
        self._write(
            "customers",
            UtilityCustomer,
            self.customers,
            "customerNumber",
            "customer_number",
            self.stored_customers,
            customer_values,
        )
        self.customer_ids.update(self._created_ids(UtilityCustomer, "customer_number", self.created["customers"]))
        self.contract_ids = {number: contract.pk for number, contract in self.stored_contracts.items()}
        self._write(
            "contracts",
            Contract,
            self.contracts,
            "contractNumber",
            "contract_number",
            self.stored_contracts,
            self._owned(contract_values),
        )
        self.contract_ids.update(self._created_ids(Contract, "contract_number", self.created["contracts"]))
        self._write(
            "meters",
            Meter,
            self.meters,
            "meterNumber",
            "meter_number",
            self.stored_meters,
            self._owned(meter_values, with_contract=True),
        )
        self._write(
            "invoices",
            Invoice,
            self.invoices,
            "invoiceNumber",
            "invoice_number",
            self.stored_invoices,
            self._owned(invoice_values, with_contract=True),
        )

    def _owned(self, values_of, with_contract=False):
        def values(row):
            found = values_of(row)
            found["customer_id"] = self.customer_ids[row["customerNumber"]]
            if with_contract:
                number = row.get("contractNumber")
                found["contract_id"] = self.contract_ids[number] if number else None
            return found

        return values

    def _write(self, section, model, rows, key, number_field, stored, values_of):
        counts, new, changed = self.counts[section], [], []
        fields = set()
        for row in rows:
            values = values_of(row)
            record = stored.get(row[key])
            if record is None:
                new.append(model(**{number_field: row[key]}, **values))
                continue
            differing = [name for name, value in values.items() if getattr(record, name) != value]
            if not differing:
                counts.unchanged += 1
                continue
            for name in differing:
                setattr(record, name, values[name])
            # bulk_update skips auto_now; the record did change.
            record.updated_at = self.now
            fields.update(differing)
            changed.append(record)
        model.objects.bulk_create(new, batch_size=CHUNK)
        if changed:
            model.objects.bulk_update(changed, sorted(fields | {"updated_at"}), batch_size=CHUNK)
        counts.created, counts.updated = len(new), len(changed)
        self.created[section] = new

    def _created_ids(self, model, number_field, records):
        """{number: pk} of records just created; only backends that cannot return ids from a bulk insert re-read."""
        ids = {getattr(record, number_field): record.pk for record in records if record.pk is not None}
        missing = [getattr(record, number_field) for record in records if record.pk is None]
        for part in chunked(missing):
            ids.update(model.objects.filter(**{f"{number_field}__in": part}).values_list(number_field, "pk"))
        return ids


def upsert(data):
    """Apply a validated batch; return {"customers": {"created", "updated", "unchanged"}, "contracts": …, …}.

    Raises UtilityRecordsInvalid (nothing written) when a row refers to something unknown, repeats a record or
    would move a record to another customer.
    """
    batch = _Batch(data)
    with transaction.atomic():
        batch.check()
        if batch.errors:
            raise UtilityRecordsInvalid(batch.errors)
        batch.write()
    result = {name: counts.as_dict() for name, counts in batch.counts.items()}
    logger.info(
        "utility records upserted: %s",
        ", ".join(f"{name} {counts.created}+/{counts.updated}~" for name, counts in batch.counts.items()),
    )
    return result


def _replace_file(record, field_name, file, name):
    """Store `file` as the record's document; the previous file is removed once the change is committed."""
    field = getattr(record, field_name)
    previous = field.name
    file.seek(0)
    field.save(get_valid_filename(name), file, save=False)
    record.save(update_fields=[field_name, "updated_at"])
    if previous and previous != field.name:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return record


def replace_invoice_pdf(invoice, file):
    """The invoice's PDF from the billing application (already checked as a PDF by the caller)."""
    return _replace_file(invoice, "pdf", file, f"{invoice.invoice_number}.pdf")


def replace_terms_document(contract, file):
    """The contract's terms document (already checked as a PDF by the caller)."""
    return _replace_file(contract, "terms_document", file, f"{contract.contract_number}-terms.pdf")

"""A small utility world every feature test can use: three linked customer accounts and one waiting for its link.

- `holder` has customer A (personal): an electricity smart meter with feed-in (PV) and a manual water meter,
  contracts for both, a paid and an open invoice (with PDFs), readings added by the tests with `add_profile`.
- `other_holder` has customer B with its own meter, contract and invoice: everything of B is 404 for `holder`.
- `org_owner` manages organisation C, which holds customer C; `org_member` is a plain member of C (sees nothing).
- `stranger` has an account and nothing else; customer D is not linked yet and has the code `world["code_d"]`.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from account.acting_context import SESSION_KEY
from account.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from utilities import linking
from utilities.models import Contract, Invoice, Meter, MeterReading, ReadingSource, Register, UtilityCustomer

ROLES = ("holder", "other_holder", "org_owner", "org_member", "stranger", "anonymous")

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Rules called directly speak English here, like the /en/ pages the tests request."""
    with translation.override("en"):
        yield


def login(client, world, role):
    """Log `role` in (anonymous stays out); org roles act for organisation C."""
    if role == "anonymous":
        return None
    person = world[role]
    client.force_login(person)
    if role in ("org_owner", "org_member"):
        session = client.session
        session[SESSION_KEY] = world["organisation"].pk
        session.save()
    return person


def add_profile(meter, start, days, *, register=Register.IMPORT, kwh_per_quarter=Decimal("0.250"), first_value=0):
    """15-minute register values for `days` days from `start` (aware datetime), `kwh_per_quarter` apart.

    Returns the last value. Consumption of any whole day is 96 × kwh_per_quarter.
    """
    value = Decimal(first_value)
    rows = [MeterReading(meter=meter, register=register, timestamp=start, value=value, source=ReadingSource.SMART)]
    for step in range(1, days * 96 + 1):
        value += kwh_per_quarter
        rows.append(
            MeterReading(
                meter=meter,
                register=register,
                timestamp=start + datetime.timedelta(minutes=15 * step),
                value=value,
                source=ReadingSource.SMART,
            )
        )
    MeterReading.objects.bulk_create(rows, batch_size=2000)
    return value


def _customer(number, name, holder=None, organisation=None):
    return UtilityCustomer.objects.create(
        customer_number=number,
        name=name,
        street="Seestrasse",
        house_number="21",
        postcode="9999",
        town="Musterwil",
        holder_user=holder,
        holder_organisation=organisation,
        linked_at=timezone.now() if (holder or organisation) else None,
    )


def _contract(customer, number, medium, tariff, price, starts_on):
    return Contract.objects.create(
        customer=customer,
        contract_number=number,
        medium=medium,
        tariff_name=tariff,
        energy_price=Decimal(price),
        base_fee_rappen=1500,
        starts_on=starts_on,
    )


def _invoice(customer, contract, number, amount, status, issued_on, due_on, pdf=True):
    invoice = Invoice.objects.create(
        customer=customer,
        contract=contract,
        invoice_number=number,
        period_start=issued_on - datetime.timedelta(days=90),
        period_end=issued_on - datetime.timedelta(days=1),
        issued_on=issued_on,
        amount_rappen=amount,
        due_on=due_on,
        status=status,
        paid_on=due_on if status == Invoice.Status.PAID else None,
        qr_reference="210000000003139471430009017",
    )
    if pdf:
        invoice.pdf.save(f"{number}.pdf", ContentFile(MINIMAL_PDF), save=True)
    return invoice


@pytest.fixture
def utility_world(db):
    today = timezone.localdate()
    people = {key: UserFactory(language="en") for key in ROLES if key != "anonymous"}
    organisation = OrganisationFactory(name="Bäckerei Brot AG")
    MembershipFactory(user=people["org_owner"], organisation=organisation, role=Membership.Role.OWNER)
    MembershipFactory(user=people["org_member"], organisation=organisation, role=Membership.Role.MEMBER)

    customer_a = _customer("100200", "Anna Halter", holder=people["holder"])
    power = _contract(
        customer_a, "EL-100200-1", "electricity", "Musterwil Strom Natur", "27.4500", today.replace(day=1)
    )
    water = _contract(customer_a, "WA-100200-1", "water", "Wasser Haushalt", "185.0000", today.replace(day=1))
    power.terms_document.save("terms-electricity.pdf", ContentFile(MINIMAL_PDF), save=True)
    smart = Meter.objects.create(
        customer=customer_a,
        contract=power,
        meter_number="E-1001",
        medium="electricity",
        unit="kWh",
        kind=Meter.Kind.SMART,
        location="Keller",
        has_export=True,
    )
    manual = Meter.objects.create(
        customer=customer_a,
        contract=water,
        meter_number="W-2001",
        medium="water",
        unit="m3",
        kind=Meter.Kind.MANUAL,
        location="Waschküche",
        reading_due_on=today + datetime.timedelta(days=20),
    )
    paid = _invoice(
        customer_a,
        power,
        "R-2026-0001",
        24550,
        Invoice.Status.PAID,
        today - datetime.timedelta(days=120),
        today - datetime.timedelta(days=90),
    )
    open_invoice = _invoice(
        customer_a,
        power,
        "R-2026-0002",
        31285,
        Invoice.Status.OPEN,
        today - datetime.timedelta(days=10),
        today + datetime.timedelta(days=20),
    )

    customer_b = _customer("100300", "Bruno Nachbar", holder=people["other_holder"])
    contract_b = _contract(customer_b, "EL-100300-1", "electricity", "Musterwil Strom Basis", "25.1000", today)
    meter_b = Meter.objects.create(
        customer=customer_b, contract=contract_b, meter_number="E-3001", medium="electricity", unit="kWh"
    )
    invoice_b = _invoice(
        customer_b, contract_b, "R-2026-0100", 9900, Invoice.Status.OPEN, today, today + datetime.timedelta(days=30)
    )

    customer_c = _customer("100400", "Bäckerei Brot AG", holder=people["org_owner"], organisation=organisation)
    meter_c = Meter.objects.create(customer=customer_c, meter_number="E-4001", medium="electricity", unit="kWh")

    customer_d = _customer("100500", "Dora Neu")
    code_d = linking.set_activation_code(customer_d)

    return {
        **people,
        "organisation": organisation,
        "customer_a": customer_a,
        "power_contract": power,
        "water_contract": water,
        "smart": smart,
        "manual": manual,
        "paid_invoice": paid,
        "open_invoice": open_invoice,
        "customer_b": customer_b,
        "contract_b": contract_b,
        "meter_b": meter_b,
        "invoice_b": invoice_b,
        "customer_c": customer_c,
        "meter_c": meter_c,
        "customer_d": customer_d,
        "code_d": code_d,
    }

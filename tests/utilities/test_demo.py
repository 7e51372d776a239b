"""The utility demo: customer@musterwil.example's linked account with two years of PV smart-meter values, the
account a newcomer links with the printed code, the move in/out service routed to the Werke, its application."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from account import link_codes
from account.acting_context import ActingContext
from account.demo_users import ensure_demo_users
from home.demo_content import ensure_demo_site
from integrations.demo_content import UTILITY_DEMO_TOKEN, ensure_demo_utility_application
from integrations.models import Event
from services import demo_content as services_demo
from services.demo_utility_move import DESTINATION, KEY, SLUG
from services.models import Case, CaseStatus
from tests.integration_fixtures import bearer
from utilities import linking, policies
from utilities.demo_content import (
    DEMO_ACTIVATION_CODE,
    DEMO_NUMBER,
    DEMO_TRY_NUMBER,
    HISTORY_DAYS,
    ensure_demo_utilities,
    value_at,
)
from utilities.models import (
    Contract,
    Invoice,
    Meter,
    MeterReading,
    ReadingReport,
    ReadingSource,
    Register,
    UtilityCustomer,
)

pytestmark = pytest.mark.django_db

MODELS = (UtilityCustomer, Contract, Meter, MeterReading, Invoice, ReadingReport)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module (two years of 15-minute values take seconds); every test rolls back its changes."""
    # One fixed "now" for the module: a quarter hour may end while its tests run, and seeding again then would
    # rightly append it.
    now = timezone.now()
    with django_db_blocker.unblock(), transaction.atomic():
        users = ensure_demo_users()
        seeded = ensure_demo_utilities(users, now=now)
        yield {"users": users, "now": now, **seeded}
        transaction.set_rollback(True)


def local(year, month, day, hour=0, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def day_flow(meter, register, day):
    start = local(day.year, day.month, day.day)
    return value_at(meter, register, start + datetime.timedelta(days=1)) - value_at(meter, register, start)


def in_history(month, day):
    """The most recent date with this month and day that lies wholly within the demo's history."""
    today = timezone.localdate()
    for year in (today.year - 1, today.year - 2):
        candidate = datetime.date(year, month, day)
        if today - datetime.timedelta(days=HISTORY_DAYS - 1) <= candidate < today:
            return candidate
    raise AssertionError("no such day in the history")


def test_seeding_again_adds_nothing(demo):
    before = counts()
    again = ensure_demo_utilities(ensure_demo_users(), now=demo["now"])

    assert again["written"] == 0
    assert counts() == before
    assert before["UtilityCustomer"] == 2 and before["Invoice"] == 4 and before["Contract"] == 3


def test_seeding_later_only_appends_the_new_quarters(demo):
    smart = demo["smart"]
    newest = smart.readings.filter(register=Register.IMPORT).latest("timestamp")
    again = ensure_demo_utilities(demo["users"], now=newest.timestamp + datetime.timedelta(hours=1, minutes=7))

    assert again["written"] == 2 * 4
    added = smart.readings.filter(timestamp__gt=newest.timestamp, register=Register.IMPORT).order_by("timestamp")
    assert [reading.timestamp - newest.timestamp for reading in added] == [
        datetime.timedelta(minutes=15 * step) for step in range(1, 5)
    ]
    assert all(reading.value >= newest.value for reading in added)


def test_the_demo_customer_sees_the_linked_account(demo):
    customer_user = demo["users"]["customer"]
    assert customer_user.email == "customer@musterwil.example"

    customer = policies.customers_visible_to(customer_user).get()
    assert customer.customer_number == DEMO_NUMBER
    assert (customer.name, customer.address_lines) == ("Kurt Kunde", ["Seestrasse 21", "9999 Musterwil"])
    assert list(UtilityCustomer.objects.of_context(ActingContext(user=customer_user))) == [customer]
    contracts = {contract.medium: contract for contract in policies.contracts_visible_to(customer_user)}
    assert contracts["electricity"].tariff_name == "Musterwil Strom Natur"
    assert contracts["electricity"].energy_price == Decimal("27.45") and contracts["electricity"].feed_in_price
    assert set(contracts) == {"electricity", "water"}
    for contract in contracts.values():
        with contract.terms_document.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    meters = {meter.meter_number: meter for meter in policies.meters_visible_to(customer_user)}
    assert set(meters) == {demo["smart"].meter_number, demo["water"].meter_number}
    # Nobody else sees any of it.
    resident = demo["users"]["resident"]
    assert not policies.customers_visible_to(resident).exists()
    assert not policies.invoices_visible_to(resident).exists()


def test_the_demo_customer_finds_the_account_and_its_invoices_in_the_account_pages(demo, client):
    customer_user = demo["users"]["customer"]
    customer_user.language = "en"
    customer_user.save(update_fields=["language"])
    client.force_login(customer_user)

    overview = client.get("/en/account/utilities/")
    assert overview.status_code == 200
    text = overview.content.decode()
    assert DEMO_NUMBER in text and demo["smart"].meter_number in text and demo["water"].meter_number in text
    assert DEMO_TRY_NUMBER not in text
    invoices = client.get("/en/account/utilities/invoices/").content.decode()
    assert all(invoice.invoice_number in invoices for invoice in Invoice.objects.filter(customer=demo["customer"]))


def test_the_smart_meter_has_two_years_of_quarter_hours_up_to_now(demo):
    smart = demo["smart"]
    assert smart.is_smart and smart.has_export and smart.customer.customer_number == DEMO_NUMBER
    for register in (Register.IMPORT, Register.EXPORT):
        readings = smart.readings.filter(register=register)
        first, last = readings.earliest("timestamp"), readings.latest("timestamp")
        assert timezone.localtime(first.timestamp).time() == datetime.time(0, 0)
        assert datetime.timedelta(0) <= demo["now"] - last.timestamp < datetime.timedelta(minutes=15)
        quarters = int((last.timestamp - first.timestamp) / datetime.timedelta(minutes=15)) + 1
        assert readings.count() == quarters, "one value every 15 minutes, none missing, also across clock changes"
        assert HISTORY_DAYS * 96 <= quarters <= (HISTORY_DAYS + 1) * 96
        assert not readings.exclude(source=ReadingSource.SMART).exists()
    # Register values never go down.
    values = list(smart.readings.filter(register=Register.IMPORT).values_list("value", flat=True)[:2000])
    assert values == sorted(values)


def test_more_is_used_in_winter_and_fed_in_during_summer_days(demo):
    smart = demo["smart"]
    winter, summer = in_history(1, 20), in_history(7, 20)

    assert day_flow(smart, Register.IMPORT, winter) > Decimal("1.5") * day_flow(smart, Register.IMPORT, summer)
    assert day_flow(smart, Register.EXPORT, summer) > 2 * day_flow(smart, Register.EXPORT, winter)
    assert day_flow(smart, Register.EXPORT, summer) > Decimal(10)


def test_feed_in_only_in_daylight_and_peaks_morning_and_evening(demo):
    smart = demo["smart"]
    day = in_history(6, 15)

    def flow(register, hour, minute=0):
        moment = local(day.year, day.month, day.day, hour, minute)
        return value_at(smart, register, moment + datetime.timedelta(minutes=15)) - value_at(smart, register, moment)

    night = [flow(Register.EXPORT, hour) for hour in (0, 1, 2, 3, 23)]
    assert night == [0] * len(night)
    assert sum(flow(Register.EXPORT, 13, minute) for minute in (0, 15, 30, 45)) > 0
    # A winter night draws little; the evening peak much more.
    winter = in_history(1, 14)
    night_use = day_flow(smart, Register.IMPORT, winter) - (
        value_at(smart, Register.IMPORT, local(winter.year, winter.month, winter.day, 23))
        - value_at(smart, Register.IMPORT, local(winter.year, winter.month, winter.day, 3))
    )
    evening_use = value_at(smart, Register.IMPORT, local(winter.year, winter.month, winter.day, 21)) - value_at(
        smart, Register.IMPORT, local(winter.year, winter.month, winter.day, 17)
    )
    assert evening_use > night_use


def test_the_water_meter_is_read_yearly_and_due_in_three_weeks(demo):
    water = demo["water"]
    assert (water.kind, water.medium, water.unit) == (Meter.Kind.MANUAL, "water", "m3")
    assert water.reading_due_on - timezone.localdate() == datetime.timedelta(days=21)
    readings = list(water.readings.order_by("timestamp"))
    assert len(readings) == 3
    due = water.reading_due_on
    read_on = [timezone.localtime(reading.timestamp) for reading in readings]
    assert [(day.year, day.month) for day in read_on] == [(due.year - years, due.month) for years in (3, 2, 1)]
    assert readings[0].value < readings[1].value < readings[2].value


def test_three_invoices_are_paid_and_the_newest_is_open_but_not_overdue(demo):
    invoices = list(policies.invoices_visible_to(demo["users"]["customer"]).order_by("period_start"))
    assert [invoice.status for invoice in invoices] == ["paid", "paid", "paid", "open"]
    assert not invoices[-1].is_overdue and invoices[-1].due_on > timezone.localdate()
    assert all(invoice.paid_on for invoice in invoices[:3])
    for earlier, later in zip(invoices, invoices[1:], strict=False):
        assert later.period_start == earlier.period_end + datetime.timedelta(days=1)
    for invoice in invoices:
        assert invoice.amount_rappen > 0 and invoice.amount_rappen % 5 == 0
        assert len(invoice.qr_reference) == 27 and invoice.qr_reference.isdigit()
        with invoice.pdf.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    # Winter quarters cost more than summer ones: the amounts follow the readings.
    by_quarter = {invoice.period_start.month: invoice.amount_rappen for invoice in invoices}
    assert by_quarter[1] > by_quarter[7]


def test_the_second_account_is_not_linked_and_links_with_the_printed_code(demo):
    assert all(char in link_codes.ALPHABET for char in link_codes.normalise(DEMO_ACTIVATION_CODE))
    to_try = UtilityCustomer.objects.get(customer_number=DEMO_TRY_NUMBER)
    assert not to_try.is_linked
    newcomer = demo["users"]["resident"]
    assert not policies.customers_visible_to(newcomer).exists()

    linked = linking.link(ActingContext(user=newcomer), DEMO_TRY_NUMBER, DEMO_ACTIVATION_CODE.lower())

    assert linked.pk == to_try.pk
    assert list(policies.customers_visible_to(newcomer)) == [to_try]
    assert policies.meters_visible_to(newcomer).count() == 1
    # Seeding again leaves a linked account alone: no new code, still the newcomer's.
    ensure_demo_utilities(demo["users"])
    to_try.refresh_from_db()
    assert to_try.holder_user == newcomer and not to_try.activation_code_digest


@pytest.fixture
def move_page(demo):
    home = ensure_demo_site()
    clerks = services_demo.ensure_groups(demo["users"])
    index = services_demo.ensure_index(home)
    spec = services_demo.SERVICES[KEY]
    form, _created = services_demo.ensure_form(KEY, spec)
    page = services_demo.ensure_page(index, KEY, spec, form, clerks)
    again, created = services_demo.ensure_form(KEY, spec)
    assert (again.pk, created) == (form.pk, False)
    assert services_demo.ensure_page(index, KEY, spec, again, clerks).pk == page.pk
    return page


def test_the_move_page_routes_its_cases_to_the_werke_application(demo, move_page, client):
    application, token = ensure_demo_utility_application()
    assert token == UTILITY_DEMO_TOKEN and application.destination_list == [DESTINATION]
    assert application.may_write("meter_readings") and application.may_write("utility_records")
    assert move_page.slug == SLUG and move_page.destination == DESTINATION and move_page.live
    assert move_page.get_parent().slug == services_demo.INDEX_SLUG

    customer = demo["users"]["customer"]
    customer.language = "en"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    page = client.get(move_page.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Neue Adresse für die Schlussrechnung" in html and "Zählerstände am Übergabetag" in html
    block_id = move_page.form_blocks()[0][0]
    token_marker = 'name="submission_token" value="'
    submission_token = html.split(token_marker, 1)[1].split('"', 1)[0]
    moving_day = timezone.localdate() + datetime.timedelta(days=20)
    response = client.post(
        move_page.url,
        {
            "block_id": block_id,
            "step": "0",
            "action": "submit",
            "submission_token": submission_token,
            "kundennummer": DEMO_NUMBER,
            "bezugsadresse_street": "Seestrasse",
            "bezugsadresse_house_number": "21",
            "bezugsadresse_postcode": "9999",
            "bezugsadresse_town": "Musterwil",
            "art": "Auszug",
            "datum": moving_day.isoformat(),
            "rechnungsadresse_street": "Hauptstrasse",
            "rechnungsadresse_house_number": "3",
            "rechnungsadresse_postcode": "8000",
            "rechnungsadresse_town": "Zürich",
            "telefon": "+41 79 000 00 21",
        },
    )
    assert response.status_code == 303, response.content.decode()[:2000]

    case = Case.objects.get(service_page=move_page, submitted_by=customer)
    assert case.status == CaseStatus.SUBMITTED and case.reference
    assert case.data["art"] == "Auszug" and case.data["rechnungsadresse"]["town"] == "Zürich"
    assert Event.objects.filter(type="case.submitted", destination=DESTINATION).exists()
    assert list(Case.objects.for_application(application)) == [case]
    listed = bearer(token).get("/api/v1/cases")
    assert listed.status_code == 200
    assert case.reference in listed.content.decode()


def test_the_utility_application_is_made_once(demo):
    first, token = ensure_demo_utility_application()
    again, _token = ensure_demo_utility_application()
    assert first.pk == again.pk and again.tokens.count() == 1
    assert not again.may_read("school_records") and not again.may_read("tax_accounts")
    assert again.is_test

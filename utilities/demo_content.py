"""The demo utility customer of Musterwil: a linked account with PV smart meter, water meter, contracts and invoices.

`ensure_demo_utilities(users)` is idempotent. Customer account DEMO_NUMBER belongs to customer@musterwil.example;
DEMO_TRY_NUMBER stays unlinked and waits for DEMO_ACTIVATION_CODE, so a newcomer can try the link. The smart meter
gets two years of 15-minute register values up to now; a second run only appends the quarters since the last
stored value. Every value is a function of its timestamp (a hash, not a random generator), so the curve of a
given quarter is the same whenever and however often the demo is seeded.
"""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from stdnum.ch import esr

from home.pdf import Letterhead, chf, render_pdf, swiss_date

from . import linking
from .models import Contract, Invoice, Medium, Meter, MeterReading, ReadingSource, Register, Unit, UtilityCustomer

DEMO_NUMBER = "200100"
DEMO_TRY_NUMBER = "200200"
# Printed by seed_demo and in docs/utilities.md; only characters of account.link_codes.ALPHABET.
DEMO_ACTIVATION_CODE = "WERK-MUST-ER26"

SMART_METER_NUMBER = "CH-MW-E-3581207"
WATER_METER_NUMBER = "MW-W-0471193"
HISTORY_DAYS = 730
QUARTER = datetime.timedelta(minutes=15)
CHUNK = 10_000
# What the meter displays at the start of the history, in Wh (the register counted before the demo began).
IMPORT_START_WH = 18_250_000
EXPORT_START_WH = 4_120_000
VAT = Decimal("0.081")
POWER_PRICE = Decimal("27.4500")
POWER_BASE_FEE = 600
FEED_IN_PRICE = Decimal("12.0000")

LETTERHEAD = Letterhead(
    name="Werke Musterwil",
    address_lines=["Werkhofstrasse 4", "9999 Musterwil"],
    phone="+41 99 555 20 20",
    email="werke@musterwil.example",
)


# --- the load profile -------------------------------------------------------------------------------------


def _noise(number, salt=0):
    """A repeatable value in [0, 1) for an integer (a small integer hash): the demo's "randomness"."""
    x = (number * 0x9E3779B1 + salt * 0x85EBCA6B + 0x7F4A7C15) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    x = (x * 0x297A2D39) & 0xFFFFFFFF
    x ^= x >> 15
    return x / 2**32


def _peak(hour, centre, width, height):
    return height * math.exp(-(((hour - centre) / width) ** 2) / 2)


def _season(day_of_year):
    """1 in mid-January, -1 in mid-July."""
    return math.cos(2 * math.pi * (day_of_year - 15) / 365.25)


def household_load_watts(local, quarter_number):
    """Average load of the household in this quarter: low at night, peaks in the morning and evening, more in
    winter (a heat-pump boiler), a bit more at weekends."""
    hour = local.hour + local.minute / 60 + 7.5 / 60
    day = local.toordinal()
    shape = (
        180
        + _peak(hour, 7.25, 0.9, 900)
        + _peak(hour, 12.25, 1.0, 500)
        + _peak(hour, 19.0, 1.8, 1100)
        + _peak(hour + 24, 19.0, 1.8, 1100)  # the evening peak's tail after midnight
    )
    season = 1 + 0.45 * _season(local.timetuple().tm_yday)
    weekend = 1.1 if local.weekday() >= 5 else 1.0
    return shape * season * weekend * (0.85 + 0.3 * _noise(day, 1)) * (0.75 + 0.5 * _noise(quarter_number, 2))


def pv_watts(local, quarter_number):
    """Average output of the roof's 8 kWp PV installation: a bell between sunrise and sunset, longer and higher in
    summer, lower on cloudy days; nothing at night."""
    day_of_year = local.timetuple().tm_yday
    summer = math.sin(2 * math.pi * (day_of_year - 80) / 365.25)
    day_length = 12.2 + 3.9 * summer
    solar_noon = 12.5 + (local.dst() or datetime.timedelta()).total_seconds() / 3600
    sunrise = solar_noon - day_length / 2
    position = (local.hour + local.minute / 60 + 7.5 / 60 - sunrise) / day_length
    if not 0 < position < 1:
        return 0.0
    elevation = 0.35 + 0.65 * (summer + 1) / 2
    clouds = 0.25 + 0.75 * _noise(local.toordinal(), 3)
    return 6500 * elevation * clouds * math.sin(math.pi * position) ** 2 * (0.9 + 0.2 * _noise(quarter_number, 4))


def quarter_flows(timestamp):
    """(Wh taken from the grid, Wh fed into it) in the quarter hour that ends at `timestamp`.

    The PV output first covers the household; only the surplus is fed in, only the shortfall is taken.
    """
    start = timezone.localtime(timestamp - QUARTER)
    quarter_number = int(start.timestamp()) // 900
    balance = household_load_watts(start, quarter_number) - pv_watts(start, quarter_number)
    return (round(max(balance, 0) / 4), round(max(-balance, 0) / 4))


def _kwh(watt_hours):
    return Decimal(watt_hours).scaleb(-3)


# --- records ----------------------------------------------------------------------------------------------


def terms_pdf(contract):
    """The one-page contract terms ("Vertragsbedingungen") of a tariff, as the billing application delivers them."""
    unit = "kWh" if contract.medium == Medium.ELECTRICITY else "m³"

    def story(document):
        rows = [
            ("Vertrag", contract.contract_number),
            ("Produkt", contract.tariff_name),
            ("Energiepreis", f"{contract.energy_price.normalize():f} Rp./{unit} (exkl. MWST)"),
            ("Grundgebühr", f"{chf(contract.base_fee_rappen)} pro Monat (exkl. MWST)"),
        ]
        if contract.feed_in_price is not None:
            rows.append(("Rückliefervergütung", f"{contract.feed_in_price.normalize():f} Rp./kWh"))
        rows.append(("Vertragsbeginn", swiss_date(contract.starts_on)))
        return [
            document.heading(f"Vertragsbedingungen {contract.tariff_name}", level=1),
            document.details(rows),
            document.spacer(4),
            document.paragraph(
                "Es gelten die Allgemeinen Geschäftsbedingungen der Werke Musterwil. Die Preise werden jährlich "
                "festgelegt und spätestens Ende August für das Folgejahr publiziert."
            ),
            document.paragraph(
                "Der Vertrag gilt unbefristet und endet mit dem Auszug aus der Liegenschaft. Melden Sie Ein- und "
                "Auszüge bitte mindestens fünf Arbeitstage im Voraus über den Online-Schalter."
            ),
        ]

    return render_pdf(
        f"Vertragsbedingungen {contract.tariff_name}",
        story,
        reference=contract.contract_number,
        letterhead=LETTERHEAD,
        language="de",
    )


def _customer(number, name, street, house_number, postcode, town):
    customer, _created = UtilityCustomer.objects.update_or_create(
        customer_number=number,
        defaults={"name": name, "street": street, "house_number": house_number, "postcode": postcode, "town": town},
    )
    return customer


def _contract(customer, number, **fields):
    contract, _created = Contract.objects.update_or_create(
        contract_number=number, defaults={"customer": customer, **fields}
    )
    if not contract.terms_document:
        name = f"vertragsbedingungen-{number.lower()}.pdf"
        contract.terms_document.save(name, ContentFile(terms_pdf(contract)), save=True)
    return contract


def _meter(customer, contract, number, **fields):
    meter, created = Meter.objects.get_or_create(
        meter_number=number, defaults={"customer": customer, "contract": contract, **fields}
    )
    return meter, created


def ensure_demo_customer(user):
    """Customer account DEMO_NUMBER of `user`, linked to them, with its electricity and water contracts."""
    customer = _customer(
        DEMO_NUMBER,
        user.get_full_name() or user.email,
        user.street,
        user.house_number,
        user.postcode,
        user.town or "Musterwil",
    )
    if customer.linked_at is None:
        customer.holder_user = user
        customer.holder_organisation = None
        customer.linked_at = timezone.now()
        customer.activation_code_digest = ""
        customer.activation_code_expires_at = None
        customer.save(
            update_fields=[
                "holder_user",
                "holder_organisation",
                "linked_at",
                "activation_code_digest",
                "activation_code_expires_at",
                "updated_at",
            ]
        )
    supply = ", ".join(customer.address_lines)
    power = _contract(
        customer,
        f"EL-{DEMO_NUMBER}-1",
        medium=Medium.ELECTRICITY,
        tariff_name="Musterwil Strom Natur",
        energy_price=POWER_PRICE,
        base_fee_rappen=POWER_BASE_FEE,
        feed_in_price=FEED_IN_PRICE,
        supply_address=supply,
        starts_on=datetime.date(2019, 4, 1),
    )
    water = _contract(
        customer,
        f"WA-{DEMO_NUMBER}-1",
        medium=Medium.WATER,
        tariff_name="Wasser Haushalt",
        energy_price=Decimal("185.0000"),
        base_fee_rappen=1200,
        supply_address=supply,
        starts_on=datetime.date(2019, 4, 1),
    )
    return customer, power, water


def ensure_smart_readings(meter, now=None):
    """Two years of 15-minute register values up to `now`, or only the quarters after the last stored ones.

    Returns how many rows were written. The rows go in with bulk_create in chunks: ~140,000 rows in a few seconds.
    """
    end = _floor_to_quarter(now or timezone.now())
    local_today = timezone.localtime(end).date()
    history_start = timezone.make_aware(
        datetime.datetime.combine(local_today - datetime.timedelta(days=HISTORY_DAYS), datetime.time())
    ).astimezone(datetime.UTC)
    # Per register: the last stored (timestamp, Wh); rows start at the history's start for a register without any.
    state, rows = {}, []
    for register in meter.registers:
        last = meter.readings.filter(register=register).order_by("-timestamp").values("timestamp", "value").first()
        if last is None:
            start_wh = IMPORT_START_WH if register == Register.IMPORT else EXPORT_START_WH
            state[register] = [history_start, start_wh]
            rows.append(_reading(meter, register, history_start, start_wh))
        else:
            state[register] = [last["timestamp"], int(last["value"] * 1000)]
    written = 0
    # UTC steps: a quarter is 15 real minutes, also across the nights the clocks change.
    timestamp = min(last_timestamp for last_timestamp, _value in state.values())
    while timestamp < end:
        timestamp += QUARTER
        flows = quarter_flows(timestamp)
        for register, current in state.items():
            if timestamp > current[0]:
                current[0] = timestamp
                current[1] += flows[0 if register == Register.IMPORT else 1]
                rows.append(_reading(meter, register, timestamp, current[1]))
        if len(rows) >= CHUNK:
            written += _write(rows)
            rows = []
    return written + _write(rows)


def _floor_to_quarter(moment):
    moment = moment.astimezone(datetime.UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def _reading(meter, register, timestamp, watt_hours):
    # meter_id, not meter: 140,000 times the related-object descriptor is a noticeable share of seed_demo.
    return MeterReading(
        meter_id=meter.pk, register=register, timestamp=timestamp, value=_kwh(watt_hours), source=ReadingSource.SMART
    )


def _write(rows):
    if rows:
        MeterReading.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def ensure_water_readings(meter, today):
    """Three yearly readings by the utility, a year apart, the last one a year before the next reading is due."""
    if meter.readings.exists():
        return 0
    due = meter.reading_due_on or today + datetime.timedelta(days=21)
    rows = []
    for years_back, value in ((3, "1184.200"), (2, "1291.700"), (1, "1402.300")):
        read_on = _years_before(due, years_back)
        rows.append(
            MeterReading(
                meter=meter,
                register=Register.IMPORT,
                timestamp=timezone.make_aware(datetime.datetime.combine(read_on, datetime.time(10, 0))),
                value=Decimal(value),
                source=ReadingSource.BILLING,
            )
        )
    return _write(rows)


def value_at(meter, register, moment):
    """The register value at `moment` (the last one before it): one probe of the unique index."""
    reading = (
        meter.readings.filter(register=register, timestamp__lte=moment).order_by("-timestamp").values("value").first()
    )
    return reading["value"] if reading else None


def _quarters_before(today, count):
    """The last `count` complete calendar quarters before today, oldest first, as (start, end) dates."""
    month = (today.month - 1) // 3 * 3 + 1
    start = datetime.date(today.year, month, 1)
    periods = []
    for _index in range(count):
        end = start - datetime.timedelta(days=1)
        start = datetime.date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
        periods.append((start, end))
    return list(reversed(periods))


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def invoice_lines(contract, meter, start, end):
    """The lines of a quarterly electricity invoice from the register values at the period's ends (rappen)."""
    used = value_at(meter, Register.IMPORT, _local_midnight(end + datetime.timedelta(days=1))) - value_at(
        meter, Register.IMPORT, _local_midnight(start)
    )
    energy = int((used * contract.energy_price).quantize(Decimal(1), ROUND_HALF_UP))
    base = 3 * contract.base_fee_rappen
    vat = int(((energy + base) * VAT).quantize(Decimal(1), ROUND_HALF_UP))
    total = (energy + base + vat + 2) // 5 * 5  # rounded to 5 Rappen, as cash payments are
    return {"kwh": used, "energy": energy, "base": base, "vat": vat, "total": total}


def invoice_pdf(invoice, lines):
    """A simple one-page invoice with its table (the QR payment part is added by utilities/invoice_pdf.py)."""
    customer = invoice.customer

    def story(document):
        return [
            document.paragraph("\n".join([customer.name, *customer.address_lines])),
            document.spacer(8),
            document.heading(
                f"Rechnung Strom {swiss_date(invoice.period_start)} – {swiss_date(invoice.period_end)}", 1
            ),
            document.details(
                [
                    ("Kundennummer", customer.customer_number),
                    ("Rechnungsnummer", invoice.invoice_number),
                    ("Rechnungsdatum", swiss_date(invoice.issued_on)),
                    ("Zahlbar bis", swiss_date(invoice.due_on)),
                    ("Leistungen", None),
                    (
                        f"Energie {invoice.contract.tariff_name}",
                        f"{lines['kwh']:.1f} kWh à {invoice.contract.energy_price.normalize():f} Rp. = "
                        f"{chf(lines['energy'])}",
                    ),
                    ("Grundgebühr 3 Monate", chf(lines["base"])),
                    (f"MWST {VAT * 100:.1f} %", chf(lines["vat"])),
                    ("Total (gerundet)", chf(lines["total"])),
                ]
            ),
            document.spacer(4),
            document.paragraph(
                "Die Rückliefervergütung Ihrer Photovoltaikanlage schreiben wir Ihnen jährlich separat gut.", "note"
            ),
        ]

    return render_pdf("Rechnung", story, reference=invoice.invoice_number, letterhead=LETTERHEAD, language="de")


def _qr_reference(customer_number, sequence):
    base = f"{int(customer_number):013d}{sequence:013d}"
    return base + esr.calc_check_digit(base)


def ensure_demo_invoices(customer, contract, meter, today):
    """Four quarterly electricity invoices: three paid, the newest open and not yet due. Made once per account."""
    if customer.invoices.exists():
        return []
    made = []
    periods = _quarters_before(today, 4)
    for sequence, (start, end) in enumerate(periods, start=1):
        newest = sequence == len(periods)
        issued_on = today - datetime.timedelta(days=8) if newest else end + datetime.timedelta(days=10)
        due_on = issued_on + datetime.timedelta(days=30)
        lines = invoice_lines(contract, meter, start, end)
        invoice = Invoice.objects.create(
            customer=customer,
            contract=contract,
            invoice_number=f"R-{customer.customer_number}-{end:%Y}-{(end.month - 1) // 3 + 1}",
            period_start=start,
            period_end=end,
            issued_on=issued_on,
            amount_rappen=lines["total"],
            due_on=due_on,
            status=Invoice.Status.OPEN if newest else Invoice.Status.PAID,
            paid_on=None if newest else issued_on + datetime.timedelta(days=18),
            qr_reference=_qr_reference(customer.customer_number, sequence),
        )
        invoice.pdf.save(f"rechnung-{invoice.invoice_number.lower()}.pdf", ContentFile(invoice_pdf(invoice, lines)))
        made.append(invoice)
    return made


def ensure_account_to_try():
    """Customer account DEMO_TRY_NUMBER, never linked by the demo, waiting for DEMO_ACTIVATION_CODE."""
    customer = _customer(DEMO_TRY_NUMBER, "Neumann Lea und Jonas", "Bachweg", "7", "9999", "Musterwil")
    power = _contract(
        customer,
        f"EL-{DEMO_TRY_NUMBER}-1",
        medium=Medium.ELECTRICITY,
        tariff_name="Musterwil Strom Basis",
        energy_price=Decimal("25.1000"),
        base_fee_rappen=POWER_BASE_FEE,
        supply_address="Bachweg 7, 9999 Musterwil",
        starts_on=datetime.date(2025, 10, 1),
    )
    meter, created = _meter(
        customer,
        power,
        "MW-E-0662840",
        medium=Medium.ELECTRICITY,
        unit=Unit.KWH,
        kind=Meter.Kind.MANUAL,
        location="Treppenhaus, Bachweg 7",
    )
    if created:
        MeterReading.objects.create(
            meter=meter,
            register=Register.IMPORT,
            timestamp=timezone.make_aware(datetime.datetime(2025, 10, 1, 9, 0)),
            value=Decimal("5210.000"),
            source=ReadingSource.BILLING,
        )
    if customer.linked_at is None:
        # Keeps the documented code working whenever the demo is set up again, until someone links the account.
        linking.set_activation_code(customer, code=DEMO_ACTIVATION_CODE, valid_days=365)
    return customer


def ensure_demo_utilities(users, now=None):
    """The demo customer's linked account with meters, readings, contracts and invoices, and the account to try.

    Returns {"customer", "to_try", "smart", "water", "written"} (written: reading rows added by this run); an empty
    dict if the demo users have no customer.
    """
    user = users.get("customer")
    if user is None:
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        customer, power, water = ensure_demo_customer(user)
        smart, _created = _meter(
            customer,
            power,
            SMART_METER_NUMBER,
            medium=Medium.ELECTRICITY,
            unit=Unit.KWH,
            kind=Meter.Kind.SMART,
            location=f"Keller, {customer.address_lines[0] if customer.address_lines else ''}".rstrip(", "),
            has_export=True,
        )
        water_meter, _created = _meter(
            customer,
            water,
            WATER_METER_NUMBER,
            medium=Medium.WATER,
            unit=Unit.M3,
            kind=Meter.Kind.MANUAL,
            location="Waschküche",
            reading_due_on=today + datetime.timedelta(days=21),
        )
        written = ensure_smart_readings(smart, now)
        written += ensure_water_readings(water_meter, today)
        ensure_demo_invoices(customer, power, smart, today)
        to_try = ensure_account_to_try()
    return {"customer": customer, "to_try": to_try, "smart": smart, "water": water_meter, "written": written}

"""Demo tax accounts: an activated one with data for the demo resident, and one to try the activation.

`ensure_demo_tax(resident)` is idempotent: it upserts through the same rules the API uses and creates each
document once. The second account is never linked by the demo; its letter code is DEMO_ACTIVATION_CODE.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from home.pdf import chf, render_pdf, swiss_date

from . import tax
from .models import TaxAccount

DEMO_NUMBER = "MW-2026-104233"
DEMO_TRY_NUMBER = "MW-2026-104234"
# For the README: a newcomer activates the second account with this code (letters, digits of link_codes.ALPHABET).
DEMO_ACTIVATION_CODE = "STEU-ERMW-7426"

YEAR = 2026
INSTALMENT_RAPPEN = 124_050
ENTRIES = [
    {
        "external_id": "2026-R1",
        "kind": "instalment",
        "tax_year": YEAR,
        "description": "1. Rate Staats- und Gemeindesteuern 2026",
        "amount_rappen": INSTALMENT_RAPPEN,
        "due_date": datetime.date(2026, 5, 31),
        "booked_on": None,
        "is_paid": True,
    },
    {
        "external_id": "2026-Z1",
        "kind": "payment",
        "tax_year": YEAR,
        "description": "Zahlung 1. Rate (Einzahlung mit QR-Rechnung)",
        "amount_rappen": -INSTALMENT_RAPPEN,
        "due_date": None,
        "booked_on": datetime.date(2026, 5, 27),
        "is_paid": False,
    },
    {
        "external_id": "2026-R2",
        "kind": "instalment",
        "tax_year": YEAR,
        "description": "2. Rate Staats- und Gemeindesteuern 2026",
        "amount_rappen": INSTALMENT_RAPPEN,
        "due_date": datetime.date(2026, 12, 31),
        "booked_on": None,
        "is_paid": False,
    },
    {
        "external_id": "2026-R3",
        "kind": "instalment",
        "tax_year": YEAR,
        "description": "3. Rate Staats- und Gemeindesteuern 2026",
        "amount_rappen": INSTALMENT_RAPPEN,
        "due_date": datetime.date(2027, 3, 31),
        "booked_on": None,
        "is_paid": False,
    },
    {
        "external_id": "2025-SR",
        "kind": "invoice",
        "tax_year": 2025,
        "description": "Schlussrechnung Staats- und Gemeindesteuern 2025",
        "amount_rappen": 368_540,
        "due_date": datetime.date(2026, 4, 30),
        "booked_on": datetime.date(2026, 3, 31),
        "is_paid": True,
    },
    {
        "external_id": "2025-Z1",
        "kind": "payment",
        "tax_year": 2025,
        "description": "Zahlung Schlussrechnung 2025",
        "amount_rappen": -368_540,
        "due_date": None,
        "booked_on": datetime.date(2026, 4, 22),
        "is_paid": False,
    },
]


def provisional_bill_pdf(name, number):
    """The "Provisorische Steuerrechnung 2026" as the tax application would deliver it."""

    def story(document):
        rows = [
            ("Steuerpflichtige Person", name),
            ("Steuernummer", number),
            ("Steuerjahr", str(YEAR)),
            ("Provisorischer Steuerbetrag", chf(3 * INSTALMENT_RAPPEN)),
        ]
        instalments = [entry for entry in ENTRIES if entry["kind"] == "instalment"]
        return [
            document.heading(f"Provisorische Steuerrechnung {YEAR}", level=1),
            document.paragraph(
                "Gestützt auf die letzte Veranlagung stellen wir Ihnen die provisorischen Staats- und "
                f"Gemeindesteuern {YEAR} in drei Raten in Rechnung. Die definitive Abrechnung folgt nach der "
                "Veranlagung."
            ),
            document.spacer(2),
            document.details(rows),
            document.heading("Raten"),
            document.details(
                [
                    (entry["description"], f"{chf(entry['amount_rappen'])}, fällig am {swiss_date(entry['due_date'])}")
                    for entry in instalments
                ]
            ),
            document.spacer(4),
            document.paragraph(
                "Vorauszahlungen werden zum kantonalen Satz verzinst. Fragen beantwortet Ihnen das Steueramt.", "note"
            ),
        ]

    return render_pdf(f"Provisorische Steuerrechnung {YEAR}", story, reference=number, language="de")


def ensure_demo_tax(resident):
    """The demo resident's activated tax account with data, and a second account waiting for activation.

    Returns (activated_account, account_to_try).
    """
    name = resident.get_full_name() or resident.email
    account, _created = tax.upsert_account(
        DEMO_NUMBER,
        name=name,
        balance_rappen=INSTALMENT_RAPPEN,
        balance_date=datetime.date(2026, 11, 1),
        entries=ENTRIES,
    )
    if account.holder_id is None or account.activated_at is None:
        account.holder = resident
        account.activated_at = timezone.now()
        account.activation_code_digest = ""
        account.activation_code_expires_at = None
        account.save(update_fields=["holder", "activated_at", "activation_code_digest", "activation_code_expires_at"])
    if not account.documents.filter(external_id="2026-PROV").exists():
        pdf = ContentFile(provisional_bill_pdf(name, DEMO_NUMBER), name="provisorische-steuerrechnung-2026.pdf")
        tax.add_document(account, "2026-PROV", pdf, f"Provisorische Steuerrechnung {YEAR}", YEAR)

    to_try, _created = tax.upsert_account(
        DEMO_TRY_NUMBER,
        name="Muster-Meier Erika und Hans",
        balance_rappen=-15_000,
        balance_date=datetime.date(2026, 11, 1),
        entries=[
            {
                "external_id": "2025-GS",
                "kind": "credit",
                "tax_year": 2025,
                "description": "Guthaben aus Schlussrechnung 2025",
                "amount_rappen": -15_000,
                "due_date": None,
                "booked_on": datetime.date(2026, 6, 15),
                "is_paid": False,
            }
        ],
    )
    if to_try.holder_id is None:
        # Keeps the README's code working whenever the demo is set up again, until someone activates it.
        tax.set_activation_code(to_try, code=DEMO_ACTIVATION_CODE, valid_days=365)
    return TaxAccount.objects.get(pk=account.pk), TaxAccount.objects.get(pk=to_try.pk)

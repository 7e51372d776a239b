"""Demo data of the payment feature: the QR-bill creditor of the demo municipality (idempotent)."""

from home.models import PortalSettings

# The QR-IBAN of SIX's published examples: valid, reserved for tests, never a real account.
DEMO_QR_IBAN = "CH4431999123000889012"
DEMO_CREDITOR = {
    "creditor_name": "Gemeinde Musterwil",
    "creditor_street": "Dorfstrasse",
    "creditor_house_number": "1",
    "creditor_postcode": "9999",
    "creditor_town": "Musterwil",
    "creditor_country": "CH",
    "creditor_iban": DEMO_QR_IBAN,
}


def ensure_demo_payment_settings(site):
    """Fill the creditor fields of `site`'s portal settings where they are empty; returns the settings."""
    settings = PortalSettings.for_site(site)
    empty = [name for name, value in DEMO_CREDITOR.items() if not getattr(settings, name)]
    for name in empty:
        setattr(settings, name, DEMO_CREDITOR[name])
    if empty:
        settings.save(update_fields=empty)
    return settings

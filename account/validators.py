"""Validators for Swiss identifiers (AHV number, UID) and postcodes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.ch import ssn, uid


def normalize_ahv(value):
    """Return the AHV number in its printed form 756.1234.5678.97, or raise ValidationError."""
    try:
        return ssn.format(ssn.validate(value))
    except Exception as exc:
        raise ValidationError(
            _("Enter a valid AHV number (13 digits starting with 756, e.g. 756.1234.5678.97)."), code="invalid_ahv"
        ) from exc


def validate_ahv(value):
    normalize_ahv(value)


def normalize_uid(value):
    """Return the enterprise identification number as CHE-123.456.789, or raise ValidationError."""
    try:
        return uid.format(uid.validate(value))
    except Exception as exc:
        raise ValidationError(_("Enter a valid UID (e.g. CHE-123.456.788)."), code="invalid_uid") from exc


def validate_uid(value):
    normalize_uid(value)


def validate_swiss_postcode(value):
    if not (value.isdigit() and len(value) == 4 and 1000 <= int(value) <= 9999):
        raise ValidationError(_("Enter a four-digit Swiss postcode (1000–9999)."), code="invalid_postcode")

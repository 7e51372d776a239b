"""The user and organisation models: e-mail identity, assurance, Swiss identifiers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from account.models import AssuranceLevel, Organisation, User
from account.validators import normalize_ahv, normalize_uid

pytestmark = pytest.mark.django_db


def test_email_is_stored_lowercase_and_unique_regardless_of_case():
    user = User.objects.create_user(email="Rita.Muster@Example.ORG", password="x-long-password-1")
    assert user.email == "rita.muster@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="RITA.MUSTER@example.org", password="x-long-password-1")
    assert User.objects.get_by_natural_key("Rita.Muster@example.org") == user


def test_full_name_and_str_fall_back_to_email():
    assert str(User(email="a@example.org")) == "a@example.org"
    assert str(User(email="a@example.org", first_name="Rita", last_name="Muster")) == "Rita Muster"


def test_assurance_is_only_ever_raised(user):
    user.raise_assurance(AssuranceLevel.ADDRESS)
    user.raise_assurance(AssuranceLevel.EMAIL)
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.ADDRESS


@pytest.mark.parametrize("raw", ["7561234567897", "756.1234.5678.97", " 756 1234 5678 97 "])
def test_ahv_numbers_are_normalised(raw):
    assert normalize_ahv(raw.strip()) == "756.1234.5678.97"


@pytest.mark.parametrize("raw", ["756.1234.5678.98", "123", "7561234567"])
def test_invalid_ahv_numbers_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_ahv(raw)
    assert "AHV" in str(error.value)


def test_uid_validation():
    assert normalize_uid("CHE123456788") == "CHE-123.456.788"
    with pytest.raises(ValidationError):
        normalize_uid("CHE-123.456.789")


def test_organisation_address_lines():
    organisation = Organisation(
        name="Verein", street="Dorfstrasse", house_number="1", postcode="9999", town="Musterwil"
    )
    assert organisation.address_lines == ["Dorfstrasse 1", "9999 Musterwil"]
    organisation.country = "DE"
    assert organisation.address_lines[-1] == "DE"

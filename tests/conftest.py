"""Fixtures shared by the whole suite."""

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; one test's failed logins must not leak into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def make_member(db):
    def make(organisation, role="member", user=None):
        return MembershipFactory(organisation=organisation, role=role, **({"user": user} if user else {}))

    return make

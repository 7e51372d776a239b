"""Fixtures: the services fixtures (service pages, resident) plus a specialist application with a token."""

from tests.integration_fixtures import *  # noqa: F403
from tests.services.conftest import *  # noqa: F403

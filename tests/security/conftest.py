"""Fixtures of the security tests: the worlds the other test packages build, reused rather than rebuilt."""

from tests.schools.conftest import school_world  # noqa: F401
from tests.services.conftest import (  # noqa: F401
    home_page,
    make_service_page,
    resident,
    service_form,
    service_index,
    service_page,
)
from tests.utilities.conftest import utility_world  # noqa: F401

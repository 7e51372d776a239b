"""Models of the central account."""

from .organisations import Invitation, Membership, Organisation
from .users import AssuranceLevel, User

__all__ = ["AssuranceLevel", "Invitation", "Membership", "Organisation", "User"]

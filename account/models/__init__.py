"""Models of the central account."""

from .activation import ActivationLetter
from .notifications import Notification, NotificationPreference
from .organisations import Invitation, Membership, Organisation
from .users import AssuranceLevel, User

__all__ = [
    "ActivationLetter",
    "AssuranceLevel",
    "Invitation",
    "Membership",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "User",
]

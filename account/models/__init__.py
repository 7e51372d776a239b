"""Models of the central account."""

from .notifications import Notification, NotificationPreference
from .organisations import Invitation, Membership, Organisation
from .users import AssuranceLevel, User

__all__ = [
    "AssuranceLevel",
    "Invitation",
    "Membership",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "User",
]

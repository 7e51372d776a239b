"""Models of the central account."""

from .activation import ActivationLetter
from .notifications import Notification, NotificationPreference
from .organisations import Invitation, Membership, Organisation
from .privacy import DataExport, PersonalDataAccess
from .security import KnownDevice
from .users import AssuranceLevel, User

__all__ = [
    "ActivationLetter",
    "AssuranceLevel",
    "DataExport",
    "Invitation",
    "KnownDevice",
    "Membership",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "PersonalDataAccess",
    "User",
]

"""Models of services: form definitions, service pages and the cases their submissions become."""

from .cases import Case, CaseDocument, CaseEvent, CaseMessage, CaseStatus, Payment, ReferenceCounter
from .certificates import Certificate, CertificateKind
from .forms import ServiceForm
from .milestones import CaseMilestone
from .pages import ServiceIndexPage, ServiceKind, ServicePage
from .parking import ParkingPermit
from .payments import PaymentImport, PaymentTransaction
from .tax import TaxAccount, TaxDocument, TaxEntry

__all__ = [
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseMessage",
    "CaseMilestone",
    "CaseStatus",
    "Certificate",
    "CertificateKind",
    "ParkingPermit",
    "Payment",
    "PaymentImport",
    "PaymentTransaction",
    "ReferenceCounter",
    "ServiceForm",
    "ServiceIndexPage",
    "ServiceKind",
    "ServicePage",
    "TaxAccount",
    "TaxDocument",
    "TaxEntry",
]

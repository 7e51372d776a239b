"""Models of services: form definitions, service pages and the cases their submissions become."""

from .cases import Case, CaseDocument, CaseEvent, CaseMessage, CaseStatus, Payment, ReferenceCounter
from .forms import ServiceForm
from .pages import ServiceIndexPage, ServicePage

__all__ = [
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseMessage",
    "CaseStatus",
    "Payment",
    "ReferenceCounter",
    "ServiceForm",
    "ServiceIndexPage",
    "ServicePage",
]

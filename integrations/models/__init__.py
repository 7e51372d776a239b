from .clients import ApiToken, SpecialistApplication, WebhookEndpoint
from .deliveries import DeliveryAttempt, WebhookDelivery
from .events import Event, EventSequence
from .records import ApiAuditEntry, IdempotencyRecord

__all__ = [
    "ApiAuditEntry",
    "ApiToken",
    "DeliveryAttempt",
    "Event",
    "EventSequence",
    "IdempotencyRecord",
    "SpecialistApplication",
    "WebhookDelivery",
    "WebhookEndpoint",
]

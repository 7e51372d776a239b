"""The event outbox: what happened, recorded in the same transaction as the change."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventSequence(models.Model):
    """One row whose lock orders event writers, so event ids become visible in ascending order.

    Auto-increment ids alone are handed out at insert time, not at commit time: a reader could see id 11
    before a slower transaction commits id 10 and then skip 10 forever. Holding this row's lock from
    the insert until commit makes commit order equal id order.
    """

    name = models.CharField(_("name"), max_length=20, unique=True, default="events")

    class Meta:
        verbose_name = _("event sequence")
        verbose_name_plural = _("event sequences")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    type = models.CharField(_("type"), max_length=60)
    schema_version = models.PositiveSmallIntegerField(_("schema version"), default=1)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    record_type = models.CharField(_("record type"), max_length=40)
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_ref = models.CharField(_("subject reference"), max_length=64, blank=True)
    destination = models.CharField(_("destination"), max_length=60, blank=True)
    service_id = models.IntegerField(_("service"), null=True, blank=True)
    data = models.JSONField(_("ids"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["destination", "id"], name="event_destination_idx"),
            models.Index(fields=["service_id", "id"], name="event_service_idx"),
        ]

    def __str__(self):
        return f"#{self.id} {self.type} {self.subject_ref or self.subject_id}"

    def payload(self):
        """The thin payload sent to webhooks and the feed: ids only, no personal data."""
        return {
            "id": self.id,
            "type": self.type,
            "schemaVersion": self.schema_version,
            "timestamp": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": {
                "recordType": self.record_type,
                "id": self.subject_id,
                "reference": self.subject_ref,
                "destination": self.destination,
                **self.data,
            },
        }

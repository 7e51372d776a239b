"""Meter readings: register values (what the meter's display shows), never interval consumption.

Consumption over a period is the difference of the register values at its ends, so every view reads one value
per bar boundary through the unique index (meter, register, timestamp) instead of summing raw rows
(utilities/consumption.py). A smart meter sends 35,040 values a year per register.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from account.models.privacy import private_storage

from .meters import Meter, Register


class ReadingSource(models.IntegerChoices):
    SMART = 1, _("Smart meter")
    SELF_REPORTED = 2, _("Reported by the customer")
    ESTIMATED = 3, _("Estimated")
    BILLING = 4, _("Read by the utility")


class MeterReading(models.Model):
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings", verbose_name=_("meter"))
    register = models.PositiveSmallIntegerField(_("register"), choices=Register.choices, default=Register.IMPORT)
    timestamp = models.DateTimeField(_("time"))
    value = models.DecimalField(_("meter reading"), max_digits=15, decimal_places=3)
    source = models.PositiveSmallIntegerField(_("source"), choices=ReadingSource.choices, default=ReadingSource.SMART)

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["meter", "register", "timestamp"]
        constraints = [
            # Also the index of every consumption query: one probe per bar boundary.
            models.UniqueConstraint(fields=["meter", "register", "timestamp"], name="util_reading_unique"),
        ]

    def __str__(self):
        return f"{self.meter_id}/{self.register} {self.timestamp:%Y-%m-%d %H:%M} {self.value}"


def reading_photo_path(instance, filename):
    return f"utilities/readings/{instance.meter_id}/{uuid.uuid4().hex}/{filename}"


class ReadingReport(models.Model):
    """A reading the customer reported for a manual meter: who, when, the photo, and what the check said."""

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="reports", verbose_name=_("meter"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="meter_reading_reports",
        verbose_name=_("reported by"),
    )
    read_on = models.DateField(_("reading date"))
    value = models.DecimalField(_("meter reading"), max_digits=15, decimal_places=3)
    photo = models.ImageField(
        _("photo"), upload_to=reading_photo_path, storage=private_storage, blank=True, max_length=300
    )
    meter_changed = models.BooleanField(
        _("meter was replaced"), default=False, help_text=_("A new meter starts again from a low value.")
    )
    warning = models.TextField(_("plausibility warning"), blank=True, help_text=_("What the check said, if anything."))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reported meter reading")
        verbose_name_plural = _("reported meter readings")
        ordering = ["meter", "-read_on", "-created_at"]

    def __str__(self):
        return f"{self.meter.meter_number} {self.read_on}: {self.value}"

"""Meters of a customer: what they measure, in which unit, read by the smart-meter system or by the customer."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .customers import UtilityCustomer


class Medium(models.TextChoices):
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")
    WATER = "water", _("Water")
    HEAT = "heat", _("District heating")


class Unit(models.TextChoices):
    KWH = "kWh", _("kWh")
    M3 = "m3", _("m³")
    MWH = "MWh", _("MWh")


class Register(models.IntegerChoices):
    """What a register counts: energy taken from the grid, or fed into it (a PV installation's surplus)."""

    IMPORT = 1, _("Consumption")
    EXPORT = 2, _("Feed-in")


class Meter(models.Model):
    class Kind(models.TextChoices):
        SMART = "smart", _("Smart meter (read remotely every 15 minutes)")
        MANUAL = "manual", _("Manual meter (read by you or the utility)")

    customer = models.ForeignKey(
        UtilityCustomer, on_delete=models.CASCADE, related_name="meters", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        "utilities.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meters",
        verbose_name=_("contract"),
    )
    meter_number = models.CharField(_("meter number"), max_length=40, unique=True)
    medium = models.CharField(_("medium"), max_length=12, choices=Medium.choices)
    unit = models.CharField(_("unit"), max_length=4, choices=Unit.choices)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.SMART)
    location = models.CharField(_("location"), max_length=200, blank=True, help_text=_("e.g. Basement, Seestrasse 21"))
    has_export = models.BooleanField(
        _("measures feed-in"), default=False, help_text=_("A bidirectional meter of a PV installation.")
    )
    reading_due_on = models.DateField(
        _("next reading due"), null=True, blank=True, help_text=_("When the customer is asked to report a reading.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["customer", "medium", "meter_number"]

    def __str__(self):
        return f"{self.meter_number} ({self.get_medium_display()})"

    @property
    def is_smart(self):
        return self.kind == self.Kind.SMART

    @property
    def registers(self):
        return [Register.IMPORT, Register.EXPORT] if self.has_export else [Register.IMPORT]

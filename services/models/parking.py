"""Parking permits (Parkkarten) of residents: zone, plates, validity, reminders before expiry."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ParkingPermitQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(holder=user)

    def expiring_between(self, start, end):
        return self.filter(valid_until__gte=start, valid_until__lte=end)


class ParkingPermit(models.Model):
    number = models.CharField(_("permit number"), max_length=20, unique=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="parking_permits", verbose_name=_("holder")
    )
    zone = models.CharField(_("zone"), max_length=40)
    plates = models.JSONField(_("number plates"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    # The case that issued or last renewed the permit.
    case = models.ForeignKey(
        "services.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parking_permits",
        verbose_name=_("case"),
    )
    document = models.ForeignKey(
        "services.CaseDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("permit document"),
    )
    # Which reminder was sent for which expiry date: a renewal moves valid_until and re-arms both.
    reminded_30_for = models.DateField(_("30-day reminder sent for"), null=True, blank=True)
    reminded_7_for = models.DateField(_("7-day reminder sent for"), null=True, blank=True)
    expired_marked_at = models.DateTimeField(_("marked expired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ParkingPermitQuerySet.as_manager()

    class Meta:
        verbose_name = _("parking permit")
        verbose_name_plural = _("parking permits")
        ordering = ["valid_until"]
        indexes = [
            models.Index(fields=["holder", "valid_until"], name="parking_holder_idx"),
            models.Index(fields=["valid_until"], name="parking_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.number} ({self.zone}, {', '.join(self.plates)})"

    def is_expired(self, today=None):
        return self.valid_until < (today or timezone.localdate())

"""What the account remembers for security: the devices a person has logged in with."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KnownDevice(models.Model):
    """A browser or app a person has logged in with; a login from an unknown one may send an e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices", verbose_name=_("user")
    )
    # SHA-256 of what identifies the device (its user agent), so the table holds no raw browser strings.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    label = models.CharField(_("device"), max_length=200, blank=True)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    last_ip = models.GenericIPAddressField(_("last IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices")
        ordering = ["user", "-last_seen"]
        constraints = [models.UniqueConstraint(fields=["user", "fingerprint"], name="account_device_unique")]

    def __str__(self):
        return f"{self.user} – {self.label or self.fingerprint[:12]}"

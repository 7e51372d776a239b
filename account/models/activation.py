"""Activation letters: a one-time code posted to the registered address proves the address."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActivationLetter(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activation_letters",
        verbose_name=_("person"),
    )
    # Only a hash of the code is kept: the code exists in plain text on the printed letter alone.
    code_digest = models.CharField(_("code (hash)"), max_length=128)
    # The address the letter went to; entering the code proves this address, not a later one.
    address = models.JSONField(_("address"), default=dict)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    printed_at = models.DateTimeField(_("printed at"), null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)

    class Meta:
        verbose_name = _("activation letter")
        verbose_name_plural = _("activation letters")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["user", "-requested_at"], name="activation_user_idx"),
            models.Index(fields=["printed_at"], name="activation_printed_idx"),
        ]

    def __str__(self):
        return f"{self.user} ({self.requested_at:%d.%m.%Y})"

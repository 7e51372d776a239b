"""How fees get paid: online checkout attempts and imported bank notifications (camt.054).

The `Payment` of a case (in cases.py) is what is owed; a `PaymentTransaction` is one try to pay it online,
so a failed or abandoned try and the successful retry are all on record while the payment is paid once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PaymentTransaction(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        ABANDONED = "abandoned", _("abandoned")

    payment = models.ForeignKey(
        "services.Payment", on_delete=models.CASCADE, related_name="transactions", verbose_name=_("payment")
    )
    provider = models.CharField(_("provider"), max_length=40)
    provider_reference = models.CharField(_("provider reference"), max_length=100, unique=True)
    amount_rappen = models.PositiveIntegerField(_("amount (Rappen)"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["payment", "status"], name="payment_tx_status_idx")]

    def __str__(self):
        return f"{self.provider} {self.provider_reference} ({self.get_status_display()})"


class PaymentImport(models.Model):
    """One imported bank notification file (camt.054) and what it matched."""

    filename = models.CharField(_("file name"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entries = models.PositiveIntegerField(_("entries"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.JSONField(_("not matched"), default=list, blank=True)

    class Meta:
        verbose_name = _("bank notification import")
        verbose_name_plural = _("bank notification imports")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.filename} ({self.imported_at:%d.%m.%Y %H:%M})"

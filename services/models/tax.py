"""The tax account a resident sees once linked: delivered by the tax application, activated by a letter code."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import private_storage


def tax_document_path(instance, filename):
    return f"tax/{instance.account.taxpayer_number}/{uuid.uuid4().hex}/{filename}"


class TaxAccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only an activated link shows anything: before activation the account is nobody's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(holder=user, activated_at__isnull=False)


class TaxAccount(models.Model):
    taxpayer_number = models.CharField(_("taxpayer number"), max_length=30, unique=True)
    name = models.CharField(_("taxpayer"), max_length=200, help_text=_("As the tax application sends it."))
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tax_accounts",
        verbose_name=_("linked account"),
    )
    # Only a hash of the letter's code is kept; the tax application (or a clerk) sets it with the letter.
    activation_code_digest = models.CharField(_("activation code (hash)"), max_length=128, blank=True)
    activation_code_expires_at = models.DateTimeField(_("activation code valid until"), null=True, blank=True)
    failed_activation_attempts = models.PositiveSmallIntegerField(_("failed activation attempts"), default=0)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    balance_rappen = models.IntegerField(_("balance (Rappen)"), default=0, help_text=_("Negative = credit."))
    balance_date = models.DateField(_("balance as of"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaxAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("tax account")
        verbose_name_plural = _("tax accounts")
        ordering = ["taxpayer_number"]
        indexes = [models.Index(fields=["holder", "activated_at"], name="tax_account_holder_idx")]

    def __str__(self):
        return f"{self.taxpayer_number} {self.name}"


class TaxEntry(models.Model):
    class Kind(models.TextChoices):
        INSTALMENT = "instalment", _("Instalment")
        INVOICE = "invoice", _("Invoice")
        PAYMENT = "payment", _("Payment")
        CREDIT = "credit", _("Credit")

    account = models.ForeignKey(TaxAccount, on_delete=models.CASCADE, related_name="entries", verbose_name=_("account"))
    external_id = models.CharField(_("id in the tax application"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount_rappen = models.IntegerField(_("amount (Rappen)"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    booked_on = models.DateField(_("booked on"), null=True, blank=True)
    is_paid = models.BooleanField(_("paid"), default=False)

    class Meta:
        verbose_name = _("tax account entry")
        verbose_name_plural = _("tax account entries")
        ordering = ["-tax_year", "due_date", "booked_on"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="tax_entry_once")]

    def __str__(self):
        return f"{self.account.taxpayer_number} {self.get_kind_display()} {self.amount_rappen / 100:.2f}"


class TaxDocument(models.Model):
    account = models.ForeignKey(
        TaxAccount, on_delete=models.CASCADE, related_name="documents", verbose_name=_("account")
    )
    external_id = models.CharField(_("id in the tax application"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    tax_year = models.PositiveSmallIntegerField(_("tax year"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=tax_document_path, storage=private_storage, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("delivered at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tax document")
        verbose_name_plural = _("tax documents")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="tax_document_once")]

    def __str__(self):
        return self.title

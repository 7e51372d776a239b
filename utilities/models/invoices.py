"""Supply contracts and invoices, as the billing application sends them."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from account.models.privacy import private_storage

from .customers import UtilityCustomer
from .meters import Medium


def terms_path(instance, filename):
    return f"utilities/contracts/{instance.customer_id}/{uuid.uuid4().hex}/{filename}"


def invoice_path(instance, filename):
    return f"utilities/invoices/{instance.customer_id}/{uuid.uuid4().hex}/{filename}"


class Contract(models.Model):
    customer = models.ForeignKey(
        UtilityCustomer, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("customer")
    )
    contract_number = models.CharField(_("contract number"), max_length=30, unique=True)
    medium = models.CharField(_("medium"), max_length=12, choices=Medium.choices)
    tariff_name = models.CharField(_("tariff"), max_length=120)
    # Prices as the tariff sheet states them, excluding VAT: energy in centimes (Rappen) per unit, with decimals.
    energy_price = models.DecimalField(_("energy price (Rp. per unit)"), max_digits=9, decimal_places=4, default=0)
    base_fee_rappen = models.PositiveIntegerField(_("base fee per month (Rp.)"), default=0)
    feed_in_price = models.DecimalField(
        _("feed-in remuneration (Rp. per unit)"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    supply_address = models.CharField(_("supply address"), max_length=200, blank=True)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"), null=True, blank=True)
    terms_document = models.FileField(
        _("contract terms"), upload_to=terms_path, storage=private_storage, blank=True, max_length=300
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["customer", "-starts_on", "contract_number"]

    def __str__(self):
        return f"{self.contract_number} {self.get_medium_display()} {self.tariff_name}"

    @property
    def is_active(self):
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        UtilityCustomer, on_delete=models.CASCADE, related_name="invoices", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices", verbose_name=_("contract")
    )
    invoice_number = models.CharField(_("invoice number"), max_length=30, unique=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    issued_on = models.DateField(_("issued on"))
    amount_rappen = models.BigIntegerField(_("amount (Rp.)"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    qr_reference = models.CharField(_("payment reference"), max_length=27, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=invoice_path, storage=private_storage, blank=True, max_length=300)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["customer", "-issued_on", "-invoice_number"]
        indexes = [models.Index(fields=["customer", "status", "due_on"], name="util_invoice_status_idx")]

    def __str__(self):
        return self.invoice_number

    @property
    def is_overdue(self):
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()

    @property
    def display_status(self):
        """Open, Overdue, Paid or Cancelled, as the customer reads it."""
        return _("Overdue") if self.is_overdue else self.get_status_display()

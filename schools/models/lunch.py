"""Lunch table (Mittagstisch): weekday bookings per term, single-day cancellations, monthly invoices per family."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import School, Term


class LunchOffer(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="lunch_offers", verbose_name=_("school"))
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="lunch_offers", verbose_name=_("term"))
    # Weekday numbers (0 = Monday) on which lunch is served, e.g. "0,1,3".
    weekdays = models.CharField(_("days"), max_length=20, default="0,1,3,4")
    price_rappen = models.PositiveIntegerField(_("price per lunch (Rappen)"))
    cancellation_deadline = models.TimeField(
        _("cancel until (same day)"), default=datetime.time(8, 0), help_text=_("e.g. 08:00 on the day itself")
    )
    location = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("lunch offer")
        verbose_name_plural = _("lunch offers")
        ordering = ["school", "-term__starts_on"]
        constraints = [models.UniqueConstraint(fields=["school", "term"], name="schools_lunch_offer_unique")]

    def __str__(self):
        return f"{self.school} – {self.term}"

    @property
    def weekday_list(self):
        return sorted({int(day) for day in self.weekdays.split(",") if day.strip().isdigit()})


class LunchBooking(models.Model):
    """A child eats at the lunch table on this weekday every week of the offer's term."""

    offer = models.ForeignKey(LunchOffer, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("offer"))
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lunch_bookings", verbose_name=_("student")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("booked by")
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lunch booking")
        verbose_name_plural = _("lunch bookings")
        ordering = ["offer", "student", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "student", "weekday"], name="schools_lunch_booking_unique")
        ]

    def __str__(self):
        return f"{self.student} – {self.weekday}"


class LunchCancellation(models.Model):
    class Reason(models.TextChoices):
        GUARDIAN = "guardian", _("Cancelled by a guardian")
        ABSENCE = "absence", _("Absence reported")
        SCHOOL = "school", _("Cancelled by the school")

    offer = models.ForeignKey(
        LunchOffer, on_delete=models.CASCADE, related_name="cancellations", verbose_name=_("offer")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("student")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("cancelled by")
    )
    created_at = models.DateTimeField(_("cancelled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lunch cancellation")
        verbose_name_plural = _("lunch cancellations")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["offer", "student", "date"], name="schools_lunch_cancel_unique")]

    def __str__(self):
        return f"{self.student} {self.date:%d.%m.%Y}"


class LunchInvoice(models.Model):
    """One invoice per family (the paying guardian), school and month; billed as a case with a QR-bill payment."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school"))
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lunch_invoices", verbose_name=_("guardian")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    amount_rappen = models.PositiveIntegerField(_("amount (Rappen)"))
    # [{"student": name, "date": "YYYY-MM-DD", "amount_rappen": n}, …] as billed.
    lines = models.JSONField(_("lines"), default=list)
    case = models.ForeignKey(
        "services.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lunch invoice")
        verbose_name_plural = _("lunch invoices")
        ordering = ["-month", "guardian"]
        constraints = [
            models.UniqueConstraint(fields=["school", "guardian", "month"], name="schools_lunch_invoice_unique")
        ]

    def __str__(self):
        return f"{self.guardian} {self.month:%m.%Y}"

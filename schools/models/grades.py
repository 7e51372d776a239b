"""Grades (Noteneinsicht): assessments with weights and grades on the Swiss scale, visible once published."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import SchoolClass


def validate_quarter(value):
    """Swiss grades run from 1 to 6; halves and quarters are allowed, nothing finer."""
    if value is not None and (Decimal(value) * 4) % 1:
        raise ValidationError(_("Grades are given in quarters (e.g. 4.5 or 4.75)."), code="grade_step")


class Assessment(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("class")
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("teacher")
    )
    subject = models.CharField(_("subject"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    # Students and guardians see nothing of an assessment until it is published.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["school_class", "subject", "-date"]
        indexes = [models.Index(fields=["school_class", "subject"], name="schools_assessment_subj_idx")]

    def __str__(self):
        return f"{self.subject}: {self.title} ({self.date:%d.%m.%Y})"


class Grade(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="grades", verbose_name=_("assessment")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grades", verbose_name=_("student")
    )
    value = models.DecimalField(
        _("grade"),
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("6")), validate_quarter],
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["assessment", "student__last_name", "student__first_name"]
        constraints = [models.UniqueConstraint(fields=["assessment", "student"], name="schools_grade_unique")]

    def __str__(self):
        return f"{self.assessment} – {self.student}: {self.value}"

"""The steps of a case's procedure as reported by the specialist application or a clerk (progress view)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case, CaseDocument


class CaseMilestone(models.Model):
    """Where one step of the procedure stands for one case (e.g. "publikation": done, 3.–23. March)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Upcoming")
        ACTIVE = "active", _("In progress")
        DONE = "done", _("Completed")
        SKIPPED = "skipped", _("Not needed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("case"))
    key = models.SlugField(_("key"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    text = models.TextField(_("note for the applicant"), blank=True)
    document = models.ForeignKey(
        CaseDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("document"),
    )
    reported_by = models.CharField(_("reported by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure step of a case")
        verbose_name_plural = _("procedure steps of cases")
        ordering = ["case", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="services_milestone_unique_key")]

    def __str__(self):
        return f"{self.case} – {self.title} ({self.get_status_display()})"

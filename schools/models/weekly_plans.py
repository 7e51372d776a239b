"""Weekly plans (Wochenpläne): what a class works on in a week, published by a teacher, acknowledged by parents."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import SchoolClass


class WeeklyPlan(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="weekly_plans", verbose_name=_("class")
    )
    week_starts_on = models.DateField(_("week (Monday)"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes for students and parents"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    # Students and parents see a plan only once it is published.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly plan")
        verbose_name_plural = _("weekly plans")
        ordering = ["-week_starts_on", "school_class"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "week_starts_on"], name="schools_weeklyplan_unique_week")
        ]

    def __str__(self):
        return f"{self.school_class.name} – {self.week_starts_on:%d.%m.%Y}"


class WeeklyPlanTask(models.Model):
    class Day(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")

    plan = models.ForeignKey(WeeklyPlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    # Empty: to be done at any time during the week.
    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices, null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=80)
    description = models.TextField(_("task"))
    compulsory = models.BooleanField(_("compulsory"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "day", "position", "pk"]

    def __str__(self):
        return f"{self.subject}: {self.description[:40]}"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def plan_attachment_path(instance, filename):
    return f"schools/plans/{instance.plan_id}/{uuid.uuid4().hex}/{filename}"


class WeeklyPlanAttachment(models.Model):
    plan = models.ForeignKey(WeeklyPlan, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("plan"))
    # Class material is for the class's people only: never under the public media folder.
    file = models.FileField(_("file"), upload_to=plan_attachment_path, storage=private_storage, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["plan", "filename"]

    def __str__(self):
        return self.filename


class PlanAcknowledgement(models.Model):
    """A guardian confirms having seen a child's weekly plan."""

    plan = models.ForeignKey(
        WeeklyPlan, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name=_("plan")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("student")
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("guardian")
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan acknowledgement")
        verbose_name_plural = _("plan acknowledgements")
        ordering = ["plan", "acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["plan", "student", "guardian"], name="schools_plan_ack_unique")]

    def __str__(self):
        return f"{self.plan} – {self.guardian}"

"""Absences (Absenzen) and leave requests (Urlaubsgesuche).

Reasons are categories only: the school needs to know whether an absence is excused, never a diagnosis.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import SchoolClass


class ReasonCategory(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    ACCIDENT = "accident", _("Accident")
    APPOINTMENT = "appointment", _("Doctor's or dentist's appointment")
    FAMILY = "family", _("Family reasons")
    OTHER = "other", _("Other")


class Absence(models.Model):
    class Kind(models.TextChoices):
        ABSENCE = "absence", _("Absence")
        LATE = "late", _("Late arrival")

    class Source(models.TextChoices):
        GUARDIAN = "guardian", _("Reported by a guardian")
        TEACHER = "teacher", _("Recorded by a teacher")
        LEAVE = "leave", _("Approved leave")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported, not yet assessed")
        EXCUSED = "excused", _("Excused")
        UNEXCUSED = "unexcused", _("Unexcused")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", verbose_name=_("student")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="absences", verbose_name=_("class")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ABSENCE)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    half_days = models.PositiveSmallIntegerField(_("half-days"), default=0)
    minutes_late = models.PositiveSmallIntegerField(_("minutes late"), default=0)
    reason = models.CharField(_("reason"), max_length=20, choices=ReasonCategory.choices)
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("Practical information only, never a diagnosis.")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REPORTED)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("reported by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    guardians_notified_at = models.DateTimeField(_("guardians notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on", "student"]
        indexes = [
            models.Index(fields=["student", "starts_on"], name="schools_absence_student_idx"),
            models.Index(fields=["school_class", "starts_on"], name="schools_absence_class_idx"),
        ]

    def __str__(self):
        return f"{self.student} {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"


class LeaveRequest(models.Model):
    """Asked in advance; decided by the class teacher up to the school's limit of half-days, above it by the
    school management."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class DecidedBy(models.TextChoices):
        CLASS_TEACHER = "class_teacher", _("Class teacher")
        MANAGEMENT = "management", _("School management")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave_requests", verbose_name=_("student")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="leave_requests", verbose_name=_("class")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    half_days = models.PositiveSmallIntegerField(_("half-days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by_role = models.CharField(_("decided by"), max_length=16, choices=DecidedBy.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["school_class", "status"], name="schools_leave_class_status_idx")]

    def __str__(self):
        return f"{self.student} {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y} ({self.get_status_display()})"

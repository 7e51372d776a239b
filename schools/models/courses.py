"""Course registrations (Kursanmeldungen): courses with capacity, a registration window and a waiting list."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import School


class Course(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="courses", verbose_name=_("school"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    min_grade = models.PositiveSmallIntegerField(_("from grade"), null=True, blank=True)
    max_grade = models.PositiveSmallIntegerField(_("to grade"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    schedule = models.CharField(_("when and where"), max_length=200, blank=True)
    fee_rappen = models.PositiveIntegerField(_("fee (Rappen)"), default=0)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["school", "starts_on", "title"]

    def __str__(self):
        return self.title


class CourseRegistration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("course"))
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_registrations",
        verbose_name=_("student"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # The waiting list is served in the order of registration.
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    moved_up_at = models.DateTimeField(_("moved up from the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The fee is billed as a case with a payment (QR-bill), like every other fee of the portal.
    fee_case = models.ForeignKey(
        "services.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("fee")
    )

    class Meta:
        verbose_name = _("course registration")
        verbose_name_plural = _("course registrations")
        ordering = ["course", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "student"],
                condition=~models.Q(status="cancelled"),
                name="schools_course_reg_one_active",
            )
        ]
        indexes = [models.Index(fields=["course", "status", "created_at"], name="schools_course_reg_queue_idx")]

    def __str__(self):
        return f"{self.course} – {self.student} ({self.get_status_display()})"

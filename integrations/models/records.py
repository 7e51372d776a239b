"""What the API keeps about its own calls: stored responses for idempotency and the audit trail."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .clients import ApiToken, SpecialistApplication


class IdempotencyRecord(models.Model):
    application = models.ForeignKey(
        SpecialistApplication, on_delete=models.CASCADE, related_name="+", verbose_name=_("application")
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("HTTP method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    request_hash = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["application", "key"], name="idempotency_key_per_application")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self):
        return f"{self.application_id}:{self.key}"


class ApiAuditEntry(models.Model):
    """One API call: who (application and token), what (action), on which record, with which outcome."""

    application = models.ForeignKey(
        SpecialistApplication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("application"),
    )
    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)
    method = models.CharField(_("HTTP method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    action = models.CharField(_("action"), max_length=60)
    subject_type = models.CharField(_("record type"), max_length=40, blank=True)
    subject_ref = models.CharField(_("record"), max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(_("response status"))
    remote_addr = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("API audit entry")
        verbose_name_plural = _("API audit entries")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["application", "-at"], name="audit_application_idx"),
            models.Index(fields=["subject_type", "subject_ref"], name="audit_subject_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.application} {self.action} {self.subject_ref}"

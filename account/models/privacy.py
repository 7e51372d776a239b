"""Privacy self-service (Swiss FADP): data exports a person asked for, and the back office's audit trail."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_path(instance, filename):
    return f"exports/{instance.user_id}/{instance.token}.zip"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class DataExport(models.Model):
    """ "Download my data": a ZIP produced by a background job, downloadable by its owner until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports", verbose_name=_("user")
    )
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, storage=private_storage, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="account_export_user_idx"),
            models.Index(fields=["status", "expires_at"], name="account_export_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.user} – {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class PersonalDataAccess(models.Model):
    """Who read or changed a personal record in the back office (DESIGN §7: an audit trail)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")
        CREATE = "create", _("Created")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded")

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    actor_label = models.CharField(_("staff member (as it was)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # The person the record is about; the entry outlives a deleted account (its record type and id remain).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    record_type = models.CharField(_("record type"), max_length=100)
    record_id = models.CharField(_("record"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("access to personal data")
        verbose_name_plural = _("accesses to personal data")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "-at"], name="account_audit_subject_idx"),
            models.Index(fields=["actor", "-at"], name="account_audit_actor_idx"),
            models.Index(fields=["record_type", "record_id"], name="account_audit_record_idx"),
        ]

    def __str__(self):
        when = f"{self.at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_label} {self.get_action_display()} {self.record_type} {self.record_id}".strip()

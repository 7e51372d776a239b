"""Certificates the municipality issues (Wohnsitzbescheinigung …) with a code anyone can verify at /verify/."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L: codes are typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verification_code():
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


class CertificateKind(models.TextChoices):
    RESIDENCE = "residence", _("Certificate of residence (Wohnsitzbescheinigung)")
    HOMETOWN = "hometown", _("Certificate of origin (Heimatausweis)")
    CAPACITY = "capacity", _("Certificate of civil capacity (Handlungsfähigkeitszeugnis)")
    CONDUCT = "conduct", _("Certificate of good conduct (Leumundszeugnis)")


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(holder=user)


class Certificate(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    code = models.CharField(
        _("verification code"), max_length=20, unique=True, default=new_verification_code, editable=False
    )
    case = models.ForeignKey(
        "services.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("case"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    # What the certificate states, frozen when issued; the public check shows exactly this and nothing else.
    data = models.JSONField(_("certified data"), default=dict)
    document = models.ForeignKey(
        "services.CaseDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["holder", "-issued_at"], name="certificate_holder_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.code}"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def is_valid(self, today=None):
        today = today or timezone.localdate()
        return not self.is_revoked and (self.valid_until is None or self.valid_until >= today)

"""Registered specialist applications, their API tokens and their webhook endpoints."""

import base64
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .. import urlsafety
from ..scopes import RECORD_TYPES, parse_destinations

TOKEN_PREFIX = "gpk_"  # noqa: S105 — a marker that makes leaked tokens easy to spot, not a secret
SECRET_PREFIX = "whsec_"  # noqa: S105 — the Standard Webhooks marker


def new_webhook_secret():
    """A Standard Webhooks secret: "whsec_" followed by 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def token_digest(token):
    # Tokens carry 240 random bits, so a fast hash is enough: nothing to brute-force, and every request
    # can look its token up by digest in one indexed query.
    return hashlib.sha256(token.encode()).hexdigest()


class SpecialistApplicationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class SpecialistApplication(models.Model):
    """A vendor's application that the municipality lets exchange data with the portal."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("identifier"),
        max_length=60,
        unique=True,
        help_text=_("Used as the recipient id in message headers, e.g. 'betreibungsamt-musterwil'."),
    )
    vendor = models.CharField(_("vendor"), max_length=120, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive applications cannot call the API and receive no events.")
    )
    services = models.ManyToManyField(
        "services.ServicePage",
        blank=True,
        related_name="+",
        verbose_name=_("services"),
        help_text=_("The application sees the cases and events of these services …"),
    )
    destinations = models.CharField(
        _("destinations"),
        max_length=255,
        blank=True,
        help_text=_("… and of every service whose destination is listed here (comma-separated, e.g. 'bauamt')."),
    )
    read_types = models.JSONField(_("may read"), default=list, blank=True)
    write_types = models.JSONField(_("may write"), default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    is_test = models.BooleanField(
        _("test application"), default=False, help_text=_("Messages to it carry testDeliveryFlag = true.")
    )
    acknowledged_event_id = models.BigIntegerField(
        _("events handled up to"), default=0, help_text=_("The feed cursor the application acknowledged last.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SpecialistApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("specialist application")
        verbose_name_plural = _("specialist applications")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.slug:
            self.slug = slugify(self.name)[:60]
        unknown = sorted((set(self.read_types) | set(self.write_types)) - set(RECORD_TYPES))
        if unknown:
            raise ValidationError(_("Unknown record types: %(types)s") % {"types": ", ".join(unknown)})
        self.destinations = ", ".join(parse_destinations(self.destinations))

    @property
    def destination_list(self):
        return parse_destinations(self.destinations)

    def may_read(self, record_type):
        return record_type in self.read_types

    def may_write(self, record_type):
        return record_type in self.write_types

    def issue_token(self, *, name="", created_by=None, expires_at=None, token=None):
        """Create a token and return (ApiToken, plain token). The plain token is shown once and never stored."""
        token = token or TOKEN_PREFIX + secrets.token_urlsafe(30)
        api_token = ApiToken.objects.create(
            application=self,
            name=name,
            prefix=token[:12],
            digest=token_digest(token),
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
            expires_at=expires_at,
        )
        return api_token, token

    def rotate_tokens(self, *, overlap=None, created_by=None):
        """Issue a new token; the current ones keep working for `overlap` (default: setting) and then expire."""
        overlap = overlap if overlap is not None else settings.INTEGRATIONS_TOKEN_ROTATION_OVERLAP
        until = timezone.now() + overlap
        for old in self.tokens.usable():
            if old.expires_at is None or old.expires_at > until:
                old.expires_at = until
                old.save(update_fields=["expires_at"])
        return self.issue_token(name=_("rotated %(date)s") % {"date": timezone.localdate()}, created_by=created_by)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token of an application; only its SHA-256 digest is stored."""

    application = models.ForeignKey(
        SpecialistApplication, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("application")
    )
    name = models.CharField(_("label"), max_length=120, blank=True)
    prefix = models.CharField(_("begins with"), max_length=16)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.application})"

    @property
    def is_usable(self):
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class WebhookEndpoint(models.Model):
    """A URL of an application that receives signed event notifications."""

    application = models.ForeignKey(
        SpecialistApplication, on_delete=models.CASCADE, related_name="endpoints", verbose_name=_("application")
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(
        _("event types"),
        default=list,
        blank=True,
        help_text=_("Leave empty to receive every event the application may read."),
    )
    secret = models.CharField(_("signing secret"), max_length=80, default=new_webhook_secret, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["application__name", "url"]

    def __str__(self):
        return self.url

    def clean(self):
        from ..events import EVENT_TYPES  # events imports this models package

        errors = {}
        if self.url:
            try:
                urlsafety.check_webhook_url(self.url)
            except ValidationError as error:
                errors["url"] = error.messages
        if not isinstance(self.event_types, list):
            errors["event_types"] = [_("Enter a list of event types.")]
        elif unknown := sorted(set(self.event_types) - set(EVENT_TYPES)):
            errors["event_types"] = [_("Unknown event types: %(types)s") % {"types": ", ".join(unknown)}]
        if errors:
            raise ValidationError(errors)

    def wants(self, event_type):
        return not self.event_types or event_type in self.event_types

    def rotate_secret(self):
        self.secret = new_webhook_secret()
        self.save(update_fields=["secret"])
        return self.secret

    def disable(self, reason):
        self.is_active = False
        self.disabled_reason = reason[:200]
        self.save(update_fields=["is_active", "disabled_reason"])

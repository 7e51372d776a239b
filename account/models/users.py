"""The portal user: one account per person, logging in with an e-mail address."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ..validators import validate_ahv
from .address import PostalAddress


class AssuranceLevel(models.IntegerChoices):
    """What is proven about a person's identity; services may require a minimum level."""

    NONE = 0, _("Not verified")
    EMAIL = 10, _("E-mail address verified")
    ADDRESS = 20, _("Postal address verified")
    IDENTITY = 30, _("Identity verified")


class PortalUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(PostalAddress, AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    ahv_number = models.CharField(
        _("AHV number"), max_length=16, blank=True, validators=[validate_ahv], help_text=_("e.g. 756.1234.5678.97")
    )
    assurance_level = models.PositiveSmallIntegerField(
        _("assurance level"), choices=AssuranceLevel.choices, default=AssuranceLevel.NONE
    )
    login_notifications = models.BooleanField(
        _("e-mail me about logins from new devices"),
        default=True,
        help_text=_("An e-mail when someone logs in to your account with a browser or device not seen before."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # One person, one account: addresses differing only in case are the same address.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()

    def raise_assurance(self, level):
        """Raise (never lower) the assurance level to `level`."""
        if level > self.assurance_level:
            self.assurance_level = level
            self.save(update_fields=["assurance_level"])

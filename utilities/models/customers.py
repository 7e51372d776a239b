"""The utility's customer account as the billing application keeps it, and its link to a portal account."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from account.models import Membership, Organisation


class UtilityCustomerQuerySet(models.QuerySet):
    def linked(self):
        return self.filter(linked_at__isnull=False)

    def visible_to(self, user):
        """Customer accounts the person may see in any context: linked to them, or to an organisation they manage.

        Before the link is activated a customer account is nobody's.
        """
        if not user.is_authenticated:
            return self.none()
        managed = Membership.objects.filter(user=user, role__in=Membership.MANAGING_ROLES).values("organisation_id")
        return self.linked().filter(
            Q(holder_user=user, holder_organisation__isnull=True) | Q(holder_organisation__in=managed)
        )

    def of_context(self, acting):
        """Customer accounts of the acting context (personal, or the organisation if the person manages it)."""
        if not acting.user.is_authenticated:
            return self.none()
        if acting.is_personal:
            return self.linked().filter(holder_user=acting.user, holder_organisation__isnull=True)
        if not acting.membership.can_manage:
            return self.none()
        return self.linked().filter(holder_organisation=acting.organisation)


class UtilityCustomer(models.Model):
    customer_number = models.CharField(_("customer number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, help_text=_("As the billing application sends it."))
    street = models.CharField(_("street"), max_length=100, blank=True)
    house_number = models.CharField(_("house number"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CH")
    # Linked to a person (holder_user only) or to an organisation (holder_organisation; holder_user is who linked).
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="utility_customers",
        verbose_name=_("linked by"),
    )
    holder_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="utility_customers",
        verbose_name=_("linked organisation"),
    )
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    # Only a hash of the letter's code is kept (account/link_codes.py).
    activation_code_digest = models.CharField(_("activation code (hash)"), max_length=128, blank=True)
    activation_code_expires_at = models.DateTimeField(_("activation code valid until"), null=True, blank=True)
    failed_activation_attempts = models.PositiveSmallIntegerField(_("failed activation attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UtilityCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("utility customer")
        verbose_name_plural = _("utility customers")
        ordering = ["customer_number"]
        indexes = [
            models.Index(fields=["holder_user", "linked_at"], name="util_customer_holder_idx"),
            models.Index(fields=["holder_organisation", "linked_at"], name="util_customer_org_idx"),
        ]

    def __str__(self):
        return f"{self.customer_number} {self.name}"

    @property
    def is_linked(self):
        return self.linked_at is not None

    @property
    def address_lines(self):
        street = " ".join(part for part in (self.street, self.house_number) if part)
        town = " ".join(part for part in (self.postcode, self.town) if part)
        return [line for line in (street, town) if line]

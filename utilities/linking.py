"""Linking a utility customer account to a portal account with the customer number and a letter code.

The billing application issues the code (API) and prints it on a letter or invoice; the person types number and
code in the account. The link goes to the acting context: the person, or an organisation they manage. Before
the link exists the customer account, its contracts, meters, readings and invoices are nobody's
(`UtilityCustomer.objects.visible_to`). Codes follow account/link_codes.py: single use, expire, five wrong codes
block the customer account until a new code is issued, and a person has ten attempts a quarter of an hour.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from account import link_codes, notifications

from .models import UtilityCustomer

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "utilities"
MAX_FAILED_ATTEMPTS = 5
DEFAULT_VALID_DAYS = 90
RATE_LIMIT_ATTEMPTS = 10
RATE_LIMIT_WINDOW = 15 * 60


class LinkError(Exception):
    """A rule refused; the message is meant for the person."""


def normalise_number(number):
    return "".join(str(number or "").split()).upper()


def wrong_number_or_code():
    # The same words whether the number exists or not: the form must not tell which numbers are real.
    return _("Customer number or activation code is wrong.")


def set_activation_code(customer, code=None, valid_days=DEFAULT_VALID_DAYS):
    """Give the customer account a new letter code and return it in plain text, formatted "ABCD-EFGH-JKMN".

    Only its hash and expiry are stored; the previous code stops working and failed attempts start again.
    """
    plain = link_codes.normalise(code) if code else link_codes.new()
    if not link_codes.is_well_formed(plain):
        raise ValueError(f"An activation code has {link_codes.LENGTH} characters of {link_codes.ALPHABET}.")
    customer.activation_code_digest = link_codes.digest(plain)
    customer.activation_code_expires_at = timezone.now() + datetime.timedelta(days=valid_days)
    customer.failed_activation_attempts = 0
    customer.save(
        update_fields=[
            "activation_code_digest",
            "activation_code_expires_at",
            "failed_activation_attempts",
            "updated_at",
        ]
    )
    return link_codes.display(plain)


def link(acting, customer_number, code):
    """Link the customer account with this number to the acting context if the code fits; return it.

    Raises LinkError with a message for the person. A wrong number and a wrong code read the same.
    """
    user = acting.user
    if not acting.is_personal and not acting.membership.can_manage:
        raise LinkError(_("Only owners and administrators of %(name)s can link accounts.") % {"name": acting.label})
    if link_codes.too_many_attempts("utilities", user, RATE_LIMIT_ATTEMPTS, RATE_LIMIT_WINDOW):
        raise LinkError(_("Too many attempts. Please wait a quarter of an hour and try again."))
    number = normalise_number(customer_number)
    plain = link_codes.normalise(code)
    if not number or not plain:
        raise LinkError(wrong_number_or_code())
    with transaction.atomic():
        # The failure count must survive the refusal, so refusals are returned from the block, not raised in it.
        customer, error = _link(acting, number, plain)
    if error:
        logger.info("utility link refused for user %s (customer number %s)", user.pk, number)
        raise LinkError(error)
    logger.info("utility customer %s linked by user %s", customer.customer_number, user.pk)
    return customer


def _link(acting, number, plain):
    customer = UtilityCustomer.objects.select_for_update(of=("self",)).filter(customer_number__iexact=number).first()
    if customer is None:
        return None, wrong_number_or_code()
    usable = customer.activation_code_digest and customer.failed_activation_attempts < MAX_FAILED_ATTEMPTS
    if not usable or not link_codes.matches(plain, customer.activation_code_digest):
        if customer.activation_code_digest:
            UtilityCustomer.objects.filter(pk=customer.pk).update(
                failed_activation_attempts=customer.failed_activation_attempts + 1
            )
        return None, wrong_number_or_code()
    # From here on the person has the letter: the remaining reasons may be said plainly.
    if customer.activation_code_expires_at and customer.activation_code_expires_at < timezone.now():
        return None, _("This activation code has expired. Please ask the utility for a new one.")
    customer.holder_user = acting.user
    customer.holder_organisation = acting.organisation
    customer.linked_at = timezone.now()
    customer.activation_code_digest = ""
    customer.activation_code_expires_at = None
    customer.failed_activation_attempts = 0
    customer.save(
        update_fields=[
            "holder_user",
            "holder_organisation",
            "linked_at",
            "activation_code_digest",
            "activation_code_expires_at",
            "failed_activation_attempts",
            "updated_at",
        ]
    )
    notifications.notify(
        acting.user,
        NOTIFICATION_KIND,
        _("Customer account %(number)s is linked") % {"number": customer.customer_number},
        _("You now see its contracts, meters, consumption and invoices under Energy and water."),
    )
    return customer, ""


def unlink(acting, customer):
    """End the link; the customer account is nobody's again until linked with a new code from the utility."""
    if customer not in UtilityCustomer.objects.of_context(acting):
        raise LinkError(_("This customer account is not linked to %(name)s.") % {"name": acting.label})
    UtilityCustomer.objects.filter(pk=customer.pk).update(
        holder_user=None, holder_organisation=None, linked_at=None, updated_at=timezone.now()
    )
    logger.info("utility customer %s unlinked by user %s", customer.customer_number, acting.user.pk)

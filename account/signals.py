"""Signal handlers: a verified e-mail address raises the assurance level."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from .models import AssuranceLevel


@receiver(email_confirmed)
def raise_assurance_on_verified_email(sender, request, email_address, **kwargs):
    email_address.user.raise_assurance(AssuranceLevel.EMAIL)

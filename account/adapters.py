"""allauth adapter: how the portal sends account e-mails and names its users."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return getattr(settings, "PORTAL_SIGNUP_OPEN", True)

    def format_email_subject(self, subject):
        # The site name is in the subject already (account e-mail templates name the municipality).
        return subject.strip()

"""allauth adapter: account e-mails speak in the municipality's name."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from home.models import PortalSettings


def portal_identity(request):
    """Name and host that e-mails sign with: the site's municipality name, else WAGTAIL_SITE_NAME."""
    name = ""
    domain = settings.WAGTAILADMIN_BASE_URL.split("://", 1)[-1].rstrip("/")
    if request is not None:
        domain = request.get_host()
        try:
            name = PortalSettings.for_request(request).municipality_name
        except Exception:  # no Wagtail site matches the host (e.g. a bare IP): fall back to the setting
            name = ""
    return SimpleNamespace(name=name or settings.WAGTAIL_SITE_NAME, domain=domain)


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return getattr(settings, "PORTAL_SIGNUP_OPEN", True)

    def format_email_subject(self, subject):
        # Subjects name the municipality in the body already; no "[site]" prefix.
        return subject.strip()

    def send_mail(self, template_prefix, email, context):
        context = {**context, "current_site": portal_identity(getattr(self, "request", None))}
        super().send_mail(template_prefix, email, context)

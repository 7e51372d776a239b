"""Where the portal's forms may lead: CSP form-action beyond 'self' for logins that continue at another site.

Browsers apply form-action to every redirect that follows a form submission, not only to the form's own address.
Three of the portal's forms end at another site by design: the e-ID buttons (POST, then a redirect to SwissID, AGOV
or the partner provider), and the consent and logout pages of the portal's own OpenID Connect provider (POST, then
a redirect back to the app), as does the login page when a login for an app ends with a client that skips consent.
With form-action 'self' alone the browser stops those redirects. So every HTML page's policy also allows the
configured e-ID providers and the addresses registered for login clients in the back office; nothing else.
"""

from urllib.parse import urlsplit

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

CACHE_KEY = "account:csp:client-form-action"
# Other processes notice a changed client after at most this long (the signal clears only the local cache).
CACHE_SECONDS = 300


def source_of(uri):
    """The CSP source of an address: its origin for http(s), the scheme alone for an app's own scheme."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in {"http", "https"}:
        if not parts.hostname or any(char in parts.netloc for char in " ;,'\""):
            return None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"
    if scheme and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum():
        return f"{scheme}:"
    return None


def eid_sources():
    """Origins of the e-ID providers configured in the settings (their login pages are at the server URL's host)."""
    apps = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get("openid_connect", {}).get("APPS", [])
    return [source for app in apps if (source := source_of(app.get("settings", {}).get("server_url", "")))]


def client_sources():
    """Sources of every redirect and post-logout address registered for a login client."""

    def load():
        sources = set()
        for client in Client.objects.only("redirect_uris", "data"):
            for uri in (*client.get_redirect_uris(), *client.get_post_logout_redirect_uris()):
                if source := source_of(uri):
                    sources.add(source)
        return sorted(sources)

    return cache.get_or_set(CACHE_KEY, load, CACHE_SECONDS)


@receiver(post_save, sender=Client)
@receiver(post_delete, sender=Client)
def _forget_client_sources(sender, **kwargs):
    cache.delete(CACHE_KEY)


def form_action_sources():
    return list(dict.fromkeys([*eid_sources(), *client_sources()]))


class FormActionMiddleware:
    """Adds form_action_sources() to the form-action of HTML responses (django-csp's per-response update)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only pages can hold forms; redirects and files need no policy of their own.
        if not 300 <= response.status_code < 400 and response.get("Content-Type", "").startswith("text/html"):
            sources = form_action_sources()
            if sources:
                update = dict(getattr(response, "_csp_update", None) or {})
                update["form-action"] = [*update.get("form-action", []), *sources]
                response._csp_update = update
        return response

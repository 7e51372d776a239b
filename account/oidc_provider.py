"""The portal as OpenID Connect provider ("Login mit Musterwil-Konto") for the municipality's apps.

allauth.idp.oidc runs the protocol; this module decides what an app learns about a person (claims per scope),
how the scopes are described on the consent page, and clears expired tokens (daily schedule, migration 0005).
"""

import logging
from io import StringIO
from urllib.parse import urlsplit

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import AssuranceLevel, Membership

logger = logging.getLogger(__name__)

# The portal's own scope: what the portal knows about a person beyond name and e-mail.
PORTAL_SCOPE = "portal"
STANDARD_SCOPES = ("openid", "profile", "email")
SCOPES = (*STANDARD_SCOPES, PORTAL_SCOPE)

PORTAL_CLAIMS = ("assurance_level", "assurance_level_label", "organisations")
PROFILE_CLAIMS = ("name", "given_name", "family_name", "locale")

SCOPE_LABELS = {
    "openid": _("Recognise you when you log in again (your account number)"),
    "profile": _("Your name and language"),
    "email": _("Your e-mail address"),
    PORTAL_SCOPE: _("How well your identity is verified, and the organisations you may act for"),
}


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Schemes that would run code or read files instead of returning to an app.
FORBIDDEN_SCHEMES = {"javascript", "data", "file", "vbscript", "blob", "about"}


def redirect_uri_problem(uri):
    """Why `uri` may not be registered as a redirect (or post-logout) address of a client, or None if it may.

    https everywhere, plain http only back to the same computer (a developer's app, a desktop app listening on a
    loopback port), and an app's own scheme (ch.musterwil.app:/callback) for native apps (RFC 8252).
    """
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
    except ValueError:
        return gettext("%(uri)s is not a valid address.") % {"uri": uri}
    scheme = parts.scheme.lower()
    if not scheme:
        return gettext("%(uri)s is not an absolute address.") % {"uri": uri}
    if parts.fragment or "#" in uri:
        return gettext("%(uri)s must not contain a fragment (#).") % {"uri": uri}
    if "*" in uri:
        return gettext("%(uri)s: wildcards are not accepted; list every address.") % {"uri": uri}
    if scheme in FORBIDDEN_SCHEMES:
        return gettext("%(uri)s: the scheme %(scheme)s is not accepted.") % {"uri": uri, "scheme": scheme}
    if scheme in {"http", "https"}:
        if not hostname:
            return gettext("%(uri)s has no host.") % {"uri": uri}
        if scheme == "http" and hostname not in LOOPBACK_HOSTS:
            return gettext("%(uri)s: use https (plain http only for localhost or 127.0.0.1).") % {"uri": uri}
    return None


def portal_claims(user):
    """The claims of the portal scope: assurance level and the person's own memberships, nobody else's."""
    level = AssuranceLevel(user.assurance_level)
    # The label is for display in the app; the person's language, as on their other letters and e-mails.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        label = str(level.label)
        memberships = Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")
        organisations = [
            {"id": membership.organisation_id, "name": membership.organisation.name, "role": membership.role}
            for membership in memberships
        ]
    return {"assurance_level": int(level), "assurance_level_label": label, "organisations": organisations}


class PortalOIDCAdapter(DefaultOIDCAdapter):
    scope_display = SCOPE_LABELS

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        # allauth offers preferred_username, which would only repeat the e-mail address here.
        claims.pop("preferred_username", None)
        if "profile" in scopes and user.language:
            claims["locale"] = user.language
        if PORTAL_SCOPE in scopes:
            claims.update(portal_claims(user))
        return claims

    def populate_server_metadata(self, data):
        data["scopes_supported"] = list(SCOPES)
        data["claims_supported"] = ["sub", "email", "email_verified", *PROFILE_CLAIMS, *PORTAL_CLAIMS]


def cleanup_tokens():
    """Delete expired access and refresh tokens and authorisation codes (daily django-q2 schedule)."""
    output = StringIO()
    call_command("oidc_cleartokens", stdout=output)
    message = output.getvalue().strip()
    logger.info("OpenID Connect provider: %s", message)
    return message

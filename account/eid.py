"""Login with an e-ID (SwissID, AGOV, a partner IdP) through allauth's openid_connect provider.

Rules (details and sources in docs/login-and-privacy.md, section "e-ID login"):
- Providers come from the environment only (config/settings/eid.py); a SocialApp row in the database is ignored.
- A first e-ID login of an unknown person goes through the signup form, prefilled from the claims, and the account
  opens only after the e-mail address is confirmed, even when the IdP says it checked the address.
- An e-ID is never joined to an existing account because of its e-mail address: the person logs in to that account
  and links the e-ID under "Login with e-ID" (allauth's connections page), which asks for reauthentication.
- Names and date of birth from the claims are stored when the account is created, never on later logins.
- After a successful e-ID login, or linking an e-ID, the `acr` (and SwissID's quality-of-registration claim) of that
  login may raise the person's assurance level through settings.PORTAL_EID_ACR_LEVELS; it never lowers it.
"""

import logging
import re
import time
from datetime import date

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.signals import user_logged_in
from allauth.account.utils import filter_users_by_email
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount import app_settings as socialaccount_settings
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.forms import SignupForm
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.signals import social_account_added, social_account_removed, social_account_updated
from django import forms
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AssuranceLevel, User
from .notifications import notify

logger = logging.getLogger(__name__)

# Claims whose value says what the login proves: the standard `acr`, and SwissID's quality of registration.
QUALITY_CLAIMS = ("acr", "urn:swissid:qor")
LANGUAGE_STATE_KEY = "portal_language"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- claims and the assurance level --------------------------------------------------------------------------


def eid_claims(extra_data):
    """The claims of one e-ID login from what allauth stores in SocialAccount.extra_data.

    allauth keeps {"userinfo": {...}, "id_token": {...}} (before 65.11 the userinfo alone); the ID token wins
    where both carry a claim, as it is the signed statement about this login.
    """
    extra_data = extra_data or {}
    if "userinfo" not in extra_data and "id_token" not in extra_data:
        return dict(extra_data)
    return {**(extra_data.get("userinfo") or {}), **(extra_data.get("id_token") or {})}


def _claim_value(value):
    # SwissID's quality of registration may come as {"value": "qor1"}.
    if isinstance(value, dict):
        value = value.get("value")
    return value if isinstance(value, str) else None


def assurance_from_claims(claims):
    """The AssuranceLevel a login with these claims proves, or None when no claim value is in the table."""
    table = settings.PORTAL_EID_ACR_LEVELS
    levels = []
    for name in QUALITY_CLAIMS:
        value = _claim_value((claims or {}).get(name))
        if value is None or value not in table:
            continue
        level = table[value]
        if level not in AssuranceLevel.values:
            logger.warning("PORTAL_EID_ACR_LEVELS maps %r to %r, which is no assurance level; ignored.", value, level)
            continue
        levels.append(level)
    return max(levels) if levels else None


def raise_assurance_from_login(user, sociallogin):
    """Raise (never lower) `user`'s assurance level to what this e-ID login proves; True if it was raised."""
    account = sociallogin.account
    claims = eid_claims(account.extra_data)
    level = assurance_from_claims(claims)
    if level is None:
        return False
    # One conditional UPDATE: a concurrent raise to a higher level is never undone by this one.
    raised = User.objects.filter(pk=user.pk, assurance_level__lt=level).update(assurance_level=level)
    if not raised:
        return False
    previous = user.assurance_level
    user.assurance_level = level
    provider_name = _provider_name(sociallogin)
    logger.info(
        "Assurance level of user %s raised from %s to %s by a login with %s (provider %s, acr %r, qor %r).",
        user.pk,
        previous,
        level,
        provider_name,
        account.provider,
        _claim_value(claims.get("acr")),
        _claim_value(claims.get("urn:swissid:qor")),
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if level >= AssuranceLevel.IDENTITY:
            title = _("Your identity has been verified")
            body = _(
                "You logged in with %(provider)s, which has checked your identity. "
                "All services that require a verified identity are open to you."
            ) % {"provider": provider_name}
        else:
            title = _("Your verification level has been raised")
            body = _("You logged in with %(provider)s. Your verification level is now: %(level)s.") % {
                "provider": provider_name,
                "level": AssuranceLevel(level).label,
            }
        notify(user, "account", title, body, url=reverse("useraccount:verification"))
    return True


def _provider_name(sociallogin):
    try:
        return sociallogin.provider.name
    except Exception:  # the provider was removed from the settings since this login started
        return sociallogin.account.provider


@receiver(user_logged_in)
def raise_assurance_on_eid_login(sender, request, user, **kwargs):
    # Sent when the login is complete (after a second factor and, on signup, after the e-mail confirmation).
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        raise_assurance_from_login(user, sociallogin)


@receiver(social_account_added)
def raise_assurance_on_eid_linked(sender, request, sociallogin, **kwargs):
    _notify_link(sociallogin.user, _provider_name(sociallogin), linked=True)
    raise_assurance_from_login(sociallogin.user, sociallogin)


@receiver(social_account_removed)
def tell_about_removed_eid(sender, request, socialaccount, **kwargs):
    try:
        provider_name = socialaccount.get_provider().name
    except Exception:  # the provider was removed from the settings since it was linked
        provider_name = socialaccount.provider
    _notify_link(socialaccount.user, provider_name, linked=False)


def _notify_link(user, provider_name, *, linked):
    # A new way into the account, or one less: the person hears of it, in case it was not them.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if linked:
            title = _("%(provider)s was linked to your account") % {"provider": provider_name}
            body = _("From now on you can log in with %(provider)s.") % {"provider": provider_name}
        else:
            title = _("%(provider)s was removed from your account") % {"provider": provider_name}
            body = _("You can no longer log in with %(provider)s.") % {"provider": provider_name}
        body += " " + _("If this was not you, please tell the municipality at once.")
        notify(user, "account", title, body, url=reverse("socialaccount_connections"))


@receiver(social_account_updated)
def raise_assurance_on_eid_relinked(sender, request, sociallogin, **kwargs):
    # Linking an e-ID that is already linked refreshes its claims but sends no social_account_added; a login
    # with it is handled by user_logged_in once the login is complete.
    if sociallogin.state.get("process") == AuthProcess.CONNECT:
        raise_assurance_from_login(sociallogin.user, sociallogin)


# --- reauthentication for people without a password ---------------------------------------------------------


def needs_fresh_login(request):
    """True if a person who has neither password nor second factor last logged in too long ago to link or unlink.

    allauth reauthenticates with the password or a second factor and lets everyone else through: a person who
    signed up with an e-ID has neither, so for them a login within ACCOUNT_REAUTHENTICATION_TIMEOUT counts instead.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if get_account_adapter(request).get_reauthentication_methods(user):
        return False  # allauth's own reauthentication applies
    latest = max((record.get("at", 0) for record in get_authentication_records(request, user)), default=0)
    return time.time() - latest > settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


FRESH_LOGIN_MESSAGE = gettext_lazy(
    "For your security, please log in again with an e-ID that is already linked to your account, then try again."
)


# --- the adapter ---------------------------------------------------------------------------------------------


def _is_headless(request, sociallogin):
    # A login through allauth.headless (a native app), by redirect or by handing over an ID token.
    return sociallogin.is_headless or getattr(getattr(request, "allauth", None), "headless", None) is not None


def _parse_birthdate(value):
    # OIDC allows "0000-MM-DD" and a bare year when the person withholds parts: store only a complete date.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.year > 1 and parsed <= date.today() else None


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        # Settings only: a SocialApp row added in the Django admin would bypass the reviewed configuration (PKCE,
        # acr table), and not querying the table keeps the pages that show e-ID buttons free of extra queries.
        from allauth.socialaccount.models import SocialApp

        apps = []
        for provider_key, config in socialaccount_settings.PROVIDERS.items():
            for app_config in config.get("APPS") or ([config["APP"]] if config.get("APP") else []):
                app = SocialApp(provider=provider_key)
                for field in ("name", "provider_id", "client_id", "secret", "key", "settings"):
                    if field in app_config:
                        setattr(app, field, app_config[field])
                if client_id and app.client_id != client_id:
                    continue
                if provider and provider not in (app.provider, app.provider_id):
                    continue
                apps.append(app)
        return apps

    def generate_state_param(self, state):
        # The callback address has no language prefix (one redirect URI per IdP), so the language the person
        # started in travels with the state and is restored in pre_social_login.
        state[LANGUAGE_STATE_KEY] = translation.get_language()
        return super().generate_state_param(state)

    def pre_social_login(self, request, sociallogin):
        language = sociallogin.state.get(LANGUAGE_STATE_KEY)
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        if _is_headless(request, sociallogin):
            return  # apps get allauth's JSON flows; the pages below are for the browser
        process = sociallogin.state.get("process")
        if process == AuthProcess.CONNECT and needs_fresh_login(request):
            messages.error(request, FRESH_LOGIN_MESSAGE)
            raise ImmediateHttpResponse(HttpResponseRedirect(reverse("socialaccount_connections")))
        if process in (None, AuthProcess.LOGIN) and not sociallogin.is_existing:
            self._refuse_existing_email(request, sociallogin)

    def _refuse_existing_email(self, request, sociallogin):
        # Only an address the IdP vouches for is named on screen: the person presenting it owns that mailbox, so
        # nothing is revealed to them. Other addresses go through the signup form, where allauth's protection
        # against account enumeration answers by e-mail.
        for address in sociallogin.email_addresses:
            if address.verified and filter_users_by_email(address.email):
                login_url = reverse("account_login") + "?" + urlencode({"next": reverse("socialaccount_connections")})
                response = render(
                    request,
                    "socialaccount/eid_account_exists.html",
                    {
                        "provider_name": _provider_name(sociallogin),
                        "email": address.email,
                        "login_url": login_url,
                        "password_reset_url": reverse("account_reset_password"),
                    },
                )
                logger.info(
                    "e-ID login with %s refused: its e-mail address belongs to an existing account.",
                    sociallogin.account.provider,
                )
                raise ImmediateHttpResponse(response)

    def save_user(self, request, sociallogin, form=None):
        claims = eid_claims(sociallogin.account.extra_data)
        # The account opens only after the person confirmed the address with us, whatever the IdP says.
        for address in sociallogin.email_addresses:
            address.verified = False
        user = sociallogin.user
        birthdate = _parse_birthdate(claims.get("birthdate"))
        if birthdate:
            user.date_of_birth = birthdate
        return super().save_user(request, sociallogin, form=form)

    def validate_disconnect(self, account, accounts):
        request = context.request
        if request is not None and needs_fresh_login(request):
            raise forms.ValidationError(FRESH_LOGIN_MESSAGE)
        super().validate_disconnect(account, accounts)


class EidSignupForm(SignupForm):
    """The signup form after a first e-ID login: names the e-ID provides are shown but not editable."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        claims = eid_claims(self.sociallogin.account.extra_data)
        for field_name, claim in (("first_name", "given_name"), ("last_name", "family_name")):
            if field_name in self.fields and claims.get(claim):
                field = self.fields[field_name]
                field.disabled = True
                field.help_text = _("As provided by %(provider)s.") % {"provider": _provider_name(self.sociallogin)}

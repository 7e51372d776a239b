"""Request middleware of the account: acting context, session idle timeout and absolute lifetime, MFA for staff."""

import datetime
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import acting_context, staff_security

LAST_SEEN_KEY = "last_seen"
# When this login began (seconds since the epoch); the absolute lifetime counts from here.
STARTED_KEY = "login_started"


def _now():
    # One clock for the limits and for Django's session expiry, so tests can freeze both with one patch.
    return int(timezone.now().timestamp())


def start_session_clock(sender, request, user, **kwargs):
    """Receiver of user_logged_in (wired in account/apps.py): the absolute lifetime starts with every login."""
    if request is not None and hasattr(request, "session"):
        now = _now()
        request.session[STARTED_KEY] = now
        request.session[LAST_SEEN_KEY] = now


class ActingContextMiddleware:
    """Puts the acting context on every request, loaded only when something uses it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.acting_context = SimpleLazyObject(lambda: acting_context.resolve(request))
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """Ends a logged-in session after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_COOKIE_AGE seconds
    after the login however active it was.

    Django would move a session's expiry forward whenever the session is saved (and this middleware saves it to
    measure idleness), so the expiry is pinned to login + SESSION_COOKIE_AGE. A login without "remember me" keeps
    its browser-session cookie; the lifetime is then enforced here alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = _now()
        started = session.get(STARTED_KEY)
        if started is None:
            # A session from before the clock existed (or one made without a login request): it starts now.
            started = session[STARTED_KEY] = now
        last_seen = session.get(LAST_SEEN_KEY)
        if now - started >= settings.SESSION_COOKIE_AGE:
            logout(request)
            messages.info(request, _("Your session has ended after its maximum duration. Please log in again."))
            return
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.info(request, _("You were logged out after a period of inactivity."))
            return
        # Writing the session once a minute is enough to measure idleness.
        if last_seen is None or now - last_seen >= 60:
            session[LAST_SEEN_KEY] = now
        if not session.get_expire_at_browser_close():
            expires = datetime.datetime.fromtimestamp(started + settings.SESSION_COOKIE_AGE, tz=datetime.UTC)
            if session.get_expiry_date() != expires:
                session.set_expiry(expires)


@cache
def _back_office_paths():
    """(prefixes of both back offices, their login and logout paths that stay open without a second factor)."""
    prefixes, open_paths = [], set()
    for home, exempt in (
        ("wagtailadmin_home", ("wagtailadmin_login", "wagtailadmin_logout")),
        ("admin:index", ("admin:login", "admin:logout")),
    ):
        try:
            prefixes.append(reverse(home))
            open_paths.update(reverse(name) for name in exempt)
        except NoReverseMatch:
            continue
    return tuple(prefixes), frozenset(open_paths)


class StaffMFARequiredMiddleware:
    """Everyone who can open a back office reaches it only once their account has a second factor.

    Every path under /admin/ and /django-admin/ is covered (a deep link opened after the login too); the two-factor
    pages themselves live under /auth/ and stay reachable, as do the back offices' own login and logout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PORTAL_STAFF_MFA_REQUIRED and request.user.is_authenticated:
            prefixes, open_paths = _back_office_paths()
            if (
                request.path.startswith(prefixes)
                and request.path not in open_paths
                and staff_security.needs_mfa_enrolment(request.user)
            ):
                messages.warning(request, _("Set up two-factor authentication before you open the back office."))
                return redirect("mfa_index")
        return self.get_response(request)

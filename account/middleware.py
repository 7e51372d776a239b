"""Request middleware of the account: acting context, idle session timeout, MFA for staff."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import acting_context

LAST_SEEN_KEY = "last_seen"


class ActingContextMiddleware:
    """Puts the acting context on every request, loaded only when something uses it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.acting_context = SimpleLazyObject(lambda: acting_context.resolve(request))
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """Ends a logged-in session after SESSION_IDLE_TIMEOUT seconds without a request.

    The absolute lifetime is SESSION_COOKIE_AGE (the session expiry is not renewed on activity).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
            # Writing the session once a minute is enough to measure idleness.
            elif last_seen is None or now - last_seen >= 60:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class StaffMFARequiredMiddleware:
    """Staff open the back office only once their account has a second factor."""

    PROTECTED_PREFIXES = ("/admin/", "/django-admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_STAFF_MFA_REQUIRED
            and request.user.is_authenticated
            and request.user.is_staff
            and request.path.startswith(self.PROTECTED_PREFIXES)
        ):
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(request.user):
                messages.warning(request, _("Set up two-factor authentication before you open the back office."))
                return redirect("mfa_index")
        return self.get_response(request)

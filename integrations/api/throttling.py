"""Rate limits per application (its own setting), and per IP address for calls without a valid token."""

from rest_framework.throttling import SimpleRateThrottle

from .authentication import ApplicationPrincipal

ANONYMOUS_PER_MINUTE = 60


class PerApplicationRateThrottle(SimpleRateThrottle):
    scope = "application"

    def __init__(self):
        # The rate depends on the caller, so it is set in allow_request rather than read from settings.
        self.rate = None
        self.num_requests, self.duration = ANONYMOUS_PER_MINUTE, 60

    def allow_request(self, request, view):
        user = getattr(request, "user", None)
        if isinstance(user, ApplicationPrincipal):
            self.num_requests = user.application.rate_limit_per_minute
        else:
            self.num_requests = ANONYMOUS_PER_MINUTE
        if not self.num_requests:
            return True
        self.rate = f"{self.num_requests}/min"
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if isinstance(user, ApplicationPrincipal):
            ident = f"app-{user.application.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle-api-{ident}"

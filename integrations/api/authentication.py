"""Bearer tokens of specialist applications; the request's principal is the application, never a person."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from ..models import ApiToken
from ..models.clients import token_digest


class ApplicationPrincipal:
    """Stands in `request.user` for an authenticated application."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    pk = None

    def __init__(self, application, token):
        self.application = application
        self.token = token

    def __str__(self):
        return self.application.name


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not token.strip():
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <token>'.")
        api_token = (
            ApiToken.objects.usable()
            .select_related("application")
            .filter(digest=token_digest(token.strip()), application__is_active=True)
            .first()
        )
        if api_token is None:
            raise exceptions.AuthenticationFailed("The token is unknown, expired or revoked.")
        now = timezone.now()
        # Note the use at most once a minute: a busy client should not turn every read into a write.
        if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return ApplicationPrincipal(api_token.application, api_token), api_token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class IsSpecialistApplication(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, ApplicationPrincipal)

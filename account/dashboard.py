"""The dashboard's section registry: each app registers what it shows on /account/.

The account knows nothing of services, schools or utilities; they call `register()` in their
AppConfig.ready() and the dashboard renders whatever is registered, in `order`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DashboardSection:
    key: str
    title: str
    template: str
    order: int = 100
    # Returns the template context for this request, or None to hide the section.
    get_context: Callable = field(default=lambda request: {})


_sections: dict[str, DashboardSection] = {}


def register(section):
    """Add or replace a section (replacing by key keeps app reloads idempotent)."""
    _sections[section.key] = section
    return section


def unregister(key):
    _sections.pop(key, None)


def sections():
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def render_context(request):
    """The visible sections with their context, in order."""
    visible = []
    for section in sections():
        context = section.get_context(request)
        if context is not None:
            visible.append({"section": section, "context": context})
    return visible


def _account_context(request):
    from allauth.mfa.utils import is_mfa_enabled

    from .models import Invitation

    user = request.user
    open_invitations = Invitation.objects.filter(
        email__iexact=user.email, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("organisation")
    return {
        "user": user,
        "mfa_enabled": is_mfa_enabled(user),
        "open_invitations": [i for i in open_invitations if i.is_open],
    }


register(
    DashboardSection(
        key="account",
        title=_("My account"),
        template="account/dashboard/account_section.html",
        order=900,
        get_context=_account_context,
    )
)

"""Back-office view of staff security: end every session of a person (Wagtail admin; URLs in wagtail_hooks.py).

Thin: the rules are in staff_security.py; the audit entry goes through audit.py.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail.admin import messages

from . import audit, staff_security
from .models import User


def end_sessions(request, pk):
    """GET asks for confirmation; POST ends every session of the person and records who did it."""
    person = get_object_or_404(User, pk=pk)
    if not staff_security.may_end_sessions(request.user, person):
        raise PermissionDenied
    users_url = reverse("wagtailusers_users:index")
    if request.method == "POST":
        count = staff_security.end_all_sessions(person)
        audit.record(
            request,
            audit.Action.CHANGE,
            record=person,
            subject=person,
            summary=_("Ended all sessions (%(count)s)") % {"count": count},
        )
        messages.success(
            request, _("All sessions of %(name)s have been ended (%(count)s).") % {"name": person, "count": count}
        )
        return redirect(users_url)
    title = _("End all sessions")
    context = {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "users_url": users_url,
        "header_title": title,
        "header_icon": "logout",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": users_url, "label": _("Users")},
            {"url": "", "label": title},
        ],
    }
    return TemplateResponse(request, "account/admin/end_sessions.html", context)


def end_sessions_url(person):
    return reverse("useraccount_staff:end_sessions", args=[person.pk])


admin_urlpatterns = [
    path("<int:pk>/end-sessions/", end_sessions, name="end_sessions"),
]

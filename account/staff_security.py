"""Rules of back-office security: who must enrol a second factor, and ending every session of a person.

The middleware (account/middleware.py) and the back-office views (account/staff_views.py) call these; the rules
live here once.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

ADMIN_ACCESS_PERMISSION = "wagtailadmin.access_admin"
CHANGE_USER_PERMISSION = "useraccount.change_user"
# Session engines whose sessions can be listed, so that sessions allauth never tracked are found too.
LISTABLE_SESSION_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def has_back_office_access(user):
    """Whoever can open a back office: the Wagtail admin (its access permission, superusers) or the Django admin
    (is_staff). A permission given through a group counts as much as one given to the person."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.is_staff or user.has_perm(ADMIN_ACCESS_PERMISSION)


def needs_mfa_enrolment(user):
    """True while someone with back-office access has no second factor (and the requirement is on)."""
    if not settings.PORTAL_STAFF_MFA_REQUIRED or not has_back_office_access(user):
        return False
    from allauth.mfa.utils import is_mfa_enabled

    return not is_mfa_enabled(user)


def may_end_sessions(actor, person):
    """Staff who may change users end their sessions; only superusers do so for a superuser (as Wagtail's own
    rule for deleting users), so a user manager cannot lock administrators out."""
    if not (actor.is_authenticated and actor.is_active and actor.has_perm(CHANGE_USER_PERMISSION)):
        return False
    return actor.is_superuser or not person.is_superuser


def end_all_sessions(person):
    """End every login of `person`: browser sessions (tracked by allauth or not), headless app sessions, and the
    tokens the portal's OpenID Connect provider gave apps for them. Returns how many sessions were ended."""
    from allauth.usersessions.models import UserSession

    ended = set()
    for user_session in UserSession.objects.filter(user_id=person.pk):
        ended.add(user_session.session_key)
        user_session.end()
    ended.update(_end_untracked_sessions(person, skip=ended))
    _revoke_app_tokens(person)
    return len(ended)


def _end_untracked_sessions(person, skip):
    # A session from before allauth tracked sessions, or one that never passed its middleware, is only in the store.
    engine_name = settings.SESSION_ENGINE
    if engine_name not in LISTABLE_SESSION_ENGINES:
        return set()
    store_class = import_module(engine_name).SessionStore
    ended = set()
    rows = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now()).exclude(session_key__in=skip)
    for row in rows.iterator():
        if str(row.get_decoded().get(SESSION_KEY)) == str(person.pk):
            store_class(row.session_key).delete()
            ended.add(row.session_key)
    return ended


def _revoke_app_tokens(person):
    from django.apps import apps

    if apps.is_installed("allauth.idp.oidc"):
        from allauth.idp.oidc.models import Token

        Token.objects.filter(user_id=person.pk).delete()

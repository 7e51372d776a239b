"""App configuration of the central account (label `useraccount`: allauth owns `account`)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountConfig(AppConfig):
    name = "account"
    label = "useraccount"
    verbose_name = _("User account")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # Importing registers the account's dashboard sections, notification kinds and signal handlers.
        from . import activation, dashboard, eid, login_notices, middleware, signals  # noqa: F401

        # Every login (any method, any client): start the session's absolute lifetime, remember the device.
        user_logged_in.connect(middleware.start_session_clock, dispatch_uid="account.session_clock")
        user_logged_in.connect(login_notices.on_user_logged_in, dispatch_uid="account.login_notices")

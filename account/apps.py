"""App configuration of the central account (label `useraccount`: allauth owns `account`)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountConfig(AppConfig):
    name = "account"
    label = "useraccount"
    verbose_name = _("User account")

    def ready(self):
        # Importing registers the account's dashboard sections and signal handlers.
        from . import activation, dashboard, signals  # noqa: F401

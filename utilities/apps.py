"""App configuration of utilities."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtilitiesConfig(AppConfig):
    name = "utilities"
    verbose_name = _("Utilities")

    def ready(self):
        from account import notifications

        notifications.register_kind("utilities", _("Energy and water: linked accounts, readings and invoices"))
        from . import dashboard  # noqa: F401  (registers the dashboard section)

"""App configuration of services."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services")

    def ready(self):
        from account import notifications

        from . import dashboard  # noqa: F401  (registers the cases section of the dashboard)

        notifications.register_kind("case", _("My cases: status, messages, questions and documents"))

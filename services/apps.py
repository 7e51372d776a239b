"""App configuration of services."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services")

    def ready(self):
        from account import notifications

        # Importing these registers dashboard sections, paid handlers and notification kinds.
        from . import certificate_rules, certificates, dashboard, debt_extract, parking, payments, tax  # noqa: F401

        notifications.register_kind("case", _("My cases: status, messages, questions and documents"))

"""App configuration of schools."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools")

    def ready(self):
        # Importing registers each feature's notification kind, overview summaries and dashboard section.
        from account import notifications

        notifications.register_kind("school", _("School: weekly plans, meetings, grades, absences, courses and lunch"))
        from . import absences, courses, dashboard, grades, lunch, meetings, weekly_plans  # noqa: F401

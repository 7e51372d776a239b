"""Back-office registration of organisations (read and correct; members manage themselves)."""

from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register

from .models import Organisation


class OrganisationAdmin(ModelAdmin):
    model = Organisation
    menu_label = _("Organisations")
    menu_icon = "group"
    menu_order = 250
    list_display = ("name", "kind", "uid", "town")
    list_filter = ("kind",)
    search_fields = ("name", "uid", "town")


modeladmin_register(OrganisationAdmin)


# --- activation letters and counter verification (rules in activation.py, views in activation_views.py) ----------

from django.urls import include, path, reverse  # noqa: E402
from wagtail import hooks  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402

from . import activation, activation_views  # noqa: E402


class ActivationMenuItem(MenuItem):
    def is_shown(self, request):
        return activation.may_manage(request.user)


@hooks.register("register_admin_urls")
def register_activation_urls():
    return [
        path(
            "activation-letters/",
            include((activation_views.admin_urlpatterns, "useraccount_activation"), namespace="useraccount_activation"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_activation_menu_item():
    return ActivationMenuItem(
        _("Activation letters"), reverse("useraccount_activation:letters"), icon_name="mail", order=260
    )


@hooks.register("register_log_actions")
def register_activation_log_actions(actions):
    for name, (label, message) in activation.LOG_ACTIONS.items():
        actions.register_action(name, label, message)

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

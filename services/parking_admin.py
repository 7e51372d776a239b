"""Back office of the parking feature (imported by services/wagtail_hooks.py so its hooks register).

A read-only register of parking permits for clerks: permits change only through payments (services/parking.py).
"""

import datetime

from django.contrib import admin
from django.db.models import Q
from django.urls import re_path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register

from . import parking
from .admin_views import is_clerk, services_for_clerk
from .models import ParkingPermit, ServiceKind
from .readonly_admin import AuditedIndexView, ReadOnlyPermissionHelper


def can_see_permits(user):
    """Superusers; clerks (case register permission) only if one of their services issues parking permits."""
    if not is_clerk(user):
        return False
    return user.is_superuser or services_for_clerk(user).filter(service_kind=ServiceKind.PARKING_PERMIT).exists()


def permits_for_clerk(user):
    return ParkingPermit.objects.all() if can_see_permits(user) else ParkingPermit.objects.none()


class ParkingPermissionHelper(ReadOnlyPermissionHelper):
    def user_can_list(self, user):
        return can_see_permits(user)


class ParkingButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        return []


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("valid", _("Valid")), ("expiring", _("Expires within 30 days")), ("expired", _("Expired"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = today + datetime.timedelta(days=max(parking.REMINDER_DAYS))
        if self.value() == "valid":
            return queryset.filter(valid_until__gt=soon)
        if self.value() == "expiring":
            return queryset.filter(valid_until__gte=today, valid_until__lte=soon)
        if self.value() == "expired":
            return queryset.filter(valid_until__lt=today)
        return queryset


class ParkingIndexView(AuditedIndexView):
    FILTER_PARAMETERS = {"state"}

    def get_filters_params(self, params=None):
        # Only the declared filter reaches .filter(); nothing else from the query string.
        lookup_params = super().get_filters_params(params)
        return {key: value for key, value in lookup_params.items() if key in self.FILTER_PARAMETERS}

    def get_search_results(self, request, queryset, search_term):
        # Plates live in a JSON list: search them as text, plus the number and the holder's name and e-mail.
        term = (search_term or "").strip()
        if not term:
            return queryset
        return queryset.filter(
            Q(number__icontains=term)
            | Q(plates__icontains=term)
            | Q(holder__email__icontains=term)
            | Q(holder__last_name__icontains=term)
        )


class ParkingPermitAdmin(ModelAdmin):
    model = ParkingPermit
    menu_label = _("Parking permits")
    menu_icon = "tag"
    menu_order = 215
    list_display = ("number", "holder_name", "zone", "plate_list", "valid_until_display", "state_label")
    list_filter = (StateFilter,)
    list_select_related = ("holder",)
    list_per_page = 50
    search_fields = ("number",)
    ordering = ("valid_until", "number")
    permission_helper_class = ParkingPermissionHelper
    button_helper_class = ParkingButtonHelper
    index_view_class = ParkingIndexView
    history_view_enabled = False

    def get_queryset(self, request):
        return permits_for_clerk(request.user).select_related("holder").order_by(*self.ordering)

    @admin.display(description=_("holder"), ordering="holder__last_name")
    def holder_name(self, permit):
        return str(permit.holder)

    @admin.display(description=_("number plates"))
    def plate_list(self, permit):
        return ", ".join(permit.plates)

    @admin.display(description=_("valid until"), ordering="valid_until")
    def valid_until_display(self, permit):
        return date_format(permit.valid_until, "SHORT_DATE_FORMAT")

    @admin.display(description=_("state"))
    def state_label(self, permit):
        state, left = parking.state(permit)
        if state == "expired":
            return _("Expired")
        if state == "expiring":
            return _("Expires in %(days)s days") % {"days": left}
        return _("Valid")

    def get_admin_urls_for_registration(self):
        # Only the list: no edit, delete or inspect views (permits change only through payments).
        return (
            re_path(
                self.url_helper.get_action_url_pattern("index"),
                self.index_view,
                name=self.url_helper.get_action_url_name("index"),
            ),
        )

    def register_indexing(self):
        pass


modeladmin_register(ParkingPermitAdmin)

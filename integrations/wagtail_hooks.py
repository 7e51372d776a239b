"""Back office of the interface: applications and their scopes, webhook endpoints, delivery log, events, API audit.

One menu group, "Integrations", shown to superusers and to staff holding a permission on its models.
Lists accept only their declared filters from the query string, and the logs are read-only.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, Max, Q
from django.urls import include, path, re_path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.admin_url_finder import register_admin_url_finder
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import CreateView, IndexView

from . import admin_views
from .admin_forms import SpecialistApplicationForm, WebhookEndpointForm
from .admin_views import ANY, may
from .events import EVENT_TYPES
from .models import ApiAuditEntry, Event, SpecialistApplication, WebhookDelivery, WebhookEndpoint


def _datetime(value):
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _status_tag(label, critical=False):
    colour = " w-text-critical-200" if critical else ""
    return format_html('<span class="w-status w-status--label{}">{}</span>', colour, label)


# --- shared behaviour ----------------------------------------------------------------------------------------


class IntegrationsPermissionHelper(PermissionHelper):
    """Model permissions as usual, but only for active staff (and superusers)."""

    def user_has_specific_permission(self, user, perm_codename):
        return admin_views.is_staff(user) and super().user_has_specific_permission(user, perm_codename)

    def user_has_any_permissions(self, user):
        return may(user, self.model, *ANY)


class ReadOnlyPermissionHelper(IntegrationsPermissionHelper):
    """Logs are written by the system only: listing, nothing else."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False

    def user_can_inspect_obj(self, user, obj):
        return False


class DeclaredFiltersIndexView(IndexView):
    """modeladmin would pass any other query parameter to .filter() (e.g. endpoint__secret__startswith=…)."""

    def get_page_title(self):
        return self.model_admin.get_menu_label()

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        declared = {list_filter.parameter_name for list_filter in self.list_filter}
        return {key: value for key, value in lookup_params.items() if key in declared}


class IntegrationsModelAdmin(ModelAdmin):
    permission_helper_class = IntegrationsPermissionHelper
    index_view_class = DeclaredFiltersIndexView
    list_per_page = 50

    def register_indexing(self):
        # No reference index: nothing links to these rows, and events and logs are written on every API call.
        pass


class ReadOnlyModelAdmin(IntegrationsModelAdmin):
    permission_helper_class = ReadOnlyPermissionHelper
    history_view_enabled = False

    def register_admin_url_finders(self):
        # modeladmin's finder would point at an edit view that does not exist here.
        pass

    def get_admin_urls_for_registration(self):
        # Only the list: no create, edit or delete views exist for logs.
        return (
            re_path(
                self.url_helper.get_action_url_pattern("index"),
                self.index_view,
                name=self.url_helper.get_action_url_name("index"),
            ),
        )


def choice_filter(title, parameter, field, choices):
    """A list filter on `field` offering `choices` (a callable returning (value, label) pairs)."""

    class ChoiceFilter(admin.SimpleListFilter):
        parameter_name = parameter

        def lookups(self, request, model_admin):
            return choices()

        def queryset(self, request, queryset):
            value = self.value()
            if not value:
                return queryset
            if value not in {str(key) for key, _label in self.lookup_choices}:
                return queryset.none()
            return queryset.filter(**{field: value})

    ChoiceFilter.title = title
    return ChoiceFilter


def _application_choices():
    return list(SpecialistApplication.objects.order_by("name").values_list("pk", "name"))


# --- specialist applications -------------------------------------------------------------------------------


class ApplicationButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        credentials = {
            "url": admin_views.credentials_url(obj),
            "label": _("Credentials"),
            "classname": self.finalise_classname(["button-secondary", *(classnames_add or [])]),
            "title": _("API tokens and webhook endpoints of %(name)s") % {"name": obj},
        }
        return [credentials, *buttons]


class ApplicationCreateView(CreateView):
    def get_success_url(self):
        # A new application needs a token next.
        return admin_views.credentials_url(self.instance)


class SpecialistApplicationAdmin(IntegrationsModelAdmin):
    model = SpecialistApplication
    menu_label = admin_views.APPLICATIONS_LABEL
    menu_icon = "code"
    list_display = ("name", "vendor", "active", "scopes", "tokens", "last_use")
    list_display_add_buttons = "name"
    list_filter = (choice_filter(_("active"), "active", "is_active", lambda: [("1", _("Yes")), ("0", _("No"))]),)
    search_fields = ("name", "vendor", "slug")
    ordering = ("name",)
    button_helper_class = ApplicationButtonHelper
    create_view_class = ApplicationCreateView
    edit_template_name = "integrations/admin/application_edit.html"
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("slug"),
                    FieldPanel("vendor"),
                    FieldPanel("contact_name"),
                    FieldPanel("contact_email"),
                    FieldPanel("is_active"),
                    FieldPanel("is_test"),
                    FieldPanel("rate_limit_per_minute"),
                ],
                heading=_("Application"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("services", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("destinations"),
                    FieldPanel("read_types"),
                    FieldPanel("write_types"),
                ],
                heading=_("Scopes"),
            ),
        ],
        base_form_class=SpecialistApplicationForm,
    )

    def get_queryset(self, request):
        now = timezone.now()
        usable = Q(tokens__revoked_at__isnull=True) & (
            Q(tokens__expires_at__isnull=True) | Q(tokens__expires_at__gt=now)
        )
        return SpecialistApplication.objects.annotate(
            usable_tokens=Count("tokens", filter=usable, distinct=True),
            service_count=Count("services", distinct=True),
            last_token_use=Max("tokens__last_used_at"),
        )

    @admin.display(description=_("active"), ordering="is_active")
    def active(self, application):
        if not application.is_active:
            return _status_tag(_("inactive"), critical=True)
        return _status_tag(_("test")) if application.is_test else _("active")

    @admin.display(description=_("scopes"))
    def scopes(self, application):
        parts = []
        if application.read_types:
            parts.append(_("reads %(types)s") % {"types": ", ".join(application.read_types)})
        if application.write_types:
            parts.append(_("writes %(types)s") % {"types": ", ".join(application.write_types)})
        if application.service_count:
            count = application.service_count
            parts.append(ngettext("%(count)s service", "%(count)s services", count) % {"count": count})
        if application.destination_list:
            parts.append(_("destinations %(names)s") % {"names": ", ".join(application.destination_list)})
        return " · ".join(str(part) for part in parts) or _("nothing")

    @admin.display(description=_("usable tokens"), ordering="usable_tokens")
    def tokens(self, application):
        return application.usable_tokens

    @admin.display(description=_("last use"), ordering="last_token_use")
    def last_use(self, application):
        return _datetime(application.last_token_use) or _("never")


# --- webhook endpoints -------------------------------------------------------------------------------------


class EndpointCreateView(CreateView):
    def get_initial(self):
        # "Add endpoint" on an application's credentials page passes the application along.
        initial = super().get_initial()
        application = self.request.GET.get("application", "")
        if application.isdigit():
            initial["application"] = application
        return initial

    def get_success_url(self):
        # Its edit page shows the signing secret the vendor needs.
        return admin_views.endpoint_edit_url(self.instance)


class WebhookEndpointAdmin(IntegrationsModelAdmin):
    model = WebhookEndpoint
    menu_label = _("Webhook endpoints")
    menu_icon = "link"
    list_display = ("url", "application", "events", "state")
    list_display_add_buttons = "url"
    list_filter = (
        choice_filter(_("application"), "application", "application_id", _application_choices),
        choice_filter(_("active"), "active", "is_active", lambda: [("1", _("Yes")), ("0", _("No"))]),
    )
    list_select_related = ("application",)
    search_fields = ("url", "description", "application__name")
    ordering = ("application__name", "url")
    create_view_class = EndpointCreateView
    edit_template_name = "integrations/admin/endpoint_edit.html"
    edit_handler = ObjectList(
        [
            FieldPanel("application"),
            FieldPanel("url"),
            FieldPanel("description"),
            FieldPanel("event_types"),
            FieldPanel("is_active"),
        ],
        base_form_class=WebhookEndpointForm,
    )

    @admin.display(description=_("events"))
    def events(self, endpoint):
        return ", ".join(endpoint.event_types) or _("all it may read")

    @admin.display(description=_("status"), ordering="is_active")
    def state(self, endpoint):
        if endpoint.is_active:
            return _("active")
        if endpoint.disabled_reason:
            return format_html("{}<br>{}", _status_tag(_("disabled"), critical=True), endpoint.disabled_reason)
        return _status_tag(_("disabled"), critical=True)


# --- the delivery log ----------------------------------------------------------------------------------------


class DeliveryButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        return []

    def get_primary_button(self, obj):
        return {
            "url": admin_views.delivery_url(obj),
            "label": _("Details"),
            "title": _("Attempts of delivery %(id)s") % {"id": obj.message_id},
        }


def _endpoint_choices():
    endpoints = WebhookEndpoint.objects.select_related("application").order_by("application__name", "url")
    return [(endpoint.pk, f"{endpoint.application.name}: {endpoint.url}") for endpoint in endpoints]


class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    model = WebhookDelivery
    menu_label = admin_views.DELIVERIES_LABEL
    menu_icon = "list-ul"
    list_display = (
        "event_type",
        "reference",
        "endpoint_label",
        "status_label",
        "attempts",
        "last_status_code",
        "next_attempt",
        "delivered",
    )
    list_display_add_buttons = "event_type"
    list_filter = (
        choice_filter(_("status"), "status", "status", lambda: WebhookDelivery.Status.choices),
        choice_filter(_("endpoint"), "endpoint", "endpoint_id", _endpoint_choices),
        choice_filter(_("application"), "application", "endpoint__application_id", _application_choices),
    )
    list_select_related = ("event", "endpoint", "endpoint__application")
    search_fields = ("event__subject_ref",)
    ordering = ("-id",)
    button_helper_class = DeliveryButtonHelper

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.display(description=_("reference"), ordering="event__subject_ref")
    def reference(self, delivery):
        return delivery.event.subject_ref

    @admin.display(description=_("endpoint"))
    def endpoint_label(self, delivery):
        return format_html("{}<br>{}", delivery.endpoint.application.name, delivery.endpoint.url)

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, delivery):
        label = delivery.get_status_display()
        return _status_tag(label, critical=True) if delivery.status == WebhookDelivery.Status.FAILED else label

    @admin.display(description=_("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, delivery):
        return _datetime(delivery.next_attempt_at) if delivery.status == WebhookDelivery.Status.PENDING else ""

    @admin.display(description=_("delivered at"), ordering="delivered_at")
    def delivered(self, delivery):
        return _datetime(delivery.delivered_at)

    def register_admin_url_finders(self):
        register_admin_url_finder(WebhookDelivery, DeliveryURLFinder)

    def get_admin_urls_for_registration(self):
        return (
            *super().get_admin_urls_for_registration(),
            # The delivery page, token and secret actions: one include for the whole group.
            path(
                "integrations/",
                include((admin_views.urlpatterns, admin_views.app_name), namespace=admin_views.app_name),
            ),
        )


class DeliveryURLFinder:
    """Where the admin links a delivery: its page with the attempts, for those who may see the log."""

    def __init__(self, user=None):
        self.user = user

    def get_edit_url(self, instance):
        if self.user is None or may(self.user, WebhookDelivery, *ANY):
            return admin_views.delivery_url(instance)
        return None


# --- events and the API audit trail ----------------------------------------------------------------------------


class EventAdmin(ReadOnlyModelAdmin):
    model = Event
    menu_label = _("Events")
    menu_icon = "date"
    list_display = ("id", "type", "reference", "destination", "occurred")
    list_filter = (choice_filter(_("type"), "type", "type", lambda: [(name, name) for name in EVENT_TYPES]),)
    search_fields = ("subject_ref",)
    ordering = ("-id",)

    @admin.display(description=_("reference"), ordering="subject_ref")
    def reference(self, event):
        return event.subject_ref or event.subject_id

    @admin.display(description=_("time"), ordering="occurred_at")
    def occurred(self, event):
        return _datetime(event.occurred_at)


def _status_code_choices():
    codes = ApiAuditEntry.objects.order_by("status_code").values_list("status_code", flat=True).distinct()
    return [(code, str(code)) for code in codes]


class ApiAuditEntryAdmin(ReadOnlyModelAdmin):
    model = ApiAuditEntry
    menu_label = _("API audit trail")
    menu_icon = "doc-full"
    list_display = ("time", "application", "action", "method_path", "record", "status_code")
    list_filter = (
        choice_filter(_("application"), "application", "application_id", _application_choices),
        choice_filter(_("status"), "status", "status_code", _status_code_choices),
    )
    list_select_related = ("application",)
    search_fields = ("subject_ref", "action")
    ordering = ("-at",)

    @admin.display(description=_("time"), ordering="at")
    def time(self, entry):
        return _datetime(entry.at)

    @admin.display(description=_("request"))
    def method_path(self, entry):
        return f"{entry.method} {entry.path}"

    @admin.display(description=_("record"), ordering="subject_ref")
    def record(self, entry):
        return f"{entry.subject_type} {entry.subject_ref}".strip()


# --- the menu group --------------------------------------------------------------------------------------------


class IntegrationsGroup(ModelAdminGroup):
    menu_label = admin_views.INTEGRATIONS_LABEL
    menu_icon = "cogs"
    menu_order = 800
    items = (SpecialistApplicationAdmin, WebhookEndpointAdmin, WebhookDeliveryAdmin, EventAdmin, ApiAuditEntryAdmin)


modeladmin_register(IntegrationsGroup)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    for name, (label, message) in admin_views.LOG_ACTIONS.items():
        actions.register_action(name, label, message)

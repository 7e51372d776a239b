"""Back office of services: form definitions as snippets, the clerks' case register and its case views."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.admin_url_finder import register_admin_url_finder
from wagtail.admin.ui.tables import LiveStatusTagColumn, UpdatedAtColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register
from wagtail_modeladmin.views import IndexView

from . import admin_views, certificate_admin, parking_admin, payment_admin, tax_admin  # noqa: F401 (their hooks)
from .admin_forms import office_status_label
from .admin_views import CASES_LABEL, case_url, is_clerk, services_for_clerk
from .models import Case, CaseStatus, ServiceForm
from .models.cases import OPEN_STATUSES

# --- form definitions ---------------------------------------------------------------------------------------


class ServiceFormViewSet(SnippetViewSet):
    """Editors build forms here; drafts, revisions, locking and publishing come from the model's mixins."""

    model = ServiceForm
    icon = "form"
    menu_label = _("Forms")
    menu_name = "service-forms"
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["title", LiveStatusTagColumn(label=_("Status")), UpdatedAtColumn(label=_("Updated"))]
    list_filter = ["live"]
    # Plain database search on the title: no search index to keep in step for a handful of forms.
    search_fields = ["title"]
    search_backend_name = None
    ordering = ["title"]


register_snippet(ServiceFormViewSet)


# --- the case register ----------------------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status.value, office_status_label(status)) for status in CaseStatus if status != CaseStatus.DRAFT]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class ServiceFilter(admin.SimpleListFilter):
    title = _("service")
    parameter_name = "service_page"

    def lookups(self, request, model_admin):
        return list(services_for_clerk(request.user).order_by("title").values_list("pk", "title"))

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(service_page_id=value) if value.isdigit() else queryset.none()


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        assignees = (
            get_user_model()
            .objects.filter(assigned_cases__in=Case.objects.for_clerk(request.user))
            .exclude(pk=request.user.pk)
            .distinct()
            .order_by("last_name", "first_name", "email")
        )
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))] + [
            (str(person.pk), str(person)) for person in assignees
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value:
            return queryset.filter(assignee_id=value) if value.isdigit() else queryset.none()
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = {"due_date__lt": timezone.localdate(), "status__in": OPEN_STATUSES}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class CasePermissionHelper(PermissionHelper):
    """Only clerks (case permission and a clerk group) or superusers see the register; nobody edits cases here.

    Cases change only through the actions of the case view, which call services/cases.py.
    """

    def user_can_list(self, user):
        return is_clerk(user)

    def user_can_create(self, user):
        return False

    def user_can_inspect_obj(self, user, obj):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class CaseButtonHelper(ButtonHelper):
    """The reference links to the case view; no edit or delete buttons."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        return []

    def get_primary_button(self, obj):
        return {"url": case_url(obj), "label": _("Open"), "title": _("Open case %(reference)s") % {"reference": obj}}


class CaseIndexView(IndexView):
    """The case list, scoped to the clerk; only the declared filters are accepted from the query string."""

    FILTER_PARAMETERS = {"status", "service_page", "assignee", "overdue"}

    def get_filters_params(self, params=None):
        # modeladmin would pass any other parameter to .filter() (e.g. owner_user__password__startswith=…).
        lookup_params = super().get_filters_params(params)
        return {key: value for key, value in lookup_params.items() if key in self.FILTER_PARAMETERS}

    def get_page_title(self):
        return CASES_LABEL

    @cached_property
    def export_service(self):
        """The service the list is filtered by, if the clerk works it (the export offers its submissions)."""
        value = self.params.get("service_page", "")
        if not value.isdigit():
            return None
        return services_for_clerk(self.request.user).filter(pk=value).first()

    def export_links(self):
        service = self.export_service
        if service is None:
            return []
        return [
            {"label": _("Export CSV"), "url": admin_views.export_url(service.pk, "csv")},
            {"label": _("Export XLSX"), "url": admin_views.export_url(service.pk, "xlsx")},
        ]


class CaseAdmin(ModelAdmin):
    model = Case
    menu_label = CASES_LABEL
    menu_icon = "folder-open-inverse"
    menu_order = 210
    list_display = ("reference", "title", "owner", "status_label", "assignee_name", "submitted", "due")
    list_display_add_buttons = "reference"
    list_filter = (StatusFilter, ServiceFilter, AssigneeFilter, OverdueFilter)
    list_select_related = ("service_page", "owner_user", "owner_organisation", "assignee")
    list_per_page = 50
    search_fields = (
        "reference",
        "title",
        "owner_user__first_name",
        "owner_user__last_name",
        "owner_user__email",
        "owner_organisation__name",
        "owner_organisation__email",
        "contact_email",
    )
    ordering = ("-submitted_at", "-pk")
    permission_helper_class = CasePermissionHelper
    button_helper_class = CaseButtonHelper
    index_view_class = CaseIndexView
    index_template_name = "services/admin/case_index.html"
    history_view_enabled = False

    def get_queryset(self, request):
        # The scope of the clerk: cases of services their groups are responsible for; drafts never.
        return Case.objects.for_clerk(request.user).order_by(*self.ordering)

    @admin.display(description=_("owner"))
    def owner(self, case):
        if case.owner_organisation_id:
            return case.owner_organisation.name
        if case.owner_user_id:
            return str(case.owner_user)
        return case.contact_email or _("Without login")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, case):
        return office_status_label(case.status)

    @admin.display(description=_("assignee"), ordering="assignee__last_name")
    def assignee_name(self, case):
        return str(case.assignee) if case.assignee_id else ""

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, case):
        return date_format(timezone.localtime(case.submitted_at), "SHORT_DATE_FORMAT") if case.submitted_at else ""

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, case):
        if not case.due_date:
            return ""
        if case.is_overdue:
            return format_html(
                '{} <span class="w-status w-status--label w-text-critical-200">{}</span>',
                date_format(case.due_date, "SHORT_DATE_FORMAT"),
                _("Overdue"),
            )
        return date_format(case.due_date, "SHORT_DATE_FORMAT")

    def get_extra_attrs_for_row(self, case, context):
        return {"class": "case-overdue w-bg-critical-50"} if case.is_overdue else {}

    def get_admin_urls_for_registration(self):
        # Only the list comes from modeladmin: its edit/delete/inspect views would load any case by id and
        # write it without the rules of services/cases.py. The case view and actions are ours.
        return (
            re_path(
                self.url_helper.get_action_url_pattern("index"),
                self.index_view,
                name=self.url_helper.get_action_url_name("index"),
            ),
            path(
                f"{self.url_helper.base_url_path}/",
                include((admin_views.urlpatterns, admin_views.app_name), namespace=admin_views.app_name),
            ),
        )

    def register_admin_url_finders(self):
        register_admin_url_finder(Case, CaseURLFinder)

    def register_indexing(self):
        # No reference index for cases: every case write would pay for it and nothing links to cases.
        pass


class CaseURLFinder:
    """Where the admin links a case: its case view, for those whose scope includes it."""

    def __init__(self, user=None):
        self.user = user

    def get_edit_url(self, instance):
        if self.user is None or Case.objects.for_clerk(self.user).filter(pk=instance.pk).exists():
            return case_url(instance)
        return None


modeladmin_register(CaseAdmin)

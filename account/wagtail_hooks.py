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


# --- "Login clients": apps that log people in with the portal's OpenID Connect provider (oidc_admin.py) ------

from . import oidc_admin  # noqa: E402

modeladmin_register(oidc_admin.LoginClientAdmin)


@hooks.register("register_log_actions")
def register_oidc_log_actions(actions):
    for name, (label, message) in oidc_admin.LOG_ACTIONS.items():
        actions.register_action(name, label, message)


# --- staff security and the audit trail (rules in staff_security.py and audit.py) --------------------------------

from wagtail.admin.widgets.button import Button  # noqa: E402

from . import audit, audit_views, staff_security, staff_views  # noqa: E402


@hooks.register("register_admin_urls")
def register_staff_security_urls():
    report = audit_views.PersonalDataAccessReport
    return [
        path(
            "users/sessions/",
            include((staff_views.admin_urlpatterns, "useraccount_staff"), namespace="useraccount_staff"),
        ),
        path(
            "reports/personal-data-access/",
            include(
                (
                    [
                        path("", report.as_view(), name="report"),
                        path("results/", report.as_view(results_only=True), name="report_results"),
                    ],
                    "useraccount_audit",
                ),
                namespace="useraccount_audit",
            ),
        ),
    ]


class AuditReportMenuItem(MenuItem):
    def is_shown(self, request):
        return audit.may_view_trail(request.user)


@hooks.register("register_reports_menu_item")
def register_audit_report_menu_item():
    return AuditReportMenuItem(
        _("Access to personal data"), reverse("useraccount_audit:report"), icon_name="view", order=1200
    )


@hooks.register("register_user_listing_buttons")
def end_sessions_listing_button(user, request_user):
    if not staff_security.may_end_sessions(request_user, user):
        return []
    return [Button(_("End all sessions"), url=staff_views.end_sessions_url(user), icon_name="logout", priority=60)]


# The Wagtail user views show and change a person's record: each opening and each saved change is audited.
@hooks.register("before_edit_user")
def audit_user_opened(request, user):
    if request.method == "GET":
        audit.record(request, audit.Action.VIEW, record=user, summary=_("User account opened in the back office"))


@hooks.register("after_edit_user")
def audit_user_changed(request, user):
    audit.record(request, audit.Action.CHANGE, record=user, summary=_("User account changed in the back office"))


@hooks.register("after_create_user")
def audit_user_created(request, user):
    audit.record(request, audit.Action.CREATE, record=user, summary=_("User account created in the back office"))


@hooks.register("before_delete_user")
def audit_user_deleted(request, user):
    if request.method == "POST":
        # Written before the deletion: afterwards the trail keeps the e-mail address only in the summary.
        audit.record(
            request,
            audit.Action.DELETE,
            record=user,
            summary=_("User account %(email)s deleted in the back office") % {"email": user.email},
        )

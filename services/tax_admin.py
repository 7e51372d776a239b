"""Back office of the tax feature (imported by services/wagtail_hooks.py so its hooks register).

A read-only register of tax accounts for staff with `services.view_taxaccount` (or change), and one action
for staff with `services.change_taxaccount`: a new activation code for a letter printed by the office.
The code is shown once on the response page and never stored in plain text. Accounts and their data are
not edited here: the tax application owns them and sends them through the API.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register

from . import tax
from .models import TaxAccount
from .readonly_admin import AuditedIndexView, ReadOnlyPermissionHelper
from .templatetags.cases import chf

LABEL = gettext_lazy("Tax accounts")


def can_view(user):
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.has_perm("services.view_taxaccount") or user.has_perm("services.change_taxaccount"))
    )


def can_issue_code(user):
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm("services.change_taxaccount")


class TaxAccountPermissionHelper(ReadOnlyPermissionHelper):
    def user_can_list(self, user):
        return can_view(user)


class TaxAccountButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        if not can_issue_code(self.request.user):
            return []
        return [
            {
                "url": reverse("tax_admin:confirm_code", args=[obj.pk]),
                "label": _("New activation code"),
                "classname": "button button-small button-secondary",
                "title": _("New activation code for %(number)s") % {"number": obj.taxpayer_number},
            }
        ]


class TaxAccountAdmin(ModelAdmin):
    model = TaxAccount
    menu_label = LABEL
    menu_icon = "doc-full"
    menu_order = 230
    list_display = ("taxpayer_number", "name", "linked", "activated_at", "balance")
    list_filter = ("activated_at",)
    search_fields = ("taxpayer_number", "name")
    ordering = ("taxpayer_number",)
    list_per_page = 50
    permission_helper_class = TaxAccountPermissionHelper
    button_helper_class = TaxAccountButtonHelper
    index_view_class = AuditedIndexView
    history_view_enabled = False

    @admin.display(description=gettext_lazy("linked"), boolean=True)
    def linked(self, account):
        return bool(account.holder_id and account.activated_at)

    @admin.display(description=gettext_lazy("balance"), ordering="balance_rappen")
    def balance(self, account):
        return chf(account.balance_rappen)

    def get_admin_urls_for_registration(self):
        # Only the list: accounts are changed by the tax application through the API, not by hand.
        from django.urls import re_path

        return (
            re_path(
                self.url_helper.get_action_url_pattern("index"),
                self.index_view,
                name=self.url_helper.get_action_url_name("index"),
            ),
        )

    def register_indexing(self):
        pass


modeladmin_register(TaxAccountAdmin)


def _index_url():
    return reverse("services_taxaccount_modeladmin_index")


def _page(request, account, template, **extra):
    context = {
        "account": account,
        "index_url": _index_url(),
        "header_title": _("New activation code for %(number)s") % {"number": account.taxpayer_number},
        "header_icon": "key",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": _index_url(), "label": LABEL},
            {"url": "", "label": account.taxpayer_number},
        ],
        **extra,
    }
    return TemplateResponse(request, template, context)


def confirm_code(request, pk):
    if not can_issue_code(request.user):
        raise PermissionDenied
    account = get_object_or_404(TaxAccount, pk=pk)
    return _page(request, account, "services/tax/admin/confirm_code.html")


@require_POST
def issue_code(request, pk):
    if not can_issue_code(request.user):
        raise PermissionDenied
    account = get_object_or_404(TaxAccount, pk=pk)
    code = tax.set_activation_code(account)
    response = _page(request, account, "services/tax/admin/code.html", code=code)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("<int:pk>/activation-code/", confirm_code, name="confirm_code"),
    path("<int:pk>/activation-code/new/", issue_code, name="issue_code"),
]


@hooks.register("register_admin_urls")
def register_urls():
    from django.urls import include

    return [path("tax-accounts/", include((urlpatterns, "tax_admin"), namespace="tax_admin"))]

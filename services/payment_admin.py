"""Back office of the payment feature: import bank notifications (camt.054) and see what they matched.

Shown to staff with the case register's change permission (`services.change_case`); a clerk's import marks
only payments of cases in their scope (`Case.objects.for_clerk`), everything else is listed as not matched.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .camt import CamtError, import_camt054
from .models import Case, PaymentImport

app_name = "payment_admin"
IMPORT_LABEL = _("Bank notifications (camt.054)")


def may_import(user):
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm("services.change_case"))


class CamtUploadForm(forms.Form):
    file = forms.FileField(label=_("camt.054 file (XML)"))


def _context(request, **extra):
    return {
        "header_title": str(IMPORT_LABEL),
        "header_icon": "download",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse(f"{app_name}:imports"), "label": IMPORT_LABEL},
        ],
        **extra,
    }


def imports(request):
    """The upload form and the latest imports."""
    if not may_import(request.user):
        raise PermissionDenied
    form = CamtUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = import_camt054(
                upload.read(), upload.name, user=request.user, cases=Case.objects.for_clerk(request.user)
            )
        except CamtError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _("%(matched)s of %(entries)s entries matched.")
                % {"matched": record.matched, "entries": record.entries},
            )
            return redirect(f"{app_name}:import_detail", pk=record.pk)
    recent = PaymentImport.objects.select_related("imported_by")[:20]
    return TemplateResponse(
        request, "services/payments/admin_imports.html", _context(request, form=form, recent=recent)
    )


def import_detail(request, pk):
    if not may_import(request.user):
        raise PermissionDenied
    record = get_object_or_404(PaymentImport, pk=pk)
    return TemplateResponse(request, "services/payments/admin_import_detail.html", _context(request, record=record))


urlpatterns = [
    path("", imports, name="imports"),
    path("<int:pk>/", import_detail, name="import_detail"),
]


class CamtMenuItem(MenuItem):
    def is_shown(self, request):
        return may_import(request.user)


@hooks.register("register_admin_urls")
def register_payment_admin_urls():
    return [path("payments/bank-notifications/", include((urlpatterns, app_name), namespace=app_name))]


@hooks.register("register_admin_menu_item")
def register_payment_menu_item():
    return CamtMenuItem(IMPORT_LABEL, reverse(f"{app_name}:imports"), icon_name="download", order=215)

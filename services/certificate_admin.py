"""Back office of the certificate feature: issue and revoke on a case, and the register of issued certificates.

Imported by services/wagtail_hooks.py so its hooks register. Every view loads the case through
`Case.objects.for_clerk(user)` and certificates through the cases in that scope, so a clerk of another group
gets 404. The rules are in services/certificates.py.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, re_path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register

from . import certificates
from .admin_views import can_change, can_view, is_clerk
from .admin_views import case_url as backoffice_case_url
from .models import Case
from .models.certificates import Certificate, CertificateKind
from .readonly_admin import AuditedIndexView, ReadOnlyPermissionHelper

app_name = "certificates_backoffice"
CERTIFICATES_LABEL = gettext_lazy("Certificates")


def clerk_certificates(user):
    """Certificates of the cases the clerk works (all for superusers)."""
    return Certificate.objects.filter(case__in=Case.objects.for_clerk(user))


# --- forms --------------------------------------------------------------------------------------------------


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Certificate"), choices=CertificateKind.choices)
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for 90 days from today."),
    )

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The date lies in the past."))
        return value


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the revocation"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the case; the public check shows only that and when it was revoked."),
    )


# --- views ----------------------------------------------------------------------------------------------------


def _clerk_case(request, pk):
    if not can_change(request.user):
        raise PermissionDenied
    return get_object_or_404(Case.objects.for_clerk(request.user).select_related("service_page", "owner_user"), pk=pk)


def _context(request, case, **extra):
    return {
        "case": case,
        "header_title": str(case),
        "header_icon": "doc-full",
        "case_url": backoffice_case_url(case),
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": backoffice_case_url(case), "label": case.reference},
            {"url": "", "label": CERTIFICATES_LABEL},
        ],
        **extra,
    }


def issue_view(request, pk):
    """Confirm the kind (preselected from the case) and issue; the case is completed.

    While the fee is unpaid the clerk is sent back to the case, where the payment can be recorded.
    """
    case = _clerk_case(request, pk)
    existing = case.certificates.filter(revoked_at__isnull=True).first()
    if existing is not None:
        messages.warning(request, _("This case already has a valid certificate: %(code)s.") % {"code": existing.code})
        return redirect(backoffice_case_url(case))
    unpaid = certificates.fee_refusal(case)
    if unpaid:
        messages.error(request, unpaid)
        return redirect(backoffice_case_url(case))
    form = IssueForm(request.POST or None, initial={"kind": certificates.kind_from_case(case)})
    if request.method == "POST" and form.is_valid():
        try:
            certificate = certificates.issue(
                case, form.cleaned_data["kind"], actor=request.user, valid_until=form.cleaned_data["valid_until"]
            )
        except certificates.CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Certificate issued with the verification code %(code)s.") % {"code": certificate.code}
            )
            return redirect(backoffice_case_url(case))
    return TemplateResponse(
        request,
        "services/certificates/admin_issue.html",
        _context(request, case, form=form, organisation=bool(case.owner_organisation_id)),
    )


def revoke_view(request, pk):
    """Revoke a certificate of a case in the clerk's scope, with a reason."""
    if not can_change(request.user):
        raise PermissionDenied
    certificate = get_object_or_404(clerk_certificates(request.user).select_related("case", "holder"), pk=pk)
    case = certificate.case
    form = RevokeForm(request.POST or None)
    if certificate.is_revoked:
        messages.warning(request, _("This certificate is already revoked."))
        return redirect(backoffice_case_url(case))
    if request.method == "POST" and form.is_valid():
        try:
            certificates.revoke(certificate, reason=form.cleaned_data["reason"], actor=request.user)
        except certificates.CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Certificate %(code)s revoked.") % {"code": certificate.code})
            return redirect(backoffice_case_url(case))
    return TemplateResponse(
        request,
        "services/certificates/admin_revoke.html",
        _context(request, case, form=form, certificate=certificate, title=certificates.TITLES[certificate.kind]),
    )


urlpatterns = [
    path("cases/<int:pk>/issue/", issue_view, name="issue"),
    path("<int:pk>/revoke/", revoke_view, name="revoke"),
]


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [path("certificates/actions/", include((urlpatterns, app_name), namespace=app_name))]


# --- the register of certificates ------------------------------------------------------------------------------


class CertificatePermissionHelper(ReadOnlyPermissionHelper):
    """Clerks see the certificates of their cases; nobody edits them here (issue and revoke are actions)."""

    def user_can_list(self, user):
        return is_clerk(user) and can_view(user)


class CertificateButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = []
        if obj.case_id:
            buttons.append(
                {
                    "url": backoffice_case_url(obj.case),
                    "label": _("Open case"),
                    "classname": "button button-small button-secondary",
                    "title": _("Open case %(reference)s") % {"reference": obj.case.reference},
                }
            )
        if not obj.is_revoked and can_change(self.request.user):
            buttons.append(
                {
                    "url": reverse(f"{app_name}:revoke", args=[obj.pk]),
                    "label": _("Revoke"),
                    "classname": "button button-small no",
                    "title": _("Revoke certificate %(code)s") % {"code": obj.code},
                }
            )
        return buttons


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("valid", _("Valid")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, valid_until__lt=today)
        if self.value() == "valid":
            return queryset.filter(revoked_at__isnull=True).exclude(valid_until__lt=today)
        return queryset


class CertificateIndexView(AuditedIndexView):
    FILTER_PARAMETERS = {"state", "kind__exact"}

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        return {key: value for key, value in lookup_params.items() if key in self.FILTER_PARAMETERS}

    def get_search_results(self, request, queryset, search_term):
        # A code is found however it was typed (lower case, spaces instead of dashes).
        code = certificates.normalise_code(search_term)
        if code:
            return queryset.filter(code=code)
        return super().get_search_results(request, queryset, search_term)


class CertificateAdmin(ModelAdmin):
    model = Certificate
    menu_label = CERTIFICATES_LABEL
    menu_icon = "doc-full"
    menu_order = 212
    list_display = ("code", "kind_label", "holder_name", "case_reference", "issued", "valid", "state")
    list_filter = (StateFilter, "kind")
    list_select_related = ("case", "holder")
    list_per_page = 50
    search_fields = ("code", "holder__first_name", "holder__last_name", "case__reference")
    ordering = ("-issued_at", "-pk")
    permission_helper_class = CertificatePermissionHelper
    button_helper_class = CertificateButtonHelper
    index_view_class = CertificateIndexView
    history_view_enabled = False

    def get_queryset(self, request):
        return clerk_certificates(request.user).order_by(*self.ordering)

    @admin.display(description=gettext_lazy("certificate"), ordering="kind")
    def kind_label(self, obj):
        return certificates.TITLES[obj.kind]

    @admin.display(description=gettext_lazy("holder"))
    def holder_name(self, obj):
        return (obj.data or {}).get("name", "")

    @admin.display(description=gettext_lazy("case"))
    def case_reference(self, obj):
        return obj.case.reference if obj.case_id else ""

    @admin.display(description=gettext_lazy("issued"), ordering="issued_at")
    def issued(self, obj):
        return date_format(timezone.localtime(obj.issued_at), "SHORT_DATE_FORMAT")

    @admin.display(description=gettext_lazy("valid until"), ordering="valid_until")
    def valid(self, obj):
        return date_format(obj.valid_until, "SHORT_DATE_FORMAT") if obj.valid_until else ""

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        if obj.is_revoked:
            return _("Revoked on %(date)s") % {
                "date": date_format(timezone.localtime(obj.revoked_at), "SHORT_DATE_FORMAT")
            }
        return _("Valid") if obj.is_valid() else _("Expired")

    def get_admin_urls_for_registration(self):
        # Only the list: modeladmin's edit/delete views would change certificates without the rules.
        return (
            re_path(
                self.url_helper.get_action_url_pattern("index"),
                self.index_view,
                name=self.url_helper.get_action_url_name("index"),
            ),
        )

    def register_indexing(self):
        pass


modeladmin_register(CertificateAdmin)

"""Back office of the portal's OpenID Connect provider: the "Login clients" (apps that log people in with the portal).

allauth's Client model holds them; this is the clerk's view of it: name, type, redirect and logout addresses,
allowed scopes, refresh tokens, skipping the consent page. A client secret exists in plain text only in the
response to the POST that made it (creation or "New secret"); the database keeps a hash.
"""

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.log_actions import log
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import CreateView, DeleteView, EditView, IndexView

from . import oidc_provider

MENU_LABEL = gettext_lazy("Login clients")
LOG_ACTIONS = {
    "useraccount.oidc_secret_created": (gettext_lazy("New client secret"), gettext_lazy("Client secret replaced")),
}


def may(user, action):
    """Active staff holding allauth's permission `action` on clients (superusers hold all)."""
    opts = Client._meta
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser)
        and user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
    )


def _lines(value):
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class LoginClientForm(WagtailAdminModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Allowed scopes"),
        help_text=gettext_lazy("What the app may ask for; the person still decides on the consent page."),
        choices=lambda: [(scope, f"{scope}: {oidc_provider.SCOPE_LABELS[scope]}") for scope in oidc_provider.SCOPES],
        widget=forms.CheckboxSelectMultiple,
    )
    redirect_uris = forms.CharField(
        label=gettext_lazy("Redirect URIs"),
        help_text=gettext_lazy(
            "One per line, exactly as the app sends them, e.g. https://app.musterwil.ch/auth/callback. "
            "https only, except for addresses on the same computer (localhost, 127.0.0.1) and an app's own "
            "scheme (ch.musterwil.app:/callback)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    post_logout_redirect_uris = forms.CharField(
        label=gettext_lazy("Addresses after logout"),
        help_text=gettext_lazy(
            "One per line: where the portal may send people back after the app logged them out (RP-initiated logout)."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    refresh_tokens = forms.BooleanField(
        label=gettext_lazy("Keep people logged in to the app (refresh tokens)"),
        help_text=gettext_lazy("For apps on phones that renew their access without asking again."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if "type" in self.fields:
            self.fields["type"].label = _("Type")
            self.fields["type"].help_text = _(
                "Confidential: a web application on a server, which keeps the client secret. Public: an app on a "
                "phone or in the browser, which cannot keep a secret; it must use PKCE."
            )
        if "name" in self.fields:
            self.fields["name"].label = _("Name")
            self.fields["name"].help_text = _("Shown to people on the consent page, e.g. “Musterwil App”.")
        if "skip_consent" in self.fields:
            self.fields["skip_consent"].label = _("Skip the consent page")
            self.fields["skip_consent"].help_text = _(
                "Only for the municipality's own apps: people are logged in without being asked what the app may see."
            )
        if instance.pk:
            self.initial["scopes"] = instance.get_scopes()
            self.initial["redirect_uris"] = "\n".join(instance.get_redirect_uris())
            self.initial["post_logout_redirect_uris"] = "\n".join(instance.get_post_logout_redirect_uris())
            self.initial["refresh_tokens"] = Client.GrantType.REFRESH_TOKEN in instance.get_grant_types()
        else:
            self.initial.setdefault("scopes", list(oidc_provider.STANDARD_SCOPES))

    def _clean_uris(self, name):
        uris = _lines(self.cleaned_data.get(name))
        errors = [message for uri in uris if (message := oidc_provider.redirect_uri_problem(uri))]
        if errors:
            raise forms.ValidationError(errors)
        return uris

    def clean_redirect_uris(self):
        uris = self._clean_uris("redirect_uris")
        if not uris:
            raise forms.ValidationError(_("Enter at least one redirect URI."))
        return "\n".join(uris)

    def clean_post_logout_redirect_uris(self):
        return self._clean_uris("post_logout_redirect_uris")

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        if "openid" not in scopes:
            raise forms.ValidationError(_("“openid” is the login itself and cannot be left out."))
        return "\n".join(scope for scope in oidc_provider.SCOPES if scope in scopes)

    def save(self, commit=True):
        client = super().save(commit=False)
        client.set_post_logout_redirect_uris(self.cleaned_data["post_logout_redirect_uris"])
        grants = [Client.GrantType.AUTHORIZATION_CODE]
        if self.cleaned_data["refresh_tokens"]:
            grants.append(Client.GrantType.REFRESH_TOKEN)
        client.set_grant_types(grants)
        client.set_response_types([Client.ResponseType.CODE])
        if commit:
            client.save()
        return client


VERBOSE_NAME = gettext_lazy("login client")


class LoginClientNames:
    """allauth names its model "client"; in the back office it is a login client, named by its name, not its id."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verbose_name = str(VERBOSE_NAME)
        self.verbose_name_plural = str(MENU_LABEL)

    def get_page_title(self):
        return MENU_LABEL

    def get_page_subtitle(self):
        instance = getattr(self, "instance", None)
        return instance.name if instance is not None and instance.pk else VERBOSE_NAME

    def get_success_message(self, instance):
        return _("Login client “%(name)s” saved.") % {"name": instance.name}


class LoginClientIndexView(LoginClientNames, IndexView):
    def get_page_subtitle(self):
        return ""


class LoginClientEditView(LoginClientNames, EditView):
    pass


class LoginClientDeleteView(LoginClientNames, DeleteView):
    pass


class LoginClientPermissionHelper(PermissionHelper):
    def user_has_specific_permission(self, user, perm_codename):
        return (user.is_staff or user.is_superuser) and super().user_has_specific_permission(user, perm_codename)


class LoginClientButtonHelper(ButtonHelper):
    def __init__(self, view, request):
        super().__init__(view, request)
        self.verbose_name = str(VERBOSE_NAME)

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.type == Client.Type.CONFIDENTIAL and may(self.request.user, "change"):
            buttons.append(
                {
                    "url": new_secret_url(obj),
                    "label": _("New secret"),
                    "classname": self.finalise_classname(["button-secondary", *(classnames_add or [])]),
                    "title": _("Replace the client secret of %(name)s") % {"name": obj.name},
                }
            )
        return buttons


def index_url():
    return reverse(f"{Client._meta.app_label}_{Client._meta.model_name}_modeladmin_index")


def new_secret_url(client):
    return reverse("useraccount_oidc:new_secret", args=[client.pk])


def _render_secret(request, client, secret, *, created):
    context = {
        "client": client,
        "secret": secret if client.type == Client.Type.CONFIDENTIAL else None,
        "created": created,
        "discovery_url": request.build_absolute_uri(reverse("idp:oidc:configuration")),
        "index_url": index_url(),
        "header_title": _("Login client %(name)s") % {"name": client.name},
        "header_icon": "key",
    }
    response = TemplateResponse(request, "account/admin/oidc_client_secret.html", context)
    # The only place the plain secret ever appears: keep it out of every cache and the browser history.
    response["Cache-Control"] = "no-store"
    return response


class LoginClientCreateView(LoginClientNames, CreateView):
    def form_valid(self, form):
        secret = get_adapter().generate_client_secret()
        form.instance.set_secret(secret)
        super().form_valid(form)
        return _render_secret(self.request, self.instance, secret, created=True)


@require_http_methods(["GET", "POST"])
def new_secret(request, pk):
    """GET asks for confirmation; POST replaces the secret (the old one stops working at once) and shows the new one."""
    if not may(request.user, "change"):
        raise PermissionDenied
    client = get_object_or_404(Client, pk=pk, type=Client.Type.CONFIDENTIAL)
    if request.method == "POST":
        secret = get_adapter().generate_client_secret()
        client.set_secret(secret)
        client.save(update_fields=["secret"])
        log(instance=client, action="useraccount.oidc_secret_created")
        return _render_secret(request, client, secret, created=False)
    context = {
        "client": client,
        "index_url": index_url(),
        "header_title": _("New secret for %(name)s") % {"name": client.name},
        "header_icon": "key",
    }
    return TemplateResponse(request, "account/admin/oidc_client_new_secret.html", context)


class LoginClientAdmin(ModelAdmin):
    model = Client
    menu_label = MENU_LABEL
    menu_icon = "key"
    menu_order = 270
    permission_helper_class = LoginClientPermissionHelper
    button_helper_class = LoginClientButtonHelper
    index_view_class = LoginClientIndexView
    create_view_class = LoginClientCreateView
    edit_view_class = LoginClientEditView
    edit_template_name = "account/admin/oidc_client_edit.html"
    delete_view_class = LoginClientDeleteView
    list_display = ("name", "client_id", "type_label", "consent", "created")
    list_display_add_buttons = "name"
    search_fields = ("name", "id")
    ordering = ("name",)
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("name"), FieldPanel("type"), FieldPanel("skip_consent")], heading=gettext_lazy("App")
            ),
            MultiFieldPanel(
                [FieldPanel("redirect_uris"), FieldPanel("post_logout_redirect_uris")],
                heading=gettext_lazy("Addresses"),
            ),
            MultiFieldPanel(
                [FieldPanel("scopes"), FieldPanel("refresh_tokens")], heading=gettext_lazy("What the app may ask for")
            ),
        ],
        base_form_class=LoginClientForm,
    )

    def register_indexing(self):
        # Nothing links to clients; no reference index needed.
        pass

    @admin.display(description=gettext_lazy("Client ID"), ordering="id")
    def client_id(self, client):
        return client.pk

    @admin.display(description=gettext_lazy("Type"), ordering="type")
    def type_label(self, client):
        return _("public") if client.type == Client.Type.PUBLIC else _("confidential")

    @admin.display(description=gettext_lazy("Consent page"), ordering="skip_consent")
    def consent(self, client):
        return _("skipped") if client.skip_consent else _("shown")

    @admin.display(description=gettext_lazy("Created"), ordering="created_at")
    def created(self, client):
        return date_format(timezone.localtime(client.created_at), "SHORT_DATE_FORMAT")

    def get_admin_urls_for_registration(self):
        return (
            *super().get_admin_urls_for_registration(),
            path(
                "login-clients/",
                include(
                    ([path("<str:pk>/new-secret/", new_secret, name="new_secret")], "useraccount_oidc"),
                    namespace="useraccount_oidc",
                ),
            ),
        )

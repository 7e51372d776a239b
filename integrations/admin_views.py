"""Back-office views of the interface beyond modeladmin's lists and forms.

The credentials page of an application (tokens: create, rotate, revoke; its webhook endpoints), the
rotation of an endpoint's signing secret, and the page of one webhook delivery with its attempts and the
manual replay. Every change is a POST with CSRF; a new token is shown once, in the response to the POST
that made it, and exists nowhere else in plain text.
"""

import json

from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.admin import messages
from wagtail.log_actions import log

from .admin_forms import TokenForm
from .models import SpecialistApplication, WebhookDelivery, WebhookEndpoint

app_name = "integrations_backoffice"
INTEGRATIONS_LABEL = gettext_lazy("Integrations")
APPLICATIONS_LABEL = gettext_lazy("Specialist applications")
DELIVERIES_LABEL = gettext_lazy("Delivery log")

# Wagtail log actions of these views (name → label, message), registered in wagtail_hooks; they show in
# the history of the application or endpoint.
LOG_ACTIONS = {
    "integrations.token_created": (gettext_lazy("Create API token"), gettext_lazy("API token created")),
    "integrations.tokens_rotated": (gettext_lazy("Rotate API tokens"), gettext_lazy("API tokens rotated")),
    "integrations.token_revoked": (gettext_lazy("Revoke API token"), gettext_lazy("API token revoked")),
    "integrations.secret_rotated": (gettext_lazy("Rotate signing secret"), gettext_lazy("Signing secret rotated")),
    "integrations.delivery_replayed": (
        gettext_lazy("Replay webhook delivery"),
        gettext_lazy("Webhook delivery replayed"),
    ),
}

ANY = ("add", "change", "delete", "view")


# --- who may do what -----------------------------------------------------------------------------------


def is_staff(user):
    return user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)


def may(user, model, *actions):
    """Staff holding one of the model permissions for `actions` (superusers hold all of them)."""
    if not is_staff(user):
        return False
    opts = model._meta
    return any(user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}") for action in actions)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


# --- URLs ------------------------------------------------------------------------------------------------


def _modeladmin_url(model, action, *args):
    return reverse(f"{model._meta.app_label}_{model._meta.model_name}_modeladmin_{action}", args=args)


def applications_url():
    return _modeladmin_url(SpecialistApplication, "index")


def application_edit_url(application):
    return _modeladmin_url(SpecialistApplication, "edit", application.pk)


def credentials_url(application):
    return reverse(f"{app_name}:credentials", args=[application.pk])


def endpoint_edit_url(endpoint):
    return _modeladmin_url(WebhookEndpoint, "edit", endpoint.pk)


def endpoint_create_url(application):
    return f"{_modeladmin_url(WebhookEndpoint, 'create')}?application={application.pk}"


def deliveries_url():
    return _modeladmin_url(WebhookDelivery, "index")


def delivery_url(delivery):
    return reverse(f"{app_name}:delivery_detail", args=[delivery.pk])


def _breadcrumbs(*items):
    return [{"url": reverse("wagtailadmin_home"), "label": _("Home")}, *({"url": u, "label": t} for u, t in items)]


# --- credentials of an application ------------------------------------------------------------------------


def _application_or_404(pk):
    return get_object_or_404(SpecialistApplication, pk=pk)


def _render_credentials(request, application, token_form=None, status=200):
    context = {
        "application": application,
        "tokens": application.tokens.select_related("created_by"),
        "endpoints": application.endpoints.all(),
        "token_form": token_form or TokenForm(),
        "can_change": may(request.user, SpecialistApplication, "change"),
        "can_add_endpoint": may(request.user, WebhookEndpoint, "add"),
        "can_edit_endpoint": may(request.user, WebhookEndpoint, "change"),
        "edit_url": application_edit_url(application),
        "endpoint_create_url": endpoint_create_url(application),
        "header_title": _("Credentials of %(name)s") % {"name": application},
        "header_icon": "key",
        "breadcrumbs_items": _breadcrumbs(
            (applications_url(), APPLICATIONS_LABEL),
            (application_edit_url(application), application.name),
            ("", _("Credentials")),
        ),
    }
    return TemplateResponse(request, "integrations/admin/credentials.html", context, status=status)


@require_GET
def credentials(request, pk):
    _require(may(request.user, SpecialistApplication, *ANY))
    return _render_credentials(request, _application_or_404(pk))


def _render_new_token(request, application, api_token, token, old_tokens_until=None, rotated=False):
    context = {
        "application": application,
        "api_token": api_token,
        "token": token,
        "rotated": rotated,
        "old_tokens_until": old_tokens_until,
        "credentials_url": credentials_url(application),
        "header_title": _("New token for %(name)s") % {"name": application},
        "header_icon": "key",
        "breadcrumbs_items": _breadcrumbs(
            (applications_url(), APPLICATIONS_LABEL),
            (application_edit_url(application), application.name),
            (credentials_url(application), _("Credentials")),
            ("", _("New token")),
        ),
    }
    response = TemplateResponse(request, "integrations/admin/token_created.html", context)
    # The only place the plain token ever appears: keep it out of every cache and the browser history.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def create_token(request, pk):
    _require(may(request.user, SpecialistApplication, "change"))
    application = _application_or_404(pk)
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The token could not be created. Please check the form below."))
        return _render_credentials(request, application, token_form=form, status=400)
    api_token, token = application.issue_token(name=form.cleaned_data["label"], created_by=request.user)
    log(instance=application, action="integrations.token_created", data={"prefix": api_token.prefix})
    return _render_new_token(request, application, api_token, token)


@require_POST
def rotate_tokens(request, pk):
    _require(may(request.user, SpecialistApplication, "change"))
    application = _application_or_404(pk)
    previous = list(application.tokens.usable().values_list("pk", flat=True))
    api_token, token = application.rotate_tokens(created_by=request.user)
    old_tokens_until = application.tokens.filter(pk__in=previous).aggregate(until=Max("expires_at"))["until"]
    log(instance=application, action="integrations.tokens_rotated", data={"prefix": api_token.prefix})
    return _render_new_token(request, application, api_token, token, old_tokens_until=old_tokens_until, rotated=True)


@require_http_methods(["GET", "POST"])
def revoke_token(request, pk, token_pk):
    """GET asks for confirmation; POST revokes at once (the application gets 401 with it from now on)."""
    _require(may(request.user, SpecialistApplication, "change"))
    application = _application_or_404(pk)
    api_token = get_object_or_404(application.tokens.all(), pk=token_pk)
    if request.method == "POST":
        if api_token.revoked_at is None:
            api_token.revoke()
            log(instance=application, action="integrations.token_revoked", data={"prefix": api_token.prefix})
            messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": api_token.prefix})
        else:
            messages.warning(request, _("Token %(prefix)s… was already revoked.") % {"prefix": api_token.prefix})
        return redirect(credentials_url(application))
    context = {
        "application": application,
        "api_token": api_token,
        "credentials_url": credentials_url(application),
        "header_title": _("Revoke token"),
        "header_icon": "key",
        "breadcrumbs_items": _breadcrumbs(
            (applications_url(), APPLICATIONS_LABEL),
            (application_edit_url(application), application.name),
            (credentials_url(application), _("Credentials")),
            ("", _("Revoke token")),
        ),
    }
    return TemplateResponse(request, "integrations/admin/revoke_token.html", context)


# --- webhook endpoints ------------------------------------------------------------------------------------


@require_POST
def rotate_secret(request, pk):
    """A new signing secret; the old one stops working at once, so the vendor must get the new one."""
    _require(may(request.user, WebhookEndpoint, "change"))
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    endpoint.rotate_secret()
    log(instance=endpoint, action="integrations.secret_rotated")
    messages.success(
        request,
        _("New signing secret created. Deliveries are signed with it from now on; give it to the vendor."),
    )
    return redirect(endpoint_edit_url(endpoint))


# --- the delivery log ---------------------------------------------------------------------------------------


@require_GET
def delivery_detail(request, pk):
    _require(may(request.user, WebhookDelivery, *ANY))
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("event", "endpoint", "endpoint__application"), pk=pk
    )
    context = {
        "delivery": delivery,
        "attempts": delivery.attempt_log.order_by("number", "started_at", "pk"),
        "payload": json.dumps(delivery.event.payload(), indent=2, ensure_ascii=False),
        "can_replay": may(request.user, WebhookDelivery, "change"),
        "can_edit_endpoint": may(request.user, WebhookEndpoint, "change"),
        "endpoint_url": endpoint_edit_url(delivery.endpoint),
        "index_url": deliveries_url(),
        "header_title": _("Delivery %(id)s") % {"id": delivery.message_id},
        "header_icon": "list-ul",
        "breadcrumbs_items": _breadcrumbs((deliveries_url(), DELIVERIES_LABEL), ("", delivery.message_id)),
    }
    return TemplateResponse(request, "integrations/admin/delivery_detail.html", context)


@require_POST
def replay_delivery(request, pk):
    """Send the delivery again now, whatever its status; the attempt is logged as manual."""
    _require(may(request.user, WebhookDelivery, "change"))
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event", "endpoint"), pk=pk)
    from .delivery import replay  # the delivery module pulls in the HTTP client; only this view needs it

    replay(delivery, by=request.user)
    log(instance=delivery.endpoint, action="integrations.delivery_replayed", data={"delivery": delivery.message_id})
    messages.success(request, _("Replay queued."))
    return redirect(delivery_url(delivery))


urlpatterns = [
    path("specialistapplication/<int:pk>/credentials/", credentials, name="credentials"),
    path("specialistapplication/<int:pk>/tokens/new/", create_token, name="create_token"),
    path("specialistapplication/<int:pk>/tokens/rotate/", rotate_tokens, name="rotate_tokens"),
    path("specialistapplication/<int:pk>/tokens/<int:token_pk>/revoke/", revoke_token, name="revoke_token"),
    path("webhookendpoint/<int:pk>/rotate-secret/", rotate_secret, name="rotate_secret"),
    path("webhookdelivery/<int:pk>/", delivery_detail, name="delivery_detail"),
    path("webhookdelivery/<int:pk>/replay/", replay_delivery, name="replay_delivery"),
]

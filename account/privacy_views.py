"""The privacy page of the account: download my data (with its progress), and delete my account.

Thin: exports are loaded through `privacy.exports_of(user)` (anyone else's is a 404), the rules live in
`privacy.py` and `deletion.py`.
"""

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import deletion, privacy

RECENT_EXPORTS = 10


def _export_rows(user):
    now = timezone.now()
    return [
        {"export": export, "downloadable": privacy.is_downloadable(export, now), "text": privacy.status_text(export)}
        for export in privacy.exports_of(user).order_by("-created_at", "-pk")[:RECENT_EXPORTS]
    ]


@login_required
def privacy_page(request):
    rows = _export_rows(request.user)
    return render(
        request,
        "account/privacy.html",
        {
            "rows": rows,
            "in_progress": any(row["export"].status in privacy.IN_PROGRESS for row in rows),
            "export_days": privacy.export_days(),
        },
    )


@login_required
@require_POST
def request_export(request):
    export, created = privacy.request_export(request.user)
    if created:
        messages.success(
            request,
            _("Your data is being collected. This page shows the progress; we also notify you when it is ready."),
        )
    else:
        messages.info(request, _("Your data is already being collected. Wait for this export to finish."))
    return redirect("useraccount:privacy")


def _own_export(request, token):
    return get_object_or_404(privacy.exports_of(request.user), token=token)


@login_required
def export_status(request, token):
    """What the progress indicator polls: status, percentage, and the download link once ready."""
    export = _own_export(request, token)
    downloadable = privacy.is_downloadable(export)
    payload = {
        "status": export.status,
        "label": export.get_status_display(),
        "progress": export.progress,
        "text": privacy.status_text(export),
        "download_url": reverse("useraccount:privacy_download", kwargs={"token": export.token})
        if downloadable
        else None,
    }
    response = JsonResponse(payload)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def download_export(request, token):
    export = _own_export(request, token)
    if not privacy.is_downloadable(export):
        raise Http404(_("This export is no longer available. Ask for a new one."))
    try:
        handle = export.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("This export is no longer available. Ask for a new one.")) from error
    filename = f"my-data-{timezone.localtime(export.finished_at or export.created_at):%Y-%m-%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    # Everything about a person in one file: never in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, delete my account. I know this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm that you want to delete your account.")},
    )


@login_required
@reauthentication_required
def delete_account(request):
    """Explains what is deleted and what stays (and why); deletes after confirmation. Needs a fresh login."""
    plan = deletion.plan(request.user)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not plan.refusals and form.is_valid():
        try:
            deletion.delete_account(request.user)
        except deletion.DeletionRefused as refused:
            plan.refusals = refused.reasons
        else:
            logout(request)
            messages.success(
                request,
                _(
                    "Your account has been deleted and you are logged out. What the municipality must keep is kept "
                    "without your name and e-mail address."
                ),
            )
            return redirect("wagtail_serve", "")
    return render(
        request,
        "account/privacy_delete.html",
        {"plan": plan, "form": form, "retention_years": deletion.retention_years()},
    )

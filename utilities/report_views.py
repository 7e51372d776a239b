"""Reporting the reading of a manual meter in the account (/account/utilities/readings/…), and its photo.

Meters and reports are loaded through utilities.policies: what the person may not see answers 404. The rules are
in utilities.reporting; this module turns their answers into form errors, a warning to confirm, or a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import policies, reporting
from .report_forms import ReadingReportForm, photo_content_type


def _page(request, meter, form, status=200, photo_dropped=False):
    return render(
        request,
        "utilities/reports/report.html",
        {
            "meter": meter,
            "form": form,
            "history": reporting.history(meter),
            "photo_dropped": photo_dropped,
        },
        status=status,
    )


def _add_issues(form, issues):
    for issue in issues:
        form.add_error(issue.field if issue.field in form.fields else None, issue.message)


@login_required
def report(request, pk):
    """The form to report a reading, and the meter's readings so far."""
    meter = policies.get_meter(request, pk)
    if meter.is_smart:
        # Not a form that fails: there is nothing to report for this meter, so the page does not exist for it.
        return render(request, "utilities/reports/smart_meter.html", {"meter": meter}, status=404)
    if request.method != "POST":
        return _page(request, meter, ReadingReportForm())

    warned = request.POST.get("warned") == "1"
    # A file input cannot be filled again: whoever chose a photo is asked to choose it again.
    photo_dropped = bool(request.FILES.get("photo"))
    form = ReadingReportForm(request.POST, request.FILES, offer_confirm=warned)
    if not form.is_valid():
        if warned and {"read_on", "value"} <= set(form.cleaned_data):
            # Still unconfirmed: say again what was surprising.
            data = form.cleaned_data
            form.warning = reporting.check(meter, data["read_on"], data["value"], data.get("meter_changed")).warning
        return _page(request, meter, form, photo_dropped=photo_dropped)
    data = form.cleaned_data
    try:
        reporting.report(
            meter,
            request.user,
            data["read_on"],
            data["value"],
            photo=data["photo"],
            meter_changed=data["meter_changed"],
            comment=data["comment"],
            confirmed=bool(data.get("confirm")),
        )
    except reporting.NeedsConfirmation as refusal:
        # The same input again, now with the warning and the box to confirm it.
        form = ReadingReportForm(request.POST, warning=refusal.warning)
        return _page(request, meter, form, photo_dropped=photo_dropped)
    except reporting.ReportError as refusal:
        _add_issues(form, refusal.issues)
        return _page(request, meter, form, photo_dropped=photo_dropped)
    messages.success(
        request, _("Thank you. Your reading of meter %(number)s has been saved.") % {"number": meter.meter_number}
    )
    return redirect("utilities:report", pk=meter.pk)


@login_required
def report_photo(request, report_pk):
    """The photo of a report, for whoever may see the meter."""
    found = get_object_or_404(policies.reports_visible_to(request.user).exclude(photo=""), pk=report_pk)
    try:
        handle = found.photo.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("The photo is no longer available.")) from error
    filename = found.photo.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=photo_content_type(filename))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

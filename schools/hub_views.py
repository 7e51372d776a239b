"""The school in the account: the overview of children and classes, and the calendar feed addresses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .hub_overview import calendar_feeds, overview, renew_calendar_token


@login_required
def hub(request):
    return render(request, "schools/hub/overview.html", {"overview": overview(request.user)})


@login_required
def calendars(request):
    school_feeds, class_feeds = calendar_feeds(request.user, request)
    return render(request, "schools/hub/calendars.html", {"school_feeds": school_feeds, "class_feeds": class_feeds})


@login_required
@require_POST
def calendars_renew(request):
    renew_calendar_token(request.user)
    messages.success(
        request,
        _("Your personal feed addresses are new. Calendars subscribed with the old addresses no longer update."),
    )
    return redirect("school:calendars")

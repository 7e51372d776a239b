"""The parking permits of the account: the list, and renewing a permit through the parking form (prefilled)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render

from account.acting_context import ActingContext

from . import parking
from .models import ParkingPermit
from .page_views import resume_url


def _permits(request):
    return ParkingPermit.objects.visible_to(request.user).select_related("document__case")


@login_required
def permit_list(request):
    permits = parking.annotate(list(_permits(request)))
    return render(
        request,
        "services/parking/permit_list.html",
        {"permits": permits, "can_renew": parking.parking_page() is not None, "parking_page": parking.parking_page()},
    )


@login_required
def renew(request, number):
    """GET explains the renewal; POST makes a draft of the parking form from the permit and opens it."""
    permit = get_object_or_404(_permits(request), number=number)
    if request.method != "POST":
        permit = parking.annotate([permit])[0]
        return render(request, "services/parking/renew.html", {"permit": permit})
    try:
        # A permit is personal: its renewal is the holder's own case, whatever context they act in.
        draft = parking.start_renewal(permit, ActingContext(user=request.user))
    except parking.RenewalUnavailable as error:
        messages.error(request, str(error))
        return redirect("parking:list")
    return HttpResponseRedirect(resume_url(draft, request))

"""Views of the account: dashboard, profile, organisations, invitations, acting context.

Thin: they load records through scoped querysets and call the rules in `organisations.py`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import acting_context, dashboard, organisations, policies
from .forms import InvitationForm, OrganisationForm, ProfileForm, RoleForm
from .models import Membership


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def dashboard_view(request):
    return render(request, "account/dashboard.html", {"sections": dashboard.render_context(request)})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your details have been saved."))
        return redirect("useraccount:profile")
    return render(request, "account/profile_form.html", {"form": form})


@login_required
def organisation_list(request):
    memberships = Membership.objects.filter(user=request.user).select_related("organisation")
    return render(request, "account/organisation_list.html", {"memberships": memberships})


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = organisations.create_organisation(request.user, **form.cleaned_data)
        messages.success(request, _("%(name)s has been created. You are its owner.") % {"name": organisation.name})
        return redirect("useraccount:organisation_detail", pk=organisation.pk)
    return render(request, "account/organisation_form.html", {"form": form})


def _my_membership(request, pk):
    """The requester's membership in organisation `pk`; 404 for anyone who is not a member."""
    return get_object_or_404(Membership.objects.select_related("organisation"), user=request.user, organisation_id=pk)


@login_required
def organisation_detail(request, pk):
    membership = _my_membership(request, pk)
    organisation = membership.organisation
    can_manage = policies.can_manage_members(membership)
    members = organisation.memberships.select_related("user").order_by("user__last_name", "user__first_name")
    context = {
        "organisation": organisation,
        "membership": membership,
        "can_manage": can_manage,
        "members": [
            {"membership": m, "can_change": policies.can_change_member(membership, m) and m.pk != membership.pk}
            for m in members
        ],
        "role_choices": Membership.Role.choices,
    }
    if can_manage:
        context["invitations"] = [
            i for i in organisation.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True) if i.is_open
        ]
        context["invitation_form"] = InvitationForm()
    return render(request, "account/organisation_detail.html", context)


@login_required
def organisation_edit(request, pk):
    membership = _my_membership(request, pk)
    if not policies.can_manage_members(membership):
        return HttpResponseForbidden(_("Only owners and administrators can change the organisation."))
    form = OrganisationForm(request.POST or None, instance=membership.organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The organisation's details have been saved."))
        return redirect("useraccount:organisation_detail", pk=pk)
    return render(request, "account/organisation_form.html", {"form": form, "organisation": membership.organisation})


@login_required
def invite_member(request, pk):
    membership = _my_membership(request, pk)
    if not policies.can_manage_members(membership):
        return HttpResponseForbidden(_("Only owners and administrators can invite members."))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = organisations.invite(
                membership, form.cleaned_data["email"], form.cleaned_data["role"], request
            )
        except organisations.OrganisationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("An invitation has been sent to %(email)s.") % {"email": invitation.email})
            return redirect("useraccount:organisation_detail", pk=pk)
    return render(request, "account/invitation_form.html", {"form": form, "organisation": membership.organisation})


@login_required
@require_POST
def revoke_invitation(request, pk, invitation_pk):
    membership = _my_membership(request, pk)
    invitation = get_object_or_404(membership.organisation.invitations, pk=invitation_pk)
    try:
        organisations.revoke_invitation(membership, invitation)
    except organisations.OrganisationError as error:
        return HttpResponseForbidden(str(error))
    messages.success(request, _("The invitation to %(email)s has been revoked.") % {"email": invitation.email})
    return redirect("useraccount:organisation_detail", pk=pk)


@login_required
@require_POST
def remove_member(request, pk, membership_pk):
    actor = _my_membership(request, pk)
    target = get_object_or_404(actor.organisation.memberships.select_related("user"), pk=membership_pk)
    try:
        organisations.remove_member(actor, target)
    except organisations.OrganisationError as error:
        messages.error(request, str(error))
        return redirect("useraccount:organisation_detail", pk=pk)
    if target.pk == actor.pk:
        messages.success(request, _("You have left %(name)s.") % {"name": actor.organisation.name})
        return redirect("useraccount:organisations")
    messages.success(request, _("%(person)s has been removed.") % {"person": target.user})
    return redirect("useraccount:organisation_detail", pk=pk)


@login_required
@require_POST
def change_role(request, pk, membership_pk):
    actor = _my_membership(request, pk)
    target = get_object_or_404(actor.organisation.memberships.select_related("user"), pk=membership_pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("useraccount:organisation_detail", pk=pk)
    try:
        organisations.change_role(actor, target, form.cleaned_data["role"])
    except organisations.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(person)s is now %(role)s.") % {"person": target.user, "role": target.get_role_display()},
        )
    return redirect("useraccount:organisation_detail", pk=pk)


@login_required
@require_POST
def leave_organisation(request, pk):
    membership = _my_membership(request, pk)
    try:
        organisations.leave(membership)
    except organisations.OrganisationError as error:
        messages.error(request, str(error))
        return redirect("useraccount:organisation_detail", pk=pk)
    messages.success(request, _("You have left %(name)s.") % {"name": membership.organisation.name})
    return redirect("useraccount:organisations")


def invitation(request, token):
    """The link from the invitation e-mail: shows the invitation and lets the invitee accept it."""
    invitation = organisations.find_open_invitation(token)
    if invitation is None:
        return render(request, "account/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        return render(request, "account/invitation_accept.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            membership = organisations.accept_invitation(invitation, request.user)
        except organisations.OrganisationError as error:
            messages.error(request, str(error))
        else:
            acting_context.switch(request, membership.organisation_id)
            messages.success(
                request,
                _("Welcome to %(name)s. You now act for the organisation.") % {"name": invitation.organisation.name},
            )
            return redirect("useraccount:organisation_detail", pk=membership.organisation_id)
    return render(request, "account/invitation_accept.html", {"invitation": invitation})


@login_required
@require_POST
def switch_context(request):
    """Switch the acting context to self ('') or to one of my organisations; 404 for any other."""
    value = request.POST.get("organisation", "")
    if value in ("", "self"):
        acting_context.switch(request, None)
        messages.info(request, _("You now act for yourself."))
    else:
        try:
            context = acting_context.switch(request, int(value))
        except (ValueError, Membership.DoesNotExist) as exc:
            raise Http404(_("No such organisation.")) from exc
        messages.info(request, _("You now act for %(name)s.") % {"name": context.organisation.name})
    return redirect(_safe_next(request, "useraccount:dashboard"))

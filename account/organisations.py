"""Business rules of organisations: invite, accept, leave, remove, change roles."""

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import policies
from .models import Invitation, Membership, Organisation

logger = logging.getLogger(__name__)


class OrganisationError(Exception):
    """A rule of organisations was broken; the message is shown to the person."""


def create_organisation(user, **fields):
    """Create an organisation with `user` as its owner."""
    with transaction.atomic():
        organisation = Organisation(**fields)
        organisation.full_clean()
        organisation.save()
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.OWNER)
    return organisation


def invite(actor, email, role, request=None):
    """Invite `email` into the actor's organisation and send the invitation e-mail."""
    if not policies.can_manage_members(actor):
        raise OrganisationError(_("Only owners and administrators can invite members."))
    if not policies.can_grant_role(actor, role):
        raise OrganisationError(_("Only owners can invite further owners."))
    email = email.strip().lower()
    organisation = actor.organisation
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise OrganisationError(_("%(email)s is already a member.") % {"email": email})
    with transaction.atomic():
        # A new invitation replaces any open one for the same address.
        Invitation.objects.filter(organisation=organisation, email__iexact=email, accepted_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(organisation=organisation, email=email, role=role, invited_by=actor.user)
        transaction.on_commit(lambda: send_invitation_email(invitation, request))
    return invitation


def invitation_url(invitation, request=None):
    path = reverse("useraccount:invitation", kwargs={"token": invitation.token})
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_invitation_email(invitation, request=None):
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "accept_url": invitation_url(invitation, request),
    }
    with translation.override(getattr(invitation.invited_by, "language", None) or settings.LANGUAGE_CODE):
        subject = _("Invitation to join %(organisation)s") % {"organisation": invitation.organisation.name}
        body = render_to_string("account/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])
    logger.info("invitation %s sent for organisation %s", invitation.pk, invitation.organisation_id)


def find_open_invitation(token):
    invitation = Invitation.objects.select_related("organisation").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        return None
    return invitation


def accept_invitation(invitation, user):
    """Make `user` a member; the invitation must be open and addressed to one of their verified addresses."""
    if not invitation.is_open:
        raise OrganisationError(_("This invitation is no longer valid. Ask the organisation for a new one."))
    verified = EmailAddress.objects.filter(user=user, verified=True, email__iexact=invitation.email).exists()
    if not verified and user.email.lower() != invitation.email.lower():
        raise OrganisationError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email}
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def revoke_invitation(actor, invitation):
    if not policies.can_manage_members(actor) or invitation.organisation_id != actor.organisation_id:
        raise OrganisationError(_("Only owners and administrators can revoke invitations."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def _ensure_an_owner_remains(membership):
    if membership.role != Membership.Role.OWNER:
        return
    owners = Membership.objects.filter(organisation_id=membership.organisation_id, role=Membership.Role.OWNER)
    if not owners.exclude(pk=membership.pk).exists():
        raise OrganisationError(_("An organisation needs at least one owner. Make someone else owner first."))


def leave(membership):
    """The member leaves the organisation themselves."""
    with transaction.atomic():
        _ensure_an_owner_remains(membership)
        membership.delete()


def remove_member(actor, target):
    if actor.pk == target.pk:
        return leave(target)
    if not policies.can_change_member(actor, target):
        raise OrganisationError(_("You may not remove this member."))
    with transaction.atomic():
        _ensure_an_owner_remains(target)
        target.delete()


def change_role(actor, target, role):
    if role not in Membership.Role.values:
        raise OrganisationError(_("Unknown role."))
    if not policies.can_change_member(actor, target) or not policies.can_grant_role(actor, role):
        raise OrganisationError(_("You may not give this member that role."))
    with transaction.atomic():
        if role != Membership.Role.OWNER:
            _ensure_an_owner_remains(target)
        target.role = role
        target.save(update_fields=["role"])
    return target

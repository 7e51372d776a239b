"""Who may see or do what with organisations and memberships."""

from .models import Membership


def membership_of(user, organisation):
    """The user's membership in `organisation`, or None."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def can_manage_members(membership):
    """Owners and administrators invite, remove and re-role members."""
    return membership is not None and membership.can_manage


def can_change_member(actor, target):
    """`actor` may remove or re-role `target` (both memberships of one organisation).

    Administrators manage members and other administrators but never owners; only an owner may
    touch an owner.
    """
    if actor is None or target is None or actor.organisation_id != target.organisation_id:
        return False
    if not actor.can_manage:
        return False
    if target.role == Membership.Role.OWNER:
        return actor.role == Membership.Role.OWNER
    return True


def can_grant_role(actor, role):
    """Only owners make owners."""
    if actor is None or not actor.can_manage:
        return False
    return role != Membership.Role.OWNER or actor.role == Membership.Role.OWNER

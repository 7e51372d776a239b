"""The rules of organisations: who may invite, remove, re-role, and that an owner always remains."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from account import organisations
from account.models import Invitation, Membership
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    # The rules' messages are matched in English; the UI language is German by default.
    with translation.override("en"):
        yield


def test_creator_becomes_owner(user):
    organisation = organisations.create_organisation(user, kind="association", name="Jodlerclub", postcode="9999")
    assert organisation.memberships.get().role == Membership.Role.OWNER


def test_admin_invites_and_the_invitee_accepts(organisation, make_member, django_capture_on_commit_callbacks):
    admin = make_member(organisation, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = organisations.invite(admin, "New.Member@Example.org", Membership.Role.MEMBER)
    assert invitation.email == "new.member@example.org"
    assert len(mail.outbox) == 1
    assert organisation.name in mail.outbox[0].subject
    assert f"/account/invitations/{invitation.token}/" in mail.outbox[0].body

    invitee = UserFactory(email="new.member@example.org")
    membership = organisations.accept_invitation(invitation, invitee)
    assert membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee
    assert not invitation.is_open


def test_plain_member_cannot_invite(organisation, make_member):
    member = make_member(organisation, "member")
    with pytest.raises(organisations.OrganisationError):
        organisations.invite(member, "x@example.org", Membership.Role.MEMBER)
    assert not Invitation.objects.exists()


def test_admin_cannot_invite_an_owner(organisation, make_member):
    admin = make_member(organisation, "admin")
    with pytest.raises(organisations.OrganisationError):
        organisations.invite(admin, "x@example.org", Membership.Role.OWNER)


def test_inviting_again_replaces_the_open_invitation(organisation, make_member):
    owner = make_member(organisation, "owner")
    first = organisations.invite(owner, "x@example.org", Membership.Role.MEMBER)
    second = organisations.invite(owner, "x@example.org", Membership.Role.ADMIN)
    first.refresh_from_db()
    assert not first.is_open and second.is_open


def test_existing_member_is_not_invited_twice(organisation, make_member):
    owner = make_member(organisation, "owner")
    member = make_member(organisation, "member")
    with pytest.raises(organisations.OrganisationError, match="already a member"):
        organisations.invite(owner, member.user.email.upper(), Membership.Role.MEMBER)


def test_invitation_for_another_address_is_refused(organisation, user):
    invitation = InvitationFactory(organisation=organisation, email="someone.else@example.org")
    with pytest.raises(organisations.OrganisationError, match="someone.else@example.org"):
        organisations.accept_invitation(invitation, user)
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"revoked_at": timezone.now()},
        {"accepted_at": timezone.now()},
    ],
)
def test_expired_revoked_or_used_invitations_are_refused(organisation, user, change):
    invitation = InvitationFactory(organisation=organisation, email=user.email, **change)
    with pytest.raises(organisations.OrganisationError):
        organisations.accept_invitation(invitation, user)
    assert organisations.find_open_invitation(invitation.token) is None


@pytest.mark.parametrize(
    "actor_role, target_role, allowed",
    [
        ("owner", "owner", True),
        ("owner", "admin", True),
        ("owner", "member", True),
        ("admin", "owner", False),
        ("admin", "admin", True),
        ("admin", "member", True),
        ("member", "member", False),
        ("member", "admin", False),
    ],
)
def test_who_may_remove_whom(organisation, make_member, actor_role, target_role, allowed):
    make_member(organisation, "owner")  # a second owner, so removing an owner is not blocked by the last-owner rule
    actor = make_member(organisation, actor_role)
    target = make_member(organisation, target_role)
    if allowed:
        organisations.remove_member(actor, target)
        assert not Membership.objects.filter(pk=target.pk).exists()
    else:
        with pytest.raises(organisations.OrganisationError):
            organisations.remove_member(actor, target)
        assert Membership.objects.filter(pk=target.pk).exists()


def test_last_owner_can_neither_leave_nor_be_demoted(organisation, make_member):
    owner = make_member(organisation, "owner")
    with pytest.raises(organisations.OrganisationError, match="at least one owner"):
        organisations.leave(owner)
    with pytest.raises(organisations.OrganisationError, match="at least one owner"):
        organisations.change_role(owner, owner, Membership.Role.MEMBER)
    assert Membership.objects.get(pk=owner.pk).role == Membership.Role.OWNER


def test_only_owners_make_owners(organisation, make_member):
    make_member(organisation, "owner")
    admin = make_member(organisation, "admin")
    member = make_member(organisation, "member")
    with pytest.raises(organisations.OrganisationError):
        organisations.change_role(admin, member, Membership.Role.OWNER)
    organisations.change_role(admin, member, Membership.Role.ADMIN)
    member.refresh_from_db()
    assert member.role == Membership.Role.ADMIN

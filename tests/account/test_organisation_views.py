"""Organisation pages: what members, managers and outsiders can see and do (role × page × action)."""

import pytest
from django.urls import reverse

from account.models import Invitation, Membership
from tests.factories import InvitationFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "useraccount:organisation_detail", {}),
    ("get", "useraccount:organisation_edit", {}),
    ("get", "useraccount:invite_member", {}),
    ("post", "useraccount:invite_member", {"email": "new@example.org", "role": "member"}),
    ("post", "useraccount:leave_organisation", {}),
]


@pytest.mark.parametrize("method, name, data", PAGES)
def test_a_non_member_gets_404_everywhere(client, organisation, make_member, user, method, name, data):
    make_member(organisation, "owner")
    client.force_login(user)
    response = getattr(client, method)(reverse(name, kwargs={"pk": organisation.pk}), data)
    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "method, name, data",
    [
        ("get", "useraccount:organisation_edit", {}),
        ("get", "useraccount:invite_member", {}),
        ("post", "useraccount:invite_member", {"email": "new@example.org", "role": "member"}),
    ],
)
def test_a_plain_member_cannot_manage(client, organisation, make_member, method, name, data):
    member = make_member(organisation, "member")
    client.force_login(member.user)
    response = getattr(client, method)(reverse(name, kwargs={"pk": organisation.pk}), data)
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_plain_member_sees_members_but_no_management(client, organisation, make_member):
    owner = make_member(organisation, "owner")
    member = make_member(organisation, "member")
    client.force_login(member.user)
    response = client.get(reverse("useraccount:organisation_detail", kwargs={"pk": organisation.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert owner.user.email in html
    assert "Send invitation" not in html and "Einladung senden" not in html
    remove_url = reverse("useraccount:remove_member", kwargs={"pk": organisation.pk, "membership_pk": owner.pk})
    assert remove_url not in html


def test_plain_member_cannot_remove_another_member_by_forged_post(client, organisation, make_member):
    owner = make_member(organisation, "owner")
    member = make_member(organisation, "member")
    client.force_login(member.user)
    url = reverse("useraccount:remove_member", kwargs={"pk": organisation.pk, "membership_pk": owner.pk})
    response = client.post(url, follow=True)
    assert Membership.objects.filter(pk=owner.pk).exists()
    assert response.status_code == 200


def test_membership_of_another_organisation_is_404(client, organisation, make_member):
    owner = make_member(organisation, "owner")
    stranger = make_member(OrganisationFactory(), "member")
    client.force_login(owner.user)
    url = reverse("useraccount:remove_member", kwargs={"pk": organisation.pk, "membership_pk": stranger.pk})
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


def test_owner_invites_through_the_page_and_mail_is_sent(
    client, organisation, make_member, mailoutbox, django_capture_on_commit_callbacks
):
    owner = make_member(organisation, "owner")
    client.force_login(owner.user)
    url = reverse("useraccount:invite_member", kwargs={"pk": organisation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "neu@example.org", "role": "member"}, follow=True)
    assert response.status_code == 200
    assert "neu@example.org" in response.content.decode()
    assert [m.to for m in mailoutbox] == [["neu@example.org"]]


def test_invalid_invitation_form_keeps_the_input(client, organisation, make_member):
    owner = make_member(organisation, "owner")
    client.force_login(owner.user)
    url = reverse("useraccount:invite_member", kwargs={"pk": organisation.pk})
    response = client.post(url, {"email": "not-an-address", "role": "member"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="not-an-address"' in html
    assert "error-summary" in html and 'href="#id_email"' in html
    assert 'aria-invalid="true"' in html


def test_accepting_an_invitation_by_link(client, organisation):
    invitee = UserFactory(email="invitee@example.org")
    invitation = InvitationFactory(organisation=organisation, email="invitee@example.org", role="admin")
    url = reverse("useraccount:invitation", kwargs={"token": invitation.token})

    anonymous = client.get(url)
    assert organisation.name in anonymous.content.decode()
    assert reverse("account_login") in anonymous.content.decode()

    client.force_login(invitee)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert Membership.objects.get(user=invitee, organisation=organisation).role == "admin"
    # The new member now acts for the organisation.
    assert client.session["acting_organisation_id"] == organisation.pk


def test_unknown_invitation_token_is_404(client):
    assert client.get(reverse("useraccount:invitation", kwargs={"token": "nope"})).status_code == 404


def test_create_business_requires_a_valid_uid(client, user):
    client.force_login(user)
    url = reverse("useraccount:organisation_create")
    response = client.post(url, {"kind": "business", "name": "Holz AG", "uid": "", "country": "CH"})
    assert response.status_code == 200
    assert 'value="Holz AG"' in response.content.decode()
    response = client.post(url, {"kind": "business", "name": "Holz AG", "uid": "CHE123456788", "country": "CH"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner" and membership.organisation.uid == "CHE-123.456.788"

"""Switching the acting context: only to my own organisations, visible in the header on every page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_member_switches_to_the_organisation_and_back(client, organisation, make_member):
    member = make_member(organisation, "member")
    client.force_login(member.user)
    response = client.post(
        reverse("useraccount:switch_context"), {"organisation": organisation.pk, "next": "/account/"}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/account/"
    assert f'<option value="{organisation.pk}" selected>' in html
    assert organisation.name in html

    response = client.post(reverse("useraccount:switch_context"), {"organisation": "self"}, follow=True)
    assert '<option value="self" selected>' in response.content.decode()
    assert "acting_organisation_id" not in client.session


def test_non_member_cannot_switch_to_an_organisation(client, organisation, make_member, user):
    make_member(organisation, "owner")
    client.force_login(user)
    response = client.post(reverse("useraccount:switch_context"), {"organisation": organisation.pk})
    assert response.status_code == 404
    assert "acting_organisation_id" not in client.session
    assert client.post(reverse("useraccount:switch_context"), {"organisation": "abc"}).status_code == 404


def test_removed_member_falls_back_to_personal_context(client, organisation, make_member):
    member = make_member(organisation, "member")
    client.force_login(member.user)
    client.post(reverse("useraccount:switch_context"), {"organisation": organisation.pk}, follow=True)
    member.delete()
    response = client.get(reverse("useraccount:dashboard"))
    assert organisation.name not in response.content.decode()
    assert "acting_organisation_id" not in client.session


def test_switch_ignores_a_foreign_next_url(client, organisation, make_member):
    member = make_member(organisation, "member")
    client.force_login(member.user)
    response = client.post(
        reverse("useraccount:switch_context"), {"organisation": organisation.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("useraccount:dashboard")


def test_switch_needs_post_and_login(client):
    assert client.get(reverse("useraccount:switch_context")).status_code in (302, 405)
    response = client.post(reverse("useraccount:switch_context"), {"organisation": "self"})
    assert response.status_code == 302 and reverse("account_login") in response.url

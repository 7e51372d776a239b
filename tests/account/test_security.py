"""Session and back-office protections: idle timeout, 2FA for staff, security headers."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from account.middleware import LAST_SEEN_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_without_2fa_are_sent_to_set_it_up(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url == reverse("mfa_index")


def test_staff_with_2fa_reach_the_back_office(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    clerk = UserFactory(is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=clerk, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(clerk)
    assert client.get("/admin/").status_code == 200


def test_idle_session_is_ended(client, user, settings):
    client.force_login(user)
    assert client.get(reverse("useraccount:dashboard")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("useraccount:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("account_login"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"

"""Login, signup and verification behaviour as a visitor experiences it."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from account.models import AssuranceLevel, User

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password_opens_the_dashboard(client, user, password):
    response = client.post(reverse("account_login"), {"login": user.email.upper(), "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("useraccount:dashboard")
    assert user.email in response.content.decode()


def test_wrong_password_keeps_the_email_and_says_so(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{user.email}"' in html
    assert "error-summary" in html


def test_five_wrong_passwords_are_rate_limited_with_a_clear_message(client, user, password):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    html = response.content.decode()
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session  # even the right password is refused now
    assert re.search(r"(Too many failed login attempts|Zu viele gescheiterte Anmeldeversuche)", html)


def test_signup_requires_email_verification(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nora",
            "last_name": "Neu",
            "email": "nora@example.org",
            "password1": "a-very-good-password-7",
            "password2": "a-very-good-password-7",
        },
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(email="nora@example.org")
    assert (user.first_name, user.last_name) == ("Nora", "Neu")
    assert "_auth_user_id" not in client.session
    assert len(mailoutbox) == 1
    assert "Gemeindeportal" in mailoutbox[0].body  # signed with the portal's name, not the bare host
    link = re.search(r"https?://\S+/auth/confirm-email/\S+/", mailoutbox[0].body).group(0)

    client.post(link.split("testserver", 1)[1])
    user.refresh_from_db()
    assert EmailAddress.objects.get(user=user).verified
    assert user.assurance_level == AssuranceLevel.EMAIL


def test_unverified_user_cannot_log_in(client):
    User.objects.create_user(email="unverified@example.org", password="a-very-good-password-7")
    EmailAddress.objects.create(email="unverified@example.org", user=User.objects.get(), verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": "unverified@example.org", "password": "a-very-good-password-7"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and "confirm-email" in response.url


def test_account_pages_need_login(client):
    for name in ("useraccount:dashboard", "useraccount:profile", "useraccount:organisations"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_django_admin_login_goes_through_allauth(client):
    response = client.get("/django-admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_wagtail_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/auth/login/")

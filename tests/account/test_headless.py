"""Headless login for the municipality's native apps: allauth's app client under /_allauth/app/v1/ with session
tokens. An app sends JSON without cookies or CSRF tokens and carries the session in the X-Session-Token header."""

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.usersessions.models import UserSession
from django.test import Client as HttpClient
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/_allauth/app/v1"


@pytest.fixture
def app():
    """A native app: no cookies kept between calls, and CSRF enforced as for any non-browser client."""
    return HttpClient(enforce_csrf_checks=True)


def call(app, method, path, token=None, **data):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    body = {"data": data, "content_type": "application/json"} if data else {}
    response = getattr(app, method)(f"{BASE}{path}", **body, **headers)
    app.cookies.clear()  # an app keeps the session token, not cookies
    return response


def log_in(app, email, password):
    return call(app, "post", "/auth/login", email=email, password=password)


def test_login_with_email_and_password_returns_a_session_token(app, user, password):
    response = log_in(app, user.email.upper(), password)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meta"]["is_authenticated"] is True
    assert body["meta"]["session_token"]
    assert body["data"]["user"]["email"] == user.email
    assert body["data"]["user"]["id"] == user.pk


def test_the_session_token_opens_the_session_and_logout_ends_it(app, user, password):
    token = log_in(app, user.email, password).json()["meta"]["session_token"]

    session = call(app, "get", "/auth/session", token=token)
    assert session.status_code == 200
    assert session.json()["data"]["user"]["email"] == user.email
    assert call(app, "get", "/auth/session").status_code == 401  # without the header: nobody

    logout = call(app, "delete", "/auth/session", token=token)
    assert logout.status_code == 401
    assert logout.json()["meta"]["is_authenticated"] is False
    assert call(app, "get", "/auth/session", token=token).status_code == 410  # the token is gone for good


def test_the_apps_session_is_listed_in_the_account_and_can_be_ended_there(app, user, password):
    token = log_in(app, user.email, password).json()["meta"]["session_token"]
    web = HttpClient()
    web.force_login(user)
    sessions = web.get(reverse("usersessions_list"))
    assert sessions.status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2  # the browser and the app

    web.post(reverse("usersessions_list"))  # "Sign out other sessions"
    assert call(app, "get", "/auth/session", token=token).status_code == 410


def test_a_wrong_password_is_a_400_problem_naming_the_field(app, user):
    response = log_in(app, user.email, "wrong-password")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert [error["param"] for error in body["errors"]] == ["password"]
    assert "session_token" not in body.get("meta", {})


def test_repeated_wrong_passwords_are_rate_limited(app, user, password):
    for _ in range(5):
        log_in(app, user.email, "wrong-password")
    response = log_in(app, user.email, password)
    assert response.status_code in (400, 429)
    assert "session_token" not in response.json().get("meta", {})


def test_an_unverified_address_must_be_confirmed_first(app, password):
    person = UserFactory(verified=False)
    response = log_in(app, person.email, password)
    assert response.status_code == 401
    body = response.json()
    assert body["meta"]["is_authenticated"] is False
    assert [flow["id"] for flow in body["data"]["flows"] if flow.get("is_pending")] == ["verify_email"]


def test_a_person_with_two_factor_authentication_gives_the_code_next(app, user, password):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    first = log_in(app, user.email, password)
    assert first.status_code == 401
    assert [flow["id"] for flow in first.json()["data"]["flows"] if flow.get("is_pending")] == ["mfa_authenticate"]
    token = first.json()["meta"]["session_token"]

    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    second = call(app, "post", "/auth/2fa/authenticate", token=token, code=code)
    assert second.status_code == 200, second.content
    assert second.json()["meta"]["is_authenticated"] is True
    assert call(app, "get", "/auth/session", token=second.json()["meta"]["session_token"]).status_code == 200


def test_only_the_app_client_is_offered():
    assert HttpClient().get(f"{BASE}/config").status_code == 200
    assert HttpClient().get("/_allauth/browser/v1/config", follow=True).status_code == 404

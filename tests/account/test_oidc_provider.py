"""The portal as OpenID Connect provider: what an app sees (discovery, keys, tokens, claims) and what a person sees
(consent, logout), plus the back office of login clients, the token clean-up and the signing key settings."""

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from allauth.idp.oidc.models import Client, Token
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.utils import timezone
from django_q.models import Schedule
from wagtail.models import Site

from account.csp import source_of
from account.models import AssuranceLevel, Membership
from account.oidc_provider import cleanup_tokens, redirect_uri_problem
from config.settings import oidc_keys
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

REDIRECT_URI = "https://app.musterwil.example/callback"
LOGOUT_URI = "https://app.musterwil.example/logged-out"
SECRET = "app-secret-for-tests"
AUTHORIZE = "/identity/o/authorize"
TOKEN = "/identity/o/api/token"
USERINFO = "/identity/o/api/userinfo"
LOGOUT = "/identity/o/logout"


def make_client(**fields):
    client = Client(
        name=fields.pop("name", "Musterwil App"),
        type=fields.pop("type", Client.Type.CONFIDENTIAL),
        skip_consent=fields.pop("skip_consent", False),
    )
    client.set_scopes(fields.pop("scopes", ["openid", "profile", "email", "portal"]))
    client.set_redirect_uris(fields.pop("redirect_uris", [REDIRECT_URI]))
    client.set_post_logout_redirect_uris(fields.pop("post_logout_redirect_uris", [LOGOUT_URI]))
    client.set_secret(SECRET)
    client.save()
    return client


@pytest.fixture
def app_client(db):
    return make_client()


@pytest.fixture
def person(db):
    person = UserFactory(language="en", first_name="Erika", last_name="Muster")
    person.raise_assurance(AssuranceLevel.ADDRESS)
    return person


@pytest.fixture
def web(person):
    """The person's browser, logged in to the portal; CSRF checked as a real web would be."""
    web = HttpClient(enforce_csrf_checks=True)
    web.force_login(person)
    return web


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client, challenge, scope="openid profile email portal", state="state-123", **extra):
    params = {
        "client_id": client.pk,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{AUTHORIZE}?{urlencode(params)}"


def csrf_token(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def signed_request(response):
    return re.search(r'name="request" value="([^"]+)"', response.content.decode()).group(1)


def consent(web, response, scopes, action="grant"):
    """Submit the consent form as shown, ticking exactly `scopes` (openid is part of the form, always)."""
    data = {
        "csrfmiddlewaretoken": csrf_token(response),
        "request": signed_request(response),
        "scopes": ["openid", *scopes],
        "action": action,
    }
    return web.post(AUTHORIZE, data)


def query(response):
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    return location, {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def exchange(code, verifier, client_id=None, secret=SECRET):
    """The app's server calls the token endpoint: no cookies, no CSRF token, HTTP Basic client authentication."""
    app_server = HttpClient(enforce_csrf_checks=True)
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return app_server.post(
        TOKEN,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )


def public_key():
    return jwt.algorithms.RSAAlgorithm.from_jwk(
        json.dumps(HttpClient().get("/.well-known/jwks.json").json()["keys"][0])
    )


def log_in_to_app(web, client, scopes=("profile", "email", "portal")):
    verifier, challenge = pkce_pair()
    page = web.get(authorize_url(client, challenge))
    _location, params = query(consent(web, page, list(scopes)))
    response = exchange(params["code"], verifier, client_id=client.pk)
    assert response.status_code == 200, response.content
    return response.json()


# --- what an app reads before it starts ------------------------------------------------------------------------


def test_discovery_document_names_every_endpoint_and_the_portal_scope():
    response = HttpClient().get("/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == "http://testserver"
    assert document["authorization_endpoint"] == "http://testserver/identity/o/authorize"
    assert document["token_endpoint"] == "http://testserver/identity/o/api/token"
    assert document["userinfo_endpoint"] == "http://testserver/identity/o/api/userinfo"
    assert document["end_session_endpoint"] == "http://testserver/identity/o/logout"
    assert document["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["scopes_supported"] == ["openid", "profile", "email", "portal"]
    assert {"assurance_level", "assurance_level_label", "organisations"} <= set(document["claims_supported"])
    # The same address in every language: apps keep it in their configuration.
    assert HttpClient().get("/en/.well-known/openid-configuration").status_code == 404


def test_jwks_publishes_the_public_half_of_the_configured_key():
    response = HttpClient().get("/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and key["kid"]
    assert "d" not in key  # never the private part
    configured = oidc_keys.serialization.load_pem_private_key(settings.IDP_OIDC_PRIVATE_KEY.encode(), None)
    assert jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key)).public_numbers() == (
        configured.public_key().public_numbers()
    )


# --- what a person sees ------------------------------------------------------------------------------------------


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page_first(app_client):
    _verifier, challenge = pkce_pair()
    url = authorize_url(app_client, challenge)
    response = HttpClient().get(url)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/auth/login/?next=")
    assert parse_qs(urlsplit(location).query)["next"] == [url]


def test_consent_page_in_the_portal_layout_and_the_persons_language(web, app_client):
    _verifier, challenge = pkce_pair()
    response = web.get(authorize_url(app_client, challenge))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert 'class="skip-link"' in html and "<footer" in html  # the site's layout around it
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "<h1>Log in to Musterwil App</h1>" in html
    assert "Musterwil App</strong> would like to use your account" in html
    assert "Musterwil App may:" in html
    for label in (
        "Recognise you when you log in again (your account number)",
        "Your name and language",
        "Your e-mail address",
        "How well your identity is verified, and the organisations you may act for",
    ):
        assert label in html
    # The login itself is not a choice; the others are check boxes, ticked as asked.
    assert '<input type="hidden" name="scopes" value="openid">' in html
    assert (
        len(re.findall(r'<input type="checkbox" name="scopes" value="(profile|email|portal)"[^>]*checked', html)) == 3
    )
    assert 'name="action" value="grant"' in html and 'name="action" value="cancel"' in html


def test_a_german_speaking_person_gets_the_consent_page_in_german(app_client):
    person = UserFactory(language="de")
    web = HttpClient()
    web.force_login(person)
    _verifier, challenge = pkce_pair()
    html = web.get(authorize_url(app_client, challenge)).content.decode()
    assert '<html lang="de">' in html


def test_refusing_consent_returns_access_denied_and_issues_nothing(web, app_client):
    _verifier, challenge = pkce_pair()
    page = web.get(authorize_url(app_client, challenge))
    location, params = query(consent(web, page, ["profile", "email", "portal"], action="cancel"))
    assert location.startswith(REDIRECT_URI)
    assert params == {"error": "access_denied", "state": "state-123"}
    assert not Token.objects.exists()


def test_consent_cannot_be_given_by_another_site_without_the_csrf_token(web, app_client):
    _verifier, challenge = pkce_pair()
    page = web.get(authorize_url(app_client, challenge))
    response = web.post(AUTHORIZE, {"request": signed_request(page), "scopes": ["openid"], "action": "grant"})
    assert response.status_code == 403
    assert not Token.objects.exists()


# --- the code flow with PKCE -------------------------------------------------------------------------------------


def test_code_flow_with_pkce_gives_signed_id_token_and_userinfo(web, person, app_client):
    organisation = OrganisationFactory(name="Turnverein Musterwil")
    MembershipFactory(user=person, organisation=organisation, role=Membership.Role.OWNER)
    verifier, challenge = pkce_pair()
    page = web.get(authorize_url(app_client, challenge))
    location, params = query(consent(web, page, ["profile", "email", "portal"]))
    assert location.startswith(REDIRECT_URI + "?")
    assert params["state"] == "state-123" and params["code"]

    response = exchange(params["code"], verifier, client_id=app_client.pk)
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer"
    assert set(tokens["scope"].split()) == {"openid", "profile", "email", "portal"}

    claims = jwt.decode(tokens["id_token"], public_key(), algorithms=["RS256"], audience=app_client.pk)
    assert claims["iss"] == "http://testserver"
    assert claims["sub"] == str(person.pk)
    assert claims["nonce"] == "nonce-456"
    assert claims["email"] == person.email and claims["email_verified"] is True
    assert (claims["name"], claims["given_name"], claims["family_name"]) == ("Erika Muster", "Erika", "Muster")
    assert claims["locale"] == "en"
    assert claims["assurance_level"] == 20
    assert claims["assurance_level_label"] == "Postal address verified"
    assert claims["organisations"] == [{"id": organisation.pk, "name": "Turnverein Musterwil", "role": "owner"}]

    userinfo = HttpClient().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 200
    assert {key: userinfo.json()[key] for key in ("sub", "email", "assurance_level", "organisations")} == {
        "sub": str(person.pk),
        "email": person.email,
        "assurance_level": 20,
        "organisations": [{"id": organisation.pk, "name": "Turnverein Musterwil", "role": "owner"}],
    }


def test_a_code_is_worth_nothing_without_the_right_verifier_and_only_once(web, app_client):
    verifier, challenge = pkce_pair()
    page = web.get(authorize_url(app_client, challenge))
    _location, params = query(consent(web, page, ["email"]))

    wrong = exchange(params["code"], pkce_pair()[0], client_id=app_client.pk)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert exchange(params["code"], verifier, client_id=app_client.pk).status_code == 200
    again = exchange(params["code"], verifier, client_id=app_client.pk)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(web, app_client):
    verifier, challenge = pkce_pair()
    page = web.get(authorize_url(app_client, challenge))
    _location, params = query(consent(web, page, ["email"]))
    response = exchange(params["code"], verifier, client_id=app_client.pk, secret="guessed")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_public_client_must_use_pkce(web):
    public = make_client(type=Client.Type.PUBLIC)
    params = {"client_id": public.pk, "response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "openid"}
    response = web.get(f"{AUTHORIZE}?{urlencode(params)}")
    location, answer = query(response)
    assert location.startswith(REDIRECT_URI)
    assert answer["error"] == "invalid_request"
    assert answer["error_description"] == "Code challenge required."


def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(web, app_client):
    _verifier, challenge = pkce_pair()
    url = authorize_url(app_client, challenge).replace("app.musterwil.example", "evil.example")
    response = web.get(url)
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "The app&#x27;s request cannot be completed" in html or "The app's request cannot be completed" in html
    assert "evil.example" not in response.get("Location", "")


def test_a_scope_the_client_may_not_ask_for_is_refused(web):
    limited = make_client(scopes=["openid", "email"])
    _verifier, challenge = pkce_pair()
    _location, params = query(web.get(authorize_url(limited, challenge, scope="openid email portal")))
    assert params["error"] == "invalid_scope"


def test_the_municipalitys_own_app_may_skip_the_consent_page(web, person):
    own_app = make_client(skip_consent=True, name="Musterwil App (eigene)")
    verifier, challenge = pkce_pair()
    _location, params = query(web.get(authorize_url(own_app, challenge, scope="openid email")))
    response = exchange(params["code"], verifier, client_id=own_app.pk)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["id_token"], public_key(), algorithms=["RS256"], audience=own_app.pk)
    assert claims["email"] == person.email


# --- claims per scope --------------------------------------------------------------------------------------------


def test_portal_claims_only_when_the_person_ticked_the_portal_scope(web, person, app_client):
    MembershipFactory(user=person, role=Membership.Role.MEMBER)
    tokens = log_in_to_app(web, app_client, scopes=("profile", "email"))
    claims = jwt.decode(tokens["id_token"], public_key(), algorithms=["RS256"], audience=app_client.pk)
    assert "portal" not in tokens["scope"].split()
    assert not {"assurance_level", "assurance_level_label", "organisations"} & set(claims)
    userinfo = HttpClient().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert not {"assurance_level", "assurance_level_label", "organisations"} & set(userinfo)
    assert userinfo["email"] == person.email


def test_only_the_scopes_ticked_give_claims(web, person, app_client):
    tokens = log_in_to_app(web, app_client, scopes=())
    claims = jwt.decode(tokens["id_token"], public_key(), algorithms=["RS256"], audience=app_client.pk)
    assert claims["sub"] == str(person.pk)
    assert not {"email", "name", "given_name", "family_name", "locale", "assurance_level"} & set(claims)


def test_organisations_are_only_the_persons_own_memberships(web, person, app_client):
    association = OrganisationFactory(name="Turnverein Musterwil")
    business = OrganisationFactory(name="Muster Bau AG", kind="business")
    stranger_org = OrganisationFactory(name="Fremde GmbH", kind="business")
    MembershipFactory(user=person, organisation=association, role=Membership.Role.MEMBER)
    MembershipFactory(user=person, organisation=business, role=Membership.Role.ADMIN)
    # Other people in the same organisation, and an organisation the person has nothing to do with.
    fellow = MembershipFactory(organisation=association, role=Membership.Role.OWNER)
    MembershipFactory(organisation=stranger_org, role=Membership.Role.OWNER)

    tokens = log_in_to_app(web, app_client)
    userinfo = HttpClient().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert userinfo["organisations"] == [
        {"id": business.pk, "name": "Muster Bau AG", "role": "admin"},
        {"id": association.pk, "name": "Turnverein Musterwil", "role": "member"},
    ]
    text = json.dumps(userinfo)
    assert fellow.user.email not in text and "Fremde GmbH" not in text


def test_assurance_label_speaks_the_persons_language(app_client):
    person = UserFactory(language="de")
    person.raise_assurance(AssuranceLevel.EMAIL)
    web = HttpClient()
    web.force_login(person)
    tokens = log_in_to_app(web, app_client)
    userinfo = HttpClient().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert userinfo["assurance_level"] == 10
    assert userinfo["assurance_level_label"] == "E-Mail-Adresse bestätigt"


# --- JSON endpoints and the portal's middleware ------------------------------------------------------------------


def test_staff_mfa_rule_and_csrf_leave_the_app_endpoints_alone(settings, app_client):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    clerk = UserFactory(is_staff=True, language="en")
    web = HttpClient(enforce_csrf_checks=True)
    web.force_login(clerk)
    tokens = log_in_to_app(web, app_client)  # staff without MFA: the back office is closed, app logins are not
    assert tokens["access_token"]
    response = HttpClient(enforce_csrf_checks=True).post(
        USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


def test_userinfo_without_a_valid_token_is_refused():
    response = HttpClient().get(USERINFO, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code in (400, 401, 403)


def form_action(response):
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        if name == "form-action":
            return values
    raise AssertionError("no form-action")


def test_forms_may_lead_back_to_registered_apps_and_nowhere_else(web, app_client):
    # Browsers check form-action on the redirect after "Allow" too: the app's address must be in it.
    _verifier, challenge = pkce_pair()
    assert form_action(web.get(authorize_url(app_client, challenge))) == ["'self'", "https://app.musterwil.example"]

    native = make_client(redirect_uris=["ch.musterwil.app:/callback"], post_logout_redirect_uris=[])
    assert form_action(web.get("/en/account/")) == ["'self'", "ch.musterwil.app:", "https://app.musterwil.example"]
    native.delete()
    app_client.delete()
    assert form_action(web.get("/en/account/")) == ["'self'"]


def test_forms_may_lead_to_the_configured_e_id_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{"provider_id": "swissid", "settings": {"server_url": "https://login.swissid.ch"}}]}
    }
    assert form_action(client.get("/en/auth/login/")) == ["'self'", "https://login.swissid.ch"]


@pytest.mark.parametrize(
    ("uri", "source"),
    [
        ("https://app.musterwil.ch/callback?x=1", "https://app.musterwil.ch"),
        ("http://localhost:8001/cb", "http://localhost:8001"),
        ("http://[::1]:8001/cb", "http://[::1]:8001"),
        ("ch.musterwil.app:/callback", "ch.musterwil.app:"),
        ("https://bad host;script-src/", None),
        ("not a uri", None),
    ],
)
def test_csp_source_of_an_address(uri, source):
    assert source_of(uri) == source


# --- logout --------------------------------------------------------------------------------------------------------


def test_rp_initiated_logout_with_the_persons_id_token_logs_out_without_asking(web, app_client):
    tokens = log_in_to_app(web, app_client)
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_URI, "state": "bye"}
    location, answer = query(web.get(f"{LOGOUT}?{urlencode(params)}"))
    assert location.startswith(LOGOUT_URI)
    assert answer == {"state": "bye"}
    assert "_auth_user_id" not in web.session


def test_rp_initiated_logout_without_a_hint_asks_and_may_stay(web, app_client):
    params = {"client_id": app_client.pk, "post_logout_redirect_uri": LOGOUT_URI}
    page = web.get(f"{LOGOUT}?{urlencode(params)}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Log out</h1>" in html
    assert "You have logged out of Musterwil App. Do you also want to log out of" in html

    token = csrf_token(page)
    location, _answer = query(web.post(LOGOUT, {**params, "csrfmiddlewaretoken": token, "action": "stay"}))
    assert location == LOGOUT_URI
    assert "_auth_user_id" in web.session

    page = web.get(f"{LOGOUT}?{urlencode(params)}")
    location, _answer = query(web.post(LOGOUT, {**params, "csrfmiddlewaretoken": csrf_token(page), "action": "logout"}))
    assert location == LOGOUT_URI
    assert "_auth_user_id" not in web.session


def test_logout_never_sends_people_to_an_unregistered_address(web, app_client):
    params = {"client_id": app_client.pk, "post_logout_redirect_uri": "https://evil.example/"}
    response = web.get(f"{LOGOUT}?{urlencode(params)}")
    assert "evil.example" not in response.get("Location", "")


# --- token clean-up ----------------------------------------------------------------------------------------------


def test_cleanup_deletes_expired_tokens_and_codes_and_keeps_the_rest(person, app_client):
    now = timezone.now()

    def token(kind, expires_at):
        return Token.objects.create(
            type=kind, hash=secrets.token_hex(16), client=app_client, user=person, expires_at=expires_at
        )

    expired = [
        token(Token.Type.AUTHORIZATION_CODE, now - timedelta(seconds=1)),
        token(Token.Type.ACCESS_TOKEN, now - timedelta(hours=1)),
        token(Token.Type.REFRESH_TOKEN, now - timedelta(days=1)),
    ]
    kept = [
        token(Token.Type.ACCESS_TOKEN, now + timedelta(hours=1)),
        token(Token.Type.REFRESH_TOKEN, now + timedelta(days=29)),
    ]
    message = cleanup_tokens()
    assert message == "3 expired token(s) deleted."
    assert set(Token.objects.values_list("pk", flat=True)) == {t.pk for t in kept}
    assert not Token.objects.filter(pk__in=[t.pk for t in expired]).exists()
    assert cleanup_tokens() == "0 expired token(s) deleted."


def test_cleanup_runs_daily_through_django_q():
    schedule = Schedule.objects.get(func="account.oidc_provider.cleanup_tokens")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


def test_refresh_tokens_expire_so_that_the_cleanup_can_remove_them(web, person):
    app = make_client()
    app.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    app.save()
    tokens = log_in_to_app(web, app)
    assert tokens["refresh_token"]
    refresh = Token.objects.get(type=Token.Type.REFRESH_TOKEN, user=person)
    assert refresh.expires_at is not None
    assert refresh.expires_at - timezone.now() > timedelta(days=29)


# --- redirect addresses a client may register ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        ("https://app.musterwil.ch/callback", True),
        ("http://localhost:8001/auth/callback", True),
        ("http://127.0.0.1:5000/cb", True),
        ("ch.musterwil.app:/oauth2redirect", True),
        ("http://app.musterwil.ch/callback", False),
        ("https://app.musterwil.ch/callback#fragment", False),
        ("https://*.musterwil.ch/callback", False),
        ("javascript:alert(1)", False),
        ("/relative/callback", False),
        ("https:///no-host", False),
    ],
)
def test_redirect_uri_rules(uri, accepted):
    assert (redirect_uri_problem(uri) is None) is accepted


# --- back office: login clients ----------------------------------------------------------------------------------


def _admin(permissions=("add_client", "change_client", "view_client", "delete_client")):
    clerk = UserFactory(is_staff=True, language="en")
    clerk.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        *Permission.objects.filter(content_type__app_label="allauth_idp_oidc", codename__in=permissions),
    )
    from wagtail.users.models import UserProfile

    UserProfile.get_for_user(clerk).__class__.objects.filter(user=clerk).update(preferred_language="en")
    web = HttpClient()
    web.force_login(clerk)
    return web


INDEX = "/admin/allauth_idp_oidc/client/"


def test_staff_with_client_permissions_register_an_app_and_see_the_secret_once():
    Site.objects.update(hostname="testserver")
    web = _admin()
    assert "Login clients" in web.get("/admin/").content.decode()
    form = web.get(INDEX + "create/")
    assert form.status_code == 200
    response = web.post(
        INDEX + "create/",
        {
            "name": "Abfall-App",
            "type": "confidential",
            "redirect_uris": "https://abfall.musterwil.ch/callback\n\nhttp://localhost:3000/callback",
            "post_logout_redirect_uris": "https://abfall.musterwil.ch/",
            "scopes": ["openid", "email", "portal"],
            "refresh_tokens": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:3000]
    assert "no-store" in response["Cache-Control"]
    client = Client.objects.get(name="Abfall-App")
    secret = unescape(re.search(r'<code id="client-secret">([^<]+)</code>', html).group(1))
    assert f'<code id="client-id">{client.pk}</code>' in html
    assert "Copy the secret now. It is not stored and cannot be shown again." in html
    assert client.check_secret(secret) and secret not in client.secret  # stored as a hash only
    assert client.get_redirect_uris() == ["https://abfall.musterwil.ch/callback", "http://localhost:3000/callback"]
    assert client.get_post_logout_redirect_uris() == ["https://abfall.musterwil.ch/"]
    assert client.get_scopes() == ["openid", "email", "portal"]
    assert client.get_grant_types() == ["authorization_code", "refresh_token"]
    assert client.skip_consent is False

    listing = web.get(INDEX).content.decode()
    assert "Abfall-App" in listing and client.pk in listing and secret not in listing
    edit = web.get(f"{INDEX}edit/{client.pk}/").content.decode()
    assert f'<code id="client-id">{client.pk}</code>' in edit
    assert secret not in edit and client.secret not in edit


def test_a_new_secret_replaces_the_old_one():
    web = _admin()
    client = make_client()
    confirm = web.get(f"/admin/login-clients/{client.pk}/new-secret/")
    assert "Replace the secret of Musterwil App?" in confirm.content.decode()
    html = web.post(f"/admin/login-clients/{client.pk}/new-secret/").content.decode()
    secret = unescape(re.search(r'<code id="client-secret">([^<]+)</code>', html).group(1))
    client.refresh_from_db()
    assert client.check_secret(secret) and not client.check_secret(SECRET)


def test_the_client_form_refuses_unsafe_addresses_and_a_login_without_openid():
    web = _admin()
    response = web.post(
        INDEX + "create/",
        {"name": "Unsicher", "type": "public", "redirect_uris": "http://app.example/cb", "scopes": ["email"]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "use https (plain http only for localhost or 127.0.0.1)" in html
    assert "cannot be left out" in html
    assert not Client.objects.filter(name="Unsicher").exists()


def test_login_clients_are_closed_to_staff_without_the_permissions():
    web = _admin(permissions=())
    assert "Login clients" not in web.get("/admin/").content.decode()
    assert web.get(INDEX).status_code in (302, 403)
    client = make_client()
    assert web.post(f"/admin/login-clients/{client.pk}/new-secret/").status_code in (302, 403)
    client.refresh_from_db()
    assert client.check_secret(SECRET)


# --- the signing key -------------------------------------------------------------------------------------------------


def test_key_from_the_environment_as_text_with_escaped_newlines_or_as_a_file(tmp_path):
    pem = oidc_keys.generate_private_key_pem()
    assert oidc_keys.private_key_from_environ({}) == ""
    assert oidc_keys.private_key_from_environ({"PORTAL_OIDC_PRIVATE_KEY": pem}).strip() == pem.strip()
    escaped = pem.strip().replace("\n", "\\n")
    assert oidc_keys.private_key_from_environ({"PORTAL_OIDC_PRIVATE_KEY": escaped}).strip() == pem.strip()
    path = tmp_path / "key.pem"
    path.write_text(pem)
    assert oidc_keys.private_key_from_environ({"PORTAL_OIDC_PRIVATE_KEY_FILE": str(path)}) == pem

    with pytest.raises(oidc_keys.OIDCKeyError, match="PORTAL_OIDC_PRIVATE_KEY does not hold"):
        oidc_keys.private_key_from_environ({"PORTAL_OIDC_PRIVATE_KEY": "not a key"})
    with pytest.raises(oidc_keys.OIDCKeyError, match="cannot be read"):
        oidc_keys.private_key_from_environ({"PORTAL_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem")})


def test_the_dev_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "oidc-dev-key.pem"
    first = oidc_keys.dev_key_file(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oidc_keys.dev_key_file(path) == first
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def _production_check(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_OIDC_")}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environment.update(
        {
            "SECRET_KEY": "x" * 60 + "-not-a-real-secret",
            "ALLOWED_HOSTS": "portal.example",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **env,
        }
    )
    return subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_signing_key():
    result = _production_check()
    assert result.returncode != 0
    assert "PORTAL_OIDC_PRIVATE_KEY (an RSA private key in PEM) or PORTAL_OIDC_PRIVATE_KEY_FILE" in result.stderr


def test_production_starts_with_a_signing_key_from_a_file(tmp_path):
    path = tmp_path / "oidc.pem"
    path.write_text(oidc_keys.generate_private_key_pem())
    result = _production_check(PORTAL_OIDC_PRIVATE_KEY_FILE=str(path))
    assert result.returncode == 0, result.stdout + result.stderr

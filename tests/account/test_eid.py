"""Login with an e-ID (SwissID, AGOV, a partner IdP) as a person meets it, and how its acr raises the assurance level.

The identity provider is a fake answering allauth's HTTP requests in-process (discovery document, JWKS, token and
userinfo endpoints), with ID tokens signed by a key made for this module; the browser side is the Django client.
"""

import base64
import hashlib
import json
import re
import time
from datetime import date
from types import SimpleNamespace
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from django.utils import translation

from account.eid import assurance_from_claims, raise_assurance_from_login
from account.models import AssuranceLevel, Notification, User
from config.settings.eid import (
    DEFAULT_ACR_LEVELS,
    DEFAULT_SCOPE,
    SWISSID_DEFAULT_CLAIMS,
    EidConfigurationError,
    eid_acr_levels,
    eid_apps,
)
from home.demo_content import ensure_demo_site
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.test"
QOA = "urn:qoa.eiam.admin.ch:names:tc:ac:classes:"
ENV = {
    "PORTAL_SWISSID_CLIENT_ID": "musterwil-swissid",
    "PORTAL_SWISSID_SECRET": "swissid-secret",
    "PORTAL_SWISSID_SERVER_URL": ISSUER,
    "PORTAL_AGOV_CLIENT_ID": "musterwil-agov",
    "PORTAL_AGOV_SECRET": "agov-secret",
    "PORTAL_AGOV_SERVER_URL": ISSUER,
    "PORTAL_AGOV_ACR_VALUES": f"{QOA}20",
}
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def en(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def soup_of(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def text_of(response):
    return " ".join(soup_of(response).get_text(" ").split())


def _json_response(data, status=200):
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(data).encode()
    response.headers["Content-Type"] = "application/json"
    return response


class FakeIdP:
    """An OpenID provider for allauth's server-side requests; `login_as()` sets who logs in there next."""

    def __init__(self):
        self.claims = {}
        self.userinfo_only = {}
        self.authorize_params = {}
        self.token_requests = []

    def login_as(self, **claims):
        self.claims = {"sub": "person-1", **claims}

    def request(self, session, method, url, **kwargs):
        path = url[len(ISSUER) :] if url.startswith(ISSUER) else None
        if method == "GET" and path == "/.well-known/openid-configuration":
            return _json_response(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "userinfo_endpoint": f"{ISSUER}/userinfo",
                    "jwks_uri": f"{ISSUER}/jwks",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                }
            )
        if method == "GET" and path == "/jwks":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
            return _json_response({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
        if method == "POST" and path == "/token":
            data = dict(kwargs.get("data") or {})
            self.token_requests.append(data)
            now = int(time.time())
            id_token = jwt.encode(
                {"iss": ISSUER, "aud": data["client_id"], "iat": now, "exp": now + 300, **self.claims},
                SIGNING_KEY,
                algorithm="RS256",
                headers={"kid": "k1"},
            )
            return _json_response({"access_token": "access-1", "token_type": "Bearer", "id_token": id_token})
        if method == "GET" and path == "/userinfo":
            userinfo = {key: value for key, value in self.claims.items() if key != "acr"}
            return _json_response({**userinfo, **self.userinfo_only})
        return _json_response({"error": "not_found"}, status=404)


@pytest.fixture
def idp(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": eid_apps(ENV)}}
    fake = FakeIdP()
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=fake.request):
        yield fake


def eid_login(client, idp, provider="agov", process="login", next_url=""):
    """Press the e-ID button (as on the English pages), log in at the IdP, come back to the portal."""
    query = {"process": process, **({"next": next_url} if next_url else {})}
    response = client.post(en("openid_connect_login", provider_id=provider) + "?" + urlencode(query))
    assert response.status_code == 302 and response.url.startswith(f"{ISSUER}/authorize?"), response
    idp.authorize_params = {key: values[0] for key, values in parse_qs(urlparse(response.url).query).items()}
    callback = urlparse(idp.authorize_params["redirect_uri"]).path
    return client.get(callback, {"code": "code-from-idp", "state": idp.authorize_params["state"]})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- configuration from the environment -------------------------------------------------------------------------


def test_no_provider_is_configured_without_client_id_and_server_url():
    assert eid_apps({}) == []
    assert eid_apps({"PORTAL_SWISSID_CLIENT_ID": "only-an-id", "PORTAL_AGOV_SERVER_URL": ISSUER}) == []


def test_swissid_alone_becomes_one_openid_connect_app_with_pkce():
    apps = eid_apps(
        {
            "PORTAL_SWISSID_CLIENT_ID": "musterwil",
            "PORTAL_SWISSID_SECRET": "s3cret",
            "PORTAL_SWISSID_SERVER_URL": "https://login.sandbox.swissid.ch/idp/oauth2/",
            "PORTAL_SWISSID_ACR_VALUES": " qoa1 ",
        }
    )

    assert len(apps) == 1
    app = apps[0]
    assert (app["provider_id"], app["name"], app["client_id"], app["secret"]) == (
        "swissid",
        "SwissID",
        "musterwil",
        "s3cret",
    )
    assert app["settings"]["server_url"] == "https://login.sandbox.swissid.ch/idp/oauth2"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["email_authentication"] is False
    assert app["settings"]["scope"] == DEFAULT_SCOPE.split()
    assert app["settings"]["auth_params"] == {"acr_values": "qoa1", "claims": SWISSID_DEFAULT_CLAIMS}
    assert "token_auth_method" not in app["settings"]


def test_swissid_agov_and_a_partner_idp_together():
    apps = eid_apps(
        {
            **ENV,
            "PORTAL_SWISSID_CLAIMS": "",
            "PORTAL_AGOV_ACR_VALUES": f"{QOA}50 {QOA}20",
            "PORTAL_AGOV_SCOPE": "openid profile email birthdate",
            "PORTAL_AGOV_TOKEN_AUTH_METHOD": "client_secret_basic",
            "PORTAL_OIDC_LOGIN_ID": "musterwil-b",
            "PORTAL_OIDC_LOGIN_NAME": "Musterwil-Konto",
            "PORTAL_OIDC_LOGIN_CLIENT_ID": "instance-a",
            "PORTAL_OIDC_LOGIN_SECRET": "a-secret",
            "PORTAL_OIDC_LOGIN_SERVER_URL": "http://127.0.0.1:8001",
        }
    )

    assert [(app["provider_id"], app["name"]) for app in apps] == [
        ("swissid", "SwissID"),
        ("agov", "AGOV"),
        ("musterwil-b", "Musterwil-Konto"),
    ]
    swissid, agov, partner = (app["settings"] for app in apps)
    assert swissid["auth_params"] == {}
    assert agov["auth_params"] == {"acr_values": f"{QOA}50 {QOA}20"}
    assert agov["scope"] == ["openid", "profile", "email", "birthdate"]
    assert agov["token_auth_method"] == "client_secret_basic"
    assert partner["server_url"] == "http://127.0.0.1:8001"
    assert all(settings["oauth_pkce_enabled"] for settings in (swissid, agov, partner))


def test_the_partner_idp_gets_a_default_slug_and_name():
    [app] = eid_apps({"PORTAL_OIDC_LOGIN_CLIENT_ID": "a", "PORTAL_OIDC_LOGIN_SERVER_URL": ISSUER})
    assert (app["provider_id"], app["name"]) == ("partner", "Partner login")


@pytest.mark.parametrize(
    "environ",
    [
        {"PORTAL_OIDC_LOGIN_ID": "Not A Slug"},
        {"PORTAL_OIDC_LOGIN_ID": "agov"},
        {**ENV, "PORTAL_SWISSID_CLAIMS": "{not json"},
        {**ENV, "PORTAL_AGOV_TOKEN_AUTH_METHOD": "private_key_jwt"},
    ],
)
def test_a_wrong_configuration_stops_the_start_with_the_variable_named(environ):
    with pytest.raises(EidConfigurationError, match="PORTAL_"):
        eid_apps(environ)


def test_the_acr_table_has_documented_defaults_and_the_environment_replaces_them():
    assert eid_acr_levels({}) == DEFAULT_ACR_LEVELS
    assert eid_acr_levels({"PORTAL_EID_ACR_LEVELS": '{"urn:partner:verified": 30}'}) == {"urn:partner:verified": 30}
    for wrong in ("[30]", '{"x": "high"}', '{"x": -1}', "{oops"):
        with pytest.raises(EidConfigurationError, match="PORTAL_EID_ACR_LEVELS"):
            eid_acr_levels({"PORTAL_EID_ACR_LEVELS": wrong})


# --- the acr → assurance level table --------------------------------------------------------------------------------

NONE, EMAIL, ADDRESS, IDENTITY = (
    AssuranceLevel.NONE,
    AssuranceLevel.EMAIL,
    AssuranceLevel.ADDRESS,
    AssuranceLevel.IDENTITY,
)


@pytest.mark.parametrize(
    "before, claims, after",
    [
        # AGOV: a verified AGOV login (QoA50) and the other verified classes raise to "identity verified" …
        (EMAIL, {"acr": f"{QOA}50"}, IDENTITY),
        (EMAIL, {"acr": f"{QOA}40"}, IDENTITY),
        (NONE, {"acr": f"{QOA}60"}, IDENTITY),
        (ADDRESS, {"acr": f"{QOA}50"}, IDENTITY),
        # … self-registered logins do not.
        (EMAIL, {"acr": f"{QOA}20"}, EMAIL),
        (NONE, {"acr": f"{QOA}30"}, NONE),
        # SwissID: acr is the strength of the login only; the quality of registration decides.
        (EMAIL, {"acr": "qoa2"}, EMAIL),
        (EMAIL, {"acr": "qoa1", "urn:swissid:qor": "qor0"}, EMAIL),
        (EMAIL, {"acr": "qoa1", "urn:swissid:qor": "qor1"}, IDENTITY),
        (EMAIL, {"acr": "qoa2", "urn:swissid:qor": {"value": "qor2"}}, IDENTITY),
        # Unknown or missing values are ignored.
        (EMAIL, {"acr": "urn:example:gold"}, EMAIL),
        (EMAIL, {"acr": ["not", "a", "string"]}, EMAIL),
        (EMAIL, {}, EMAIL),
        # Never lowers.
        (IDENTITY, {"acr": f"{QOA}20"}, IDENTITY),
        (IDENTITY, {"acr": "qoa1", "urn:swissid:qor": "qor0"}, IDENTITY),
    ],
)
def test_acr_of_a_login_raises_the_assurance_level_but_never_lowers_it(before, claims, after):
    user = UserFactory(assurance_level=before)
    login = SimpleNamespace(
        account=SimpleNamespace(extra_data={"id_token": claims, "userinfo": {"sub": "x"}}, provider="agov"),
        provider=SimpleNamespace(name="AGOV"),
    )

    raised = raise_assurance_from_login(user, login)

    user.refresh_from_db()
    assert user.assurance_level == after
    assert raised is (after != before)
    assert Notification.objects.filter(user=user).exists() is raised


def test_the_table_comes_from_the_settings(settings):
    settings.PORTAL_EID_ACR_LEVELS = {"urn:partner:verified": 30, "urn:partner:odd": 25}
    assert assurance_from_claims({"acr": "urn:partner:verified"}) == IDENTITY
    assert assurance_from_claims({"acr": f"{QOA}50"}) is None  # the defaults are replaced, not merged
    assert assurance_from_claims({"acr": "urn:partner:odd"}) is None  # not a level of the portal


# --- the login flow -------------------------------------------------------------------------------------------------


def test_the_login_sends_pkce_the_acr_values_and_one_redirect_uri_for_every_language(client, idp):
    idp.login_as(acr=f"{QOA}20", email="nora@example.org")
    eid_login(client, idp)

    params = idp.authorize_params
    assert params["client_id"] == "musterwil-agov"
    assert params["redirect_uri"] == "http://testserver/auth/oidc/agov/login/callback/"  # no /en/ prefix
    assert params["acr_values"] == f"{QOA}20"
    assert set(params["scope"].split()) == {"openid", "profile", "email"}
    assert params["code_challenge_method"] == "S256"
    [token_request] = idp.token_requests
    verifier = token_request["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == params["code_challenge"]


def test_first_eid_login_of_an_unknown_person_creates_the_account_only_after_email_confirmation(
    client, idp, mailoutbox
):
    idp.login_as(
        sub="agov-nora",
        acr=f"{QOA}50",
        email="nora@example.org",
        email_verified=True,
        given_name="Nora",
        family_name="Neu",
        birthdate="1990-04-01",
    )

    response = eid_login(client, idp)

    # The signup form, in the language the person started in, prefilled from the e-ID.
    assert response.status_code == 302 and response.url == en("socialaccount_signup")
    page = client.get(response.url)
    form = soup_of(page).select_one("main form")
    assert form.find("input", attrs={"name": "email"})["value"] == "nora@example.org"
    first_name = form.find("input", attrs={"name": "first_name"})
    assert first_name["value"] == "Nora" and first_name.has_attr("disabled")
    assert "Create your account" in text_of(page)
    assert not User.objects.filter(email="nora@example.org").exists()

    response = client.post(en("socialaccount_signup"), {"email": "nora@example.org", "first_name": "Mallory"})

    user = User.objects.get(email="nora@example.org")
    assert (user.first_name, user.last_name, user.date_of_birth) == ("Nora", "Neu", date(1990, 4, 1))
    assert user.language == "en"
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).provider == "agov"
    # Not logged in, and not yet verified: the e-mail address must be confirmed first.
    assert logged_in_user_id(client) is None
    assert not EmailAddress.objects.get(user=user).verified
    assert user.assurance_level == NONE
    [confirmation] = [mail for mail in mailoutbox if "confirm-email" in mail.body]
    assert confirmation.to == ["nora@example.org"]

    link = re.search(r"https?://testserver(/\S+/confirm-email/\S+/)", confirmation.body).group(1)
    response = client.post(link)

    user.refresh_from_db()
    assert logged_in_user_id(client) == str(user.pk)
    assert EmailAddress.objects.get(user=user).verified
    assert user.assurance_level == IDENTITY
    assert Notification.objects.filter(user=user, title="Your identity has been verified").exists()


def test_an_eid_whose_verified_email_belongs_to_an_account_is_not_merged(client, idp):
    anna = UserFactory(email="anna@example.org", assurance_level=EMAIL, language="en")
    idp.login_as(sub="agov-anna", acr=f"{QOA}50", email="Anna@Example.org", email_verified=True, given_name="Anna")

    response = eid_login(client, idp)

    assert response.status_code == 200
    text = text_of(response)
    assert "You already have an account" in text
    assert "anna@example.org" in text
    login_link = en("account_login") + "?" + urlencode({"next": en("socialaccount_connections")})
    assert soup_of(response).find("a", href=login_link)
    assert not SocialAccount.objects.exists()
    assert logged_in_user_id(client) is None
    anna.refresh_from_db()
    assert anna.assurance_level == EMAIL
    assert User.objects.filter(email__iexact="anna@example.org").count() == 1


def test_an_unverified_email_of_an_existing_account_does_not_create_a_second_account(client, idp, mailoutbox):
    UserFactory(email="anna@example.org")
    idp.login_as(sub="agov-anna", acr=f"{QOA}50", email="anna@example.org", email_verified=False)

    response = eid_login(client, idp)
    assert response.status_code == 302 and response.url == en("socialaccount_signup")
    client.post(en("socialaccount_signup"), {"email": "anna@example.org", "first_name": "A", "last_name": "B"})

    assert User.objects.filter(email="anna@example.org").count() == 1
    assert not SocialAccount.objects.exists()
    assert logged_in_user_id(client) is None
    # The owner of the address hears about it by e-mail; the screen does not tell whether the account exists.
    assert mailoutbox[-1].to == ["anna@example.org"] and "already exists" in mailoutbox[-1].body


@pytest.mark.parametrize("acr, level", [(f"{QOA}50", IDENTITY), (f"{QOA}20", EMAIL)])
def test_login_of_a_linked_person_raises_the_level_only_for_a_high_acr(client, idp, acr, level):
    person = UserFactory(assurance_level=EMAIL, language="en", first_name="Paula")
    SocialAccount.objects.create(user=person, provider="agov", uid="agov-paula", extra_data={})
    idp.login_as(sub="agov-paula", acr=acr, email="other@example.org", given_name="Changed", birthdate="1970-01-01")

    response = eid_login(client, idp, next_url="/en/account/")

    assert response.status_code == 302 and response.url == "/en/account/"
    assert logged_in_user_id(client) == str(person.pk)
    person.refresh_from_db()
    assert person.assurance_level == level
    # Names and date of birth come from the e-ID at signup only.
    assert (person.first_name, person.date_of_birth) == ("Paula", None)


def test_a_refused_or_forged_answer_logs_nobody_in(client, idp):
    idp.login_as(sub="agov-z", acr=f"{QOA}50", email="z@example.org")
    client.post(en("openid_connect_login", provider_id="agov") + "?process=login")

    response = client.get("/auth/oidc/agov/login/callback/", {"code": "stolen", "state": "not-the-one-we-sent"})

    # A forged state carries no language of the login that started it: the callback answers in the site's German.
    assert response.status_code == 401 and "hat nicht funktioniert" in text_of(response)
    assert logged_in_user_id(client) is None
    assert not SocialAccount.objects.exists() and not User.objects.filter(email="z@example.org").exists()
    assert idp.token_requests == []  # the code was never exchanged


def test_swissid_reports_a_checked_identity_in_userinfo(client, idp):
    person = UserFactory(assurance_level=EMAIL, language="en")
    SocialAccount.objects.create(user=person, provider="swissid", uid="swissid-s", extra_data={})
    idp.login_as(sub="swissid-s", acr="qoa1")
    idp.userinfo_only = {"urn:swissid:qor": "qor1"}

    eid_login(client, idp, provider="swissid")

    assert idp.authorize_params["claims"] == SWISSID_DEFAULT_CLAIMS  # the claim is asked for
    assert logged_in_user_id(client) == str(person.pk)
    person.refresh_from_db()
    assert person.assurance_level == IDENTITY


# --- linking and unlinking need reauthentication ----------------------------------------------------------------


def test_linking_an_eid_asks_for_the_password_first(client, idp):
    person = UserFactory(assurance_level=EMAIL, language="en")
    client.force_login(person)
    idp.login_as(sub="agov-linked", acr=f"{QOA}50", email=person.email)

    response = eid_login(client, idp, process="connect")

    assert response.status_code == 302 and response.url == en("account_reauthenticate")
    assert not SocialAccount.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.assurance_level == EMAIL

    response = client.post(en("account_reauthenticate"), {"password": PASSWORD})

    assert response.status_code == 302 and response.url == en("socialaccount_connections")
    assert SocialAccount.objects.get(user=person).uid == "agov-linked"
    person.refresh_from_db()
    assert person.assurance_level == IDENTITY  # linking a verified e-ID raises the level too
    assert Notification.objects.filter(user=person, title="AGOV was linked to your account").exists()


def test_removing_an_eid_asks_for_the_password_first(client, idp):
    person = UserFactory(language="en")
    linked = SocialAccount.objects.create(user=person, provider="agov", uid="agov-x", extra_data={})
    client.force_login(person)

    response = client.post(en("socialaccount_connections"), {"account": linked.pk})

    assert response.status_code == 302 and response.url.startswith(en("account_reauthenticate"))
    assert SocialAccount.objects.filter(pk=linked.pk).exists()

    client.post(response.url, {"password": PASSWORD})

    assert not SocialAccount.objects.filter(pk=linked.pk).exists()
    assert Notification.objects.filter(user=person, title="AGOV was removed from your account").exists()


def test_a_person_without_password_links_or_removes_an_eid_only_right_after_an_eid_login(client, idp):
    person = UserFactory(language="en")
    person.set_unusable_password()
    person.save()
    agov = SocialAccount.objects.create(user=person, provider="agov", uid="agov-p", extra_data={})
    client.force_login(person)  # a session without a recent login

    idp.login_as(sub="swissid-p", acr="qoa1")
    response = eid_login(client, idp, provider="swissid", process="connect")

    assert response.status_code == 302 and response.url == en("socialaccount_connections")
    assert "log in again with an e-ID" in text_of(client.get(response.url))
    assert not SocialAccount.objects.filter(provider="swissid").exists()
    connections = text_of(client.get(en("socialaccount_connections")))
    assert "Log in again with AGOV" in connections

    # Logging in again with the linked AGOV counts as reauthentication for five minutes.
    idp.login_as(sub="agov-p", acr=f"{QOA}20")
    eid_login(client, idp, provider="agov", next_url=en("socialaccount_connections"))
    assert logged_in_user_id(client) == str(person.pk)
    idp.login_as(sub="swissid-p", acr="qoa1")
    eid_login(client, idp, provider="swissid", process="connect")
    assert SocialAccount.objects.filter(user=person, provider="swissid").exists()

    client.post(en("socialaccount_connections"), {"account": agov.pk})
    assert not SocialAccount.objects.filter(pk=agov.pk).exists()


def test_a_person_without_password_cannot_remove_an_eid_in_an_old_session(client, idp):
    person = UserFactory(language="en")
    person.set_unusable_password()
    person.save()
    first = SocialAccount.objects.create(user=person, provider="agov", uid="agov-q", extra_data={})
    SocialAccount.objects.create(user=person, provider="swissid", uid="swissid-q", extra_data={})
    client.force_login(person)

    response = client.post(en("socialaccount_connections"), {"account": first.pk})

    assert response.status_code == 200
    assert "log in again with an e-ID" in text_of(response)
    assert SocialAccount.objects.filter(pk=first.pk).exists()


# --- buttons ----------------------------------------------------------------------------------------------------


def eid_buttons(response):
    return [
        (form.button.get_text(strip=True), form["action"])
        for form in soup_of(response).select("main form")
        if "/auth/oidc/" in form.get("action", "")
    ]


def test_without_configured_providers_no_eid_button_or_link_shows(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": eid_apps({})}}
    ensure_demo_site()
    SocialApp.objects.create(
        provider="openid_connect", provider_id="db", name="From the database", client_id="x", settings={}
    )

    login_page = client.get(en("account_login"))
    assert eid_buttons(login_page) == []
    assert "e-ID" not in text_of(login_page)
    assert eid_buttons(client.get("/en/leben-in-musterwil/")) == []
    client.force_login(UserFactory(language="en"))
    assert "Login with e-ID" not in text_of(client.get(en("useraccount:dashboard")))


def test_configured_providers_show_one_button_each_on_the_login_page_and_the_login_block(client, idp):
    ensure_demo_site()

    login_page = client.get(en("account_login") + "?next=/en/account/tax/")
    assert eid_buttons(login_page) == [
        ("Log in with AGOV", "/en/auth/oidc/agov/login/?process=login&next=%2Fen%2Faccount%2Ftax%2F"),
        ("Log in with SwissID", "/en/auth/oidc/swissid/login/?process=login&next=%2Fen%2Faccount%2Ftax%2F"),
    ]
    assert eid_buttons(client.get(en("account_signup")))  # the signup page offers them too

    page = client.get("/en/leben-in-musterwil/")
    block = soup_of(page).select_one("section.login-button")
    actions = [form["action"] for form in block.select("form")]
    assert actions == [
        "/en/auth/oidc/agov/login/?process=login&next=%2Fen%2Fleben-in-musterwil%2F",
        "/en/auth/oidc/swissid/login/?process=login&next=%2Fen%2Fleben-in-musterwil%2F",
    ]
    assert [button.get_text(strip=True) for button in block.select("form button")] == [
        "Log in with AGOV",
        "Log in with SwissID",
    ]


def test_the_account_navigation_leads_to_linking_when_providers_are_configured(client, idp):
    client.force_login(UserFactory(language="en"))

    dashboard = soup_of(client.get(en("useraccount:dashboard")))
    link = dashboard.find("a", string="Login with e-ID")
    assert link is not None and link["href"] == en("socialaccount_connections")

    page = client.get(link["href"])
    assert soup_of(page).select_one("nav.side-nav a[aria-current='page']")["href"] == link["href"]
    assert "No e-ID is linked to your account yet." in text_of(page)
    assert [label for label, _ in eid_buttons(page)] == ["Link AGOV", "Link SwissID"]


def test_the_verification_page_offers_the_e_id_only_when_providers_are_configured(client, settings, idp):
    client.force_login(UserFactory(language="en"))
    hint = "Or log in once with a verified e-ID"

    assert hint in text_of(client.get(en("useraccount:verification")))

    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": eid_apps({})}}
    assert hint not in text_of(client.get(en("useraccount:verification")))

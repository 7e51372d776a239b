"""An OpenID Connect client library that no one here wrote (Authlib) logs in against the portal's provider.

The portal runs as pytest-django's live server; everything goes over HTTP: a requests.Session plays the person's
browser (login form with its CSRF token, consent form), Authlib's OAuth2Session plays the app (authorisation URL
with PKCE, code exchange, userinfo) and Authlib's jwt checks the ID token against the published JWKS.
"""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.idp.oidc.models import Client
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from account.models import AssuranceLevel, Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
]

SECRET = "authlib-test-secret"


def hidden(html, name):
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


@pytest.fixture
def person(transactional_db):
    person = UserFactory(language="en", first_name="Erika", last_name="Muster")
    person.raise_assurance(AssuranceLevel.IDENTITY)
    MembershipFactory(user=person, organisation=OrganisationFactory(name="Turnverein Musterwil"), role="owner")
    return person


@pytest.fixture
def sessions(live_server):
    """HTTP sessions of the test, closed before the live server stops (an open keep-alive connection would hold a
    server thread and its database connection)."""
    opened = []
    yield opened
    for session in opened:
        session.close()


def test_authlib_logs_in_with_pkce_and_validates_the_id_token(live_server, sessions, person, password):
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

    redirect_uri = f"{live_server.url}/app/callback"
    app = Client(name="Authlib-App", type=Client.Type.CONFIDENTIAL)
    app.set_scopes(["openid", "profile", "email", "portal"])
    app.set_redirect_uris([redirect_uri])
    app.set_secret(SECRET)
    app.save()

    discovery = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == live_server.url

    # The person logs in to the portal in their browser: the allauth login form, CSRF token and all.
    browser = requests.Session()
    sessions.append(browser)
    login_page = browser.get(f"{live_server.url}/en/auth/login/", timeout=10)
    response = browser.post(
        f"{live_server.url}/en/auth/login/",
        data={
            "csrfmiddlewaretoken": hidden(login_page.text, "csrfmiddlewaretoken"),
            "login": person.email,
            "password": password,
        },
        headers={"Referer": f"{live_server.url}/en/auth/login/"},
        timeout=10,
    )
    assert response.status_code == 200 and "/auth/login/" not in response.url, response.text[:2000]

    # The app sends the person to the portal with PKCE.
    oauth = OAuth2Session(
        app.pk,
        SECRET,
        scope="openid profile email portal",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    sessions.append(oauth)
    code_verifier, nonce = generate_token(48), generate_token(20)
    authorization_url, state = oauth.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce
    )
    assert "code_challenge=" in authorization_url

    consent_page = browser.get(authorization_url, timeout=10)
    assert consent_page.status_code == 200
    assert "Log in to Authlib-App" in consent_page.text
    granted = browser.post(
        discovery["authorization_endpoint"],
        data={
            "csrfmiddlewaretoken": hidden(consent_page.text, "csrfmiddlewaretoken"),
            "request": hidden(consent_page.text, "request"),
            "scopes": ["openid", "profile", "email", "portal"],
            "action": "grant",
        },
        headers={"Referer": authorization_url},
        allow_redirects=False,
        timeout=10,
    )
    assert granted.status_code == 302, granted.text[:2000]
    callback = granted.headers["Location"]
    assert callback.startswith(redirect_uri)
    assert parse_qs(urlsplit(callback).query)["state"] == [state]

    # The app's server exchanges the code; Authlib checks the state and sends the verifier.
    token = oauth.fetch_token(discovery["token_endpoint"], authorization_response=callback, code_verifier=code_verifier)
    assert {"access_token", "id_token", "expires_in"} <= set(token)

    jwks = JsonWebKey.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": discovery["issuer"]}},
        claims_params={"nonce": nonce, "client_id": app.pk},
    )
    claims.validate()
    assert claims["sub"] == str(person.pk)
    assert claims["email"] == person.email
    assert claims["assurance_level"] == AssuranceLevel.IDENTITY

    userinfo = oauth.get(discovery["userinfo_endpoint"], timeout=10)
    assert userinfo.status_code == 200
    info = userinfo.json()
    assert info["sub"] == str(person.pk)
    assert (info["given_name"], info["family_name"], info["email_verified"]) == ("Erika", "Muster", True)
    assert info["assurance_level_label"] == "Identity verified"
    [organisation] = info["organisations"]
    assert (organisation["name"], organisation["role"]) == ("Turnverein Musterwil", Membership.Role.OWNER)

    # A tampered token fails Authlib's signature check.
    header, payload, signature = token["id_token"].split(".")
    with pytest.raises(Exception, match="bad_signature"):
        jwt.decode(f"{header}.{payload}.{signature[::-1]}", jwks)

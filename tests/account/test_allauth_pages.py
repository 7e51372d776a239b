"""django-allauth's pages as a visitor sees them: the site's layout, accessible forms, a strict CSP."""

import json

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from account.models import User

pytestmark = pytest.mark.django_db

ENTRANCE_PAGES = ["account_login", "account_signup", "account_reset_password", "account_request_login_code"]
MANAGE_PAGES = ["account_email", "account_change_password", "mfa_index", "usersessions_list"]
# Script types a browser runs; anything else (application/json) is a data block that CSP does not govern.
EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def soup_of(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def csp_directives(response):
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def reauthenticate(client, password):
    """allauth asks for the password again before MFA changes; answer it like a person would."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, "reauthentication failed"


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url_name", ENTRANCE_PAGES)
def test_entrance_pages_use_the_site_layout(client, url_name):
    soup = soup_of(client.get(reverse(url_name)))

    assert soup.select_one("a.skip-link[href='#main']"), "skip link missing"
    assert soup.select_one("header.site-header"), "site header missing"
    assert soup.select_one("footer.site-footer"), "site footer missing"
    headings = soup.select("main h1")
    assert len(headings) == 1 and headings[0].get_text(strip=True)
    page_title = soup.title.get_text().split("–")[0].strip()
    assert page_title, f"empty page title: {soup.title.get_text()!r}"
    # Every form field has a visible label (allauth's own templates render unlabeled inputs).
    for field in soup.select("main form input:not([type=hidden]), main form select, main form textarea"):
        assert soup.select_one(f"label[for='{field['id']}']"), f"no label for {field.get('name')}"


def test_signup_with_mismatching_passwords_keeps_the_input_and_links_the_error(client):
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nora",
            "last_name": "Neu",
            "email": "nora@example.org",
            "password1": "a-very-good-password-7",
            "password2": "a-different-password-8",
        },
    )
    soup = soup_of(response)

    assert not User.objects.filter(email="nora@example.org").exists()
    summary = soup.select_one(".error-summary")
    assert summary is not None, "no error summary"
    target = summary.select_one("a[href^='#']")["href"][1:]
    field = soup.find(id=target)
    assert field is not None and field["name"] == "password2"
    assert field.get("aria-invalid") == "true"
    assert soup.find("input", attrs={"name": "email"})["value"] == "nora@example.org"
    assert soup.find("input", attrs={"name": "first_name"})["value"] == "Nora"
    assert soup.find("input", attrs={"name": "last_name"})["value"] == "Neu"
    assert not soup.find("input", attrs={"name": "password1"}).get("value"), "a password was echoed back"


@pytest.mark.parametrize("url_name", MANAGE_PAGES)
def test_manage_pages_sit_in_the_account_navigation(signed_in, url_name):
    url = reverse(url_name)
    soup = soup_of(signed_in.get(url))

    layout = soup.select_one("main .layout-sidebar")
    assert layout is not None, "not in the account layout"
    current = layout.select("nav.side-nav a[aria-current='page']")
    assert [a["href"] for a in current] == [url]
    assert layout.select_one("h1"), "page heading is not next to the navigation"
    crumbs = soup.select("nav.breadcrumbs a")
    assert reverse("useraccount:dashboard") in [a["href"] for a in crumbs]
    assert crumbs[-1].get("aria-current") == "page"


def test_reauthentication_stays_in_the_account_layout(signed_in):
    soup = soup_of(signed_in.get(reverse("account_reauthenticate")))

    assert soup.select_one("main .layout-sidebar nav.side-nav")
    assert soup.select_one("main .layout-sidebar input[type=password]")


def test_the_login_page_is_not_in_the_account_layout(client):
    soup = soup_of(client.get(reverse("account_login")))

    assert soup.select_one("main .side-nav") is None


def _page(client, user, password, which):
    if which != "account_login":
        client.force_login(user)
    if which == "mfa_add_webauthn":
        reauthenticate(client, password)
    return client.get(reverse(which))


@pytest.mark.parametrize("which", ["account_login", "mfa_index", "mfa_add_webauthn"])
def test_scripts_run_under_the_content_security_policy(client, user, password, which):
    response = _page(client, user, password, which)
    soup = soup_of(response)
    script_src = csp_directives(response)["script-src"]
    nonces = {value[len("'nonce-") : -1] for value in script_src if value.startswith("'nonce-")}

    assert "'unsafe-inline'" not in script_src
    scripts = soup.find_all("script")
    assert scripts, "the page loads no script at all"
    for script in scripts:
        if script.get("src"):
            src = script["src"]
            # Served by this site ('self') and really there.
            assert src.startswith(settings.STATIC_URL) and not src.startswith("//"), src
            assert finders.find(src[len(settings.STATIC_URL) :]), f"{src} does not exist"
        elif script.get("type", "").lower() in EXECUTABLE_SCRIPT_TYPES:
            assert script.get("nonce") in nonces, f"inline script without the CSP nonce: {script}"
        else:
            json.loads(script.string)  # allauth's data blocks, read by its onload.js
    if which in ("account_login", "mfa_add_webauthn"):
        # The passkey buttons need allauth's WebAuthn script; a blocked or missing one breaks them silently.
        assert any(s.get("src", "").endswith("mfa/js/webauthn.js") for s in scripts)


@pytest.mark.parametrize("which", ["account_login", "mfa_index", "mfa_add_webauthn"])
def test_no_inline_styles_that_the_policy_would_block(client, user, password, which):
    response = _page(client, user, password, which)
    soup = soup_of(response)

    assert "'unsafe-inline'" not in csp_directives(response)["style-src"]
    assert soup.select("[style]") == []
    assert soup.find_all("style") == []


def test_totp_activation_shows_the_qr_code_as_an_allowed_image(client, user, password):
    client.force_login(user)
    reauthenticate(client, password)
    response = client.get(reverse("mfa_activate_totp"))
    soup = soup_of(response)

    assert "data:" in csp_directives(response)["img-src"]
    qr = soup.select_one("main img[src^='data:image/svg+xml']")
    assert qr is not None, "no QR code"
    assert qr.get("alt"), "QR code without a text alternative"
    secret = soup.find(id="authenticator_secret")
    assert secret is not None and secret.get("value") == qr["alt"]
    assert soup.select_one("label[for='authenticator_secret']")

"""Every page type carries the security headers and a strict content security policy that its HTML obeys."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

from services.models import Case, CaseStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Script types a browser runs; anything else (application/json) is a data block that CSP does not govern.
EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}
URL_IGNORED = {ord("\t"): None, ord("\n"): None, ord("\r"): None}
STRICT_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


class PageMarkup(HTMLParser):
    """What of a page's markup the policy governs: its scripts, event handler attributes and javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = []  # [attributes, inline text]
        self.handlers = []
        self.javascript_urls = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on") and name[2:].isalpha():
                self.handlers.append(f"<{tag} {name}=…>")
            # Browsers drop tabs and newlines anywhere in a URL and whitespace around it before reading the scheme.
            if name in URL_ATTRIBUTES and value.translate(URL_IGNORED).strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts.append([attributes, ""])
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1][1] += data


def directives_of(header):
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name.lower()] = values
    return directives


def test_the_markup_check_finds_what_the_policy_would_block():
    # The page test passes only if this parser sees these; a parser that saw nothing would pass every page.
    markup = PageMarkup()
    markup.feed(
        '<button type="button" onclick="go()">Go</button><a href=" Java\tScript:go()">x</a>'
        '<script nonce="abc">go()</script><script type="application/json">{}</script>'
        '<script src="/static/a.js"></script>'
    )
    assert markup.handlers == ["<button onclick=…>"]
    assert len(markup.javascript_urls) == 1
    assert [(attributes.get("nonce"), text) for attributes, text in markup.scripts] == [
        ("abc", "go()"),
        (None, "{}"),
        (None, ""),
    ]


# --- the pages, each built with the least data that shows it as a person sees it ----------------------------------


def _resident_client(client):
    person = UserFactory(language="en")
    client.force_login(person)
    return person


def english_url(page):
    url = page.url
    return url if url.startswith("/en/") else f"/en{url}"


def _case_of(person, service_page=None):
    return Case.objects.create(
        reference="MW-2026-09001",
        title="Veranstaltung melden",
        service_page=service_page,
        owner_user=person,
        submitted_by=person,
        status=CaseStatus.SUBMITTED,
        fields_snapshot=[{"name": "bemerkung", "label": "Bemerkung", "type": "long_text"}],
        data={"bemerkung": "Mit Festwirtschaft"},
        submitted_at=timezone.now(),
    )


def home(client, request):
    request.getfixturevalue("home_page")
    return client.get("/en/")


def standard_page(client, request):
    request.getfixturevalue("home_page")
    return client.get("/en/verwaltung/")


def service_form_first_step(client, request):
    page = request.getfixturevalue("service_page")
    client.force_login(request.getfixturevalue("resident"))
    return client.get(english_url(page))


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.hidden.setdefault(attributes["name"], attributes.get("value") or "")


def service_form_with_errors(client, request):
    page = request.getfixturevalue("service_page")
    client.force_login(request.getfixturevalue("resident"))
    url = english_url(page)
    fields = _FormFields()
    fields.feed(client.get(url).content.decode())
    payload = {name: fields.hidden[name] for name in ("block_id", "step", "submission_token") if name in fields.hidden}
    response = client.post(url, {**payload, "action": "next"})
    assert 'role="alert"' in response.content.decode(), "the empty POST showed no error summary"
    return response


def search(client, request):
    request.getfixturevalue("home_page")
    return client.get("/en/search/", {"query": "Verwaltung"})


def login(client, request):
    return client.get("/en/auth/login/")


def signup(client, request):
    return client.get("/en/auth/signup/")


def dashboard(client, request):
    _resident_client(client)
    return client.get("/en/account/")


def case_list(client, request):
    _case_of(_resident_client(client))
    return client.get("/en/account/cases/")


def case_detail(client, request):
    case = _case_of(_resident_client(client))
    return client.get(f"/en/account/cases/{case.reference}/")


def notifications(client, request):
    _resident_client(client)
    return client.get("/en/account/notifications/")


def profile(client, request):
    _resident_client(client)
    return client.get("/en/account/profile/")


def meter_consumption(client, request):
    world = request.getfixturevalue("utility_world")
    client.force_login(world["holder"])
    return client.get(f"/en/account/utilities/meters/{world['smart'].pk}/")


def school_hub(client, request):
    world = request.getfixturevalue("school_world")
    client.force_login(world["parent"])
    return client.get("/en/account/school/")


def tax_account(client, request):
    _resident_client(client)
    return client.get("/en/account/tax/")


def not_found(client, request):
    request.getfixturevalue("home_page")
    return client.get("/en/no-such-page-here/")


PAGES = {
    "home page": (home, 200),
    "standard page": (standard_page, 200),
    "service page, first step": (service_form_first_step, 200),
    "service page, validation errors": (service_form_with_errors, 200),
    "search": (search, 200),
    "login": (login, 200),
    "signup": (signup, 200),
    "dashboard": (dashboard, 200),
    "case list": (case_list, 200),
    "case detail": (case_detail, 200),
    "notifications": (notifications, 200),
    "profile": (profile, 200),
    "meter consumption": (meter_consumption, 200),
    "school hub": (school_hub, 200),
    "tax account": (tax_account, 200),
    "404 page": (not_found, 404),
}


def assert_security_headers(response, page):
    assert response.get("X-Content-Type-Options") == "nosniff", f"{page}: X-Content-Type-Options is not nosniff"
    referrer = response.get("Referrer-Policy", "")
    assert referrer and set(referrer.split(",")) <= STRICT_REFERRER_POLICIES, f"{page}: Referrer-Policy {referrer!r}"
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin", f"{page}: Cross-Origin-Opener-Policy"


def assert_framing_denied(response, page, directives):
    framing = response.get("X-Frame-Options") == "DENY" or directives.get("frame-ancestors") == ["'none'"]
    assert framing, f"{page}: neither X-Frame-Options DENY nor frame-ancestors 'none'"


@pytest.mark.parametrize("page_type", list(PAGES))
def test_every_page_type_has_a_strict_policy_and_obeys_it(client, request, page_type):
    build, status = PAGES[page_type]
    response = build(client, request)
    assert response.status_code == status, f"{page_type}: status {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), f"{page_type}: not an HTML page"

    assert "Content-Security-Policy" in response, f"{page_type}: no Content-Security-Policy header"
    directives = directives_of(response["Content-Security-Policy"])
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, f"{page_type}: neither script-src nor default-src"
    for loose in ("'unsafe-inline'", "'unsafe-eval'"):
        assert loose not in script_src, f"{page_type}: script-src allows {loose}"
    assert "*" not in script_src and "data:" not in script_src, f"{page_type}: script-src allows any origin"
    object_src = directives.get("object-src", directives.get("default-src"))
    assert object_src == ["'none'"], f"{page_type}: object-src is {object_src}, not 'none'"
    base_uri = directives.get("base-uri")
    assert base_uri in (["'self'"], ["'none'"]), f"{page_type}: base-uri is {base_uri}"
    assert "frame-ancestors" in directives, f"{page_type}: no frame-ancestors"
    assert_framing_denied(response, page_type, directives)
    assert_security_headers(response, page_type)

    nonces = {value[len("'nonce-") : -1] for value in script_src if value.startswith("'nonce-")}
    markup = PageMarkup()
    markup.feed(response.content.decode())
    for attributes, text in markup.scripts:
        if "src" in attributes:
            src = attributes["src"]
            same_origin = src.startswith("/") and not src.startswith("//")
            assert same_origin, f"{page_type}: script from another origin: {src}"
        elif attributes.get("type", "").lower() in EXECUTABLE_SCRIPT_TYPES:
            assert attributes.get("nonce") in nonces, f"{page_type}: inline script without the CSP nonce: {text[:80]!r}"
    assert not markup.handlers, f"{page_type}: inline event handlers the policy blocks: {markup.handlers}"
    assert not markup.javascript_urls, f"{page_type}: javascript: URLs the policy blocks: {markup.javascript_urls}"


# --- responses that are not pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/cases", "/healthz"])
def test_machine_responses_carry_the_headers_too(client, db, path):
    response = client.get(path)
    page = path
    assert not response["Content-Type"].startswith("text/html"), f"{page}: HTML where JSON was expected"
    assert_security_headers(response, page)
    assert response.get("X-Frame-Options") == "DENY", f"{page}: X-Frame-Options is not DENY"


def test_the_api_answers_a_request_without_token_with_a_json_problem(client, db):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401, f"/api/v1/cases without token: status {response.status_code}"
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]


# --- the Wagtail admin ----------------------------------------------------------------------------------------------


def test_the_wagtail_admin_login_keeps_the_framing_and_sniffing_protections(client, db):
    response = client.get("/admin/login/")
    page = "Wagtail admin login"
    assert response.status_code == 200, f"{page}: status {response.status_code}"
    assert_security_headers(response, page)
    assert response.get("X-Frame-Options") == "DENY", f"{page}: X-Frame-Options is not DENY"
    markup = PageMarkup()
    markup.feed(response.content.decode())
    assert not markup.handlers, f"{page}: inline event handlers: {markup.handlers}"
    assert not markup.javascript_urls, f"{page}: javascript: URLs: {markup.javascript_urls}"


# --- production settings ------------------------------------------------------------------------------------------

PRODUCTION_CHECK = """
import django, json
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF", "DEBUG")}))
"""


def test_production_settings_turn_on_hsts_for_a_year_and_secure_cookies():
    from config.settings.oidc_keys import generate_private_key_pem

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        # The values .ci/run gives `check --deploy`; HSTS and redirect keep production's own defaults.
        "SECRET_KEY": "ci-check-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
        "ALLOWED_HOSTS": "portal.example",
        "PORTAL_OIDC_PRIVATE_KEY": generate_private_key_pem(),
    }
    for name in ("SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(  # noqa: S603 — our own interpreter with a fixed program
        [sys.executable, "-c", PRODUCTION_CHECK], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    values = json.loads(done.stdout.strip().splitlines()[-1])

    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60, f"HSTS too short: {values['SECURE_HSTS_SECONDS']}"
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"], "cookies may travel over plain HTTP"
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["DEBUG"] is False


def test_with_production_security_settings_a_page_sends_hsts_and_secure_cookies(client, settings, request):
    request.getfixturevalue("home_page")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True

    response = client.get("/en/auth/login/", secure=True)

    hsts = response.get("Strict-Transport-Security", "")
    max_age = int(hsts.split("max-age=")[1].split(";")[0]) if "max-age=" in hsts else 0
    assert max_age >= 31536000 and "includeSubDomains" in hsts, f"login: Strict-Transport-Security {hsts!r}"
    csrf = response.cookies.get("csrftoken")
    assert csrf is not None and csrf["secure"], "login: the CSRF cookie is not marked Secure"

"""Two real portals: B is the identity provider, A logs people in with B ("Login mit Musterwil-Konto").

Both run as processes on 127.0.0.1 ports (tests/processes.py) with the dev settings; Chromium reaches B as
127.0.0.1 and A as localhost, so each keeps its own cookies. A's openid_connect button is configured from the
environment (config/settings/eid.py, the partner provider PORTAL_OIDC_LOGIN_*) to B, where A is a registered login
client. The person walks the whole way: the button on A, B's login and consent pages (code flow with PKCE), back on
A the account creation and e-mail confirmation, then logout on A and the RP-initiated logout at B.
"""

import json
import re
import secrets
import shutil
import sys
from urllib.parse import urlencode

from playwright.sync_api import expect

from tests.browser.conftest import log_out
from tests.processes import Portal, wait_for_http

PASSWORD = "musterwil-two-portals-7"
EMAIL = "erika.muster@example.org"
PROVIDER_ID = "musterwil"
CLIENT_ID = "gemeindeportal-a"

SITE = "from home.demo_content import ensure_demo_site; ensure_demo_site()"

IDENTITY_PROVIDER = """
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from account.models import User

person = User.objects.create_user(
    email={email!r}, password={password!r}, first_name="Erika", last_name="Muster", language="en"
)
EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
client = Client(id={client_id!r}, name="Gemeindeportal A", type=Client.Type.CONFIDENTIAL)
client.set_scopes(["openid", "profile", "email", "portal"])
client.set_redirect_uris([{redirect_uri!r}])
client.set_post_logout_redirect_uris([{post_logout_uri!r}])
client.set_secret({secret!r})
client.save()
print(person.pk)
"""

RELYING_PARTY_STATE = """
import json
from allauth.socialaccount.models import SocialAccount
from account.models import User

user = User.objects.get(email={email!r})
accounts = list(SocialAccount.objects.filter(user=user).values_list("provider", "uid"))
print(json.dumps({{"name": user.get_full_name(), "accounts": accounts}}))
"""


def newest_mail(directory):
    files = sorted(directory.glob("*.log"), key=lambda path: path.stat().st_mtime)
    assert files, f"no e-mail in {directory}"
    return files[-1].read_text()


def test_portal_a_logs_in_with_an_account_of_portal_b(tmp_path, page):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    secret = secrets.token_urlsafe(32)
    provider = Portal(tmp_path / "b")
    portal = Portal(
        tmp_path / "a",
        host="localhost",
        PORTAL_OIDC_LOGIN_ID=PROVIDER_ID,
        PORTAL_OIDC_LOGIN_NAME="Musterwil-Konto",
        PORTAL_OIDC_LOGIN_CLIENT_ID=CLIENT_ID,
        PORTAL_OIDC_LOGIN_SECRET=secret,
        PORTAL_OIDC_LOGIN_SERVER_URL=provider.url,
        PORTAL_OIDC_LOGIN_SCOPE="openid profile email",
    )
    try:
        # One migration for both: A starts from a copy of B's database before B gets its person and client.
        provider.manage("migrate", "--noinput")
        provider.shell(SITE)
        shutil.copy(provider.directory / "portal.sqlite3", portal.directory / "portal.sqlite3")
        b_person = provider.shell(
            IDENTITY_PROVIDER.format(
                email=EMAIL,
                password=PASSWORD,
                client_id=CLIENT_ID,
                redirect_uri=f"{portal.url}/auth/oidc/{PROVIDER_ID}/login/callback/",
                post_logout_uri=f"{portal.url}/",
                secret=secret,
            )
        ).split()[-1]
        for instance in (provider, portal):
            instance.start("server", *server_command(instance))
        for instance in (provider, portal):
            wait_for_http(instance.url + "/", process=instance.processes["server"][0], log=instance.log_path("server"))

        # On A: the button of B's accounts leads to B's login page.
        page.goto(f"{portal.url}/en/auth/login/")
        page.get_by_role("button", name="Log in with Musterwil-Konto").click()
        page.wait_for_url(re.compile(rf"^{re.escape(provider.url)}/auth/login/"))
        page.fill("#id_login", EMAIL)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").first.click()

        # B asks the person, in their language, what A may see.
        page.wait_for_url(re.compile(rf"^{re.escape(provider.url)}/identity/o/authorize"))
        expect(page.locator("h1")).to_have_text("Log in to Gemeindeportal A")
        expect(page.get_by_label("Your e-mail address")).to_be_checked()
        expect(page.get_by_label("Your name and language")).to_be_checked()
        page.get_by_role("button", name="Allow").click()

        # Back on A: a person A does not know yet creates the account and confirms the e-mail address.
        page.wait_for_url(re.compile(rf"^{re.escape(portal.url)}/"))
        expect(page.locator("h1")).to_have_text(re.compile("Create your account|Konto erstellen"))
        expect(page.locator("#id_email")).to_have_value(EMAIL)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/auth/confirm-email/$"))
        link = re.search(r"https?://\S+/auth/confirm-email/\S+/", newest_mail(portal.directory / "var" / "mail"))
        assert link, newest_mail(portal.directory / "var" / "mail")
        page.goto(link.group(0))
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".login-widget form[action$='/auth/logout/'] button")).to_be_visible()

        state = json.loads(portal.shell(RELYING_PARTY_STATE.format(email=EMAIL)).strip().splitlines()[-1])
        assert state == {"name": "Erika Muster", "accounts": [[PROVIDER_ID, b_person]]}

        # Logout on A, then the RP-initiated logout at B: B asks, logs out and sends the person back to A.
        log_out(page)
        logout_query = urlencode({"client_id": CLIENT_ID, "post_logout_redirect_uri": f"{portal.url}/"})
        page.goto(f"{provider.url}/identity/o/logout?{logout_query}")
        expect(page.locator("main")).to_contain_text("You have logged out of Gemeindeportal A.")
        page.locator("main").get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{portal.url}/")
        page.goto(f"{provider.url}/en/account/")
        page.wait_for_url(re.compile(rf"^{re.escape(provider.url)}/en/auth/login/"))
    finally:
        provider.stop_all()
        portal.stop_all()


def server_command(instance):
    return sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{instance.port}"

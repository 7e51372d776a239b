"""Browser tests: Playwright drives Debian's Chromium against a live server on 127.0.0.1."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


class SerialWSGIServer(WSGIServer):
    """The live server answers one request at a time.

    On SQLite the test database lives in memory and the live server shares its one connection with the
    test; Django's threaded live server would let two of Chromium's parallel requests (the admin loads
    several at once) use that connection together, which fails at random ("OperationalError: not an
    error"). Serving requests in turn removes the race; without threads Django closes each connection
    after its response, so the browser's parallel requests simply queue.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        # The server thread has already installed the shared connections for itself (LiveServerThread.run).
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialWSGIServer


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(str(item.fspath)).parents]
    # Browser tests go last (after pytest-django's own ordering): Playwright's event loop stays open in the
    # test thread for the rest of the session, and Django refuses synchronous database calls beside it.
    items[:] = [item for item in items if item not in browser_items] + browser_items
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if not Path(CHROMIUM).exists():
        reason = f"no browser installed at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)"
        print(f"\nSKIPPING browser tests: {reason}")
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Playwright's sync API runs an event loop in the test thread; the test's own ORM calls (and the database
    # set-up before any fixture) stay synchronous. Only browser tests get this, and only while they run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # After the fixtures are finalised: the database flush at teardown runs beside the event loop too.
    try:
        return (yield)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def site_url(live_server):
    """The live server's address, serving the Musterwil pages (so / after logout has the portal's header)."""
    from home.demo_content import ensure_demo_site

    ensure_demo_site()
    return live_server.url


@pytest.fixture
def page(page):
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def outbox(mailoutbox):
    return mailoutbox


def link_in_last_mail(pattern, to=None):
    """The first URL in the newest e-mail (to `to`, if given) whose path matches `pattern`."""
    messages = [m for m in mail.outbox if to is None or to in m.to]
    assert messages, f"no e-mail sent to {to or 'anyone'}"
    for url in re.findall(r"https?://\S+", messages[-1].body):
        if re.search(pattern, url):
            return url
    raise AssertionError(f"no link matching {pattern!r} in: {messages[-1].body}")


def log_in(page, site_url, email, password):
    page.goto(f"{site_url}/auth/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/auth/login/" not in url)


def log_out(page):
    page.locator(".login-widget form[action$='/auth/logout/'] button").click()
    expect(page.locator(".login-widget a[href*='/auth/login/']")).to_be_visible()

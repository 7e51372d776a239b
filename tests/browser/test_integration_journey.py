"""Issue 4 end to end, with real processes on 127.0.0.1: portal server, django-q2 cluster and the reference
client listening for webhooks. A resident submits in the browser; the client gets a signed webhook, fetches
the case, acknowledges it and asks a question; the resident answers in the browser; the client gets that
event and completes the case with a PDF; the resident sees it all.

The portal runs on its own SQLite file in tmp_path (tests/processes.py), not on the test database, so this
test needs no database fixture: it reads the portal's database through `manage.py shell`.
"""

import json
import sys

import pytest
from django.utils import translation
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD
from integrations.demo_content import DEMO_SLUG, DEMO_TOKEN, DEMO_WEBHOOK_SECRET
from services.models import CaseStatus
from tests.browser.conftest import log_in
from tests.processes import Portal, free_port, wait_for_http, wait_until

RESIDENT = "resident@musterwil.example"
SERVICE_PATH = "/online-schalter/kontakt-und-feedback/"
ANSWER = "Es geht um die Strassenlampe vor dem Haus Dorfstrasse 14; sie flackert seit dem 2. Mai."


@pytest.fixture
def portal(tmp_path):
    portal = Portal(tmp_path)
    yield portal
    portal.stop_all()


def show_logs(portal):
    for name in ("server", "cluster", "client"):
        print(f"\n----- {name}.log (end) -----\n{portal.log(name)[-5000:]}")


def portal_json(portal, code):
    """Run `code` (which prints one JSON line last) in the portal's own process and database."""
    return json.loads(portal.shell(code).strip().splitlines()[-1])


def start_everything(portal):
    portal.manage("migrate", "--noinput")
    portal.manage("seed_demo")
    client_port = free_port()
    webhook_url = f"http://127.0.0.1:{client_port}/webhooks"
    portal.shell(
        "from integrations.models import WebhookEndpoint\n"
        f"WebhookEndpoint.objects.filter(application__slug={DEMO_SLUG!r})"
        f".update(url={webhook_url!r}, is_active=True)"
    )
    portal.start_server()
    portal.start_cluster()
    client = portal.start(
        "client",
        sys.executable,
        "-m",
        "integrations.client",
        "--portal",
        portal.url,
        "--token",
        DEMO_TOKEN,
        "listen",
        "--port",
        str(client_port),
        "--secret",
        DEMO_WEBHOOK_SECRET,
        "--ask",
    )
    wait_for_http(webhook_url, process=client, log=portal.log_path("client"))


def client_says(portal, text, timeout=90):
    wait_until(lambda: text in portal.log("client"), timeout=timeout, interval=0.5, message=f"client log line {text!r}")


def reload_until(page, selector, timeout=60):
    """The cluster works asynchronously: reload the page until `selector` shows up."""

    def shown():
        page.reload()
        return page.locator(selector).count() > 0

    wait_until(shown, timeout=timeout, interval=1, message=f"{selector} on {page.url}")


def test_case_travels_from_the_browser_to_the_specialist_application_and_back(page, portal):
    try:
        start_everything(portal)

        # The resident submits the contact form (name and e-mail are prefilled from the account).
        log_in(page, portal.url, RESIDENT, DEMO_PASSWORD)
        page.goto(portal.url + SERVICE_PATH)
        page.select_option("[name=betreff]", label="Schaden melden (Strasse, Beleuchtung, Spielplatz)")
        page.fill("[name=nachricht]", "Eine Strassenlampe flackert.")
        page.locator("button[name=action][value=review]").first.click()
        page.locator("button[name=action][value=submit]").click()
        reference = page.locator("[data-case-reference]").inner_text().strip()
        assert reference.startswith("MW-")

        # The client receives a correctly signed webhook, fetches, acknowledges and asks.
        client_says(portal, f"signature verified: case.submitted {reference}")
        client_says(portal, f"{reference} acknowledged → received")
        client_says(portal, f"{reference} question asked")

        # The resident sees the question in the account and answers it.
        page.goto(f"{portal.url}/account/cases/{reference}/")
        reload_until(page, ".case-question")
        question = page.locator(".case-question")
        expect(question).to_contain_text("Bitte reichen Sie")
        expect(question).to_contain_text("Ergänzende Angaben (Text oder PDF)")
        question.locator("textarea").fill(ANSWER)
        question.locator("button[type=submit]").click()
        expect(page.locator(".case-question")).to_have_count(0)

        # The client gets the answer, completes the case and issues its decision.
        client_says(portal, f"signature verified: case.question.answered {reference}")
        client_says(portal, f"{reference} answers read: 1 – latest: “Es geht um die Strassenlampe")
        client_says(portal, f"{reference} status → completed")

        page.goto(f"{portal.url}/account/cases/{reference}/")
        with translation.override(page.locator("html").get_attribute("lang") or "de"):
            completed = str(CaseStatus.COMPLETED.label)
        expect(page.locator(".case-summary")).to_contain_text(completed)
        timeline = page.locator(".timeline")
        expect(timeline).to_contain_text("Vorprüfung")
        expect(timeline).to_contain_text("Bitte reichen Sie")
        expect(timeline).to_contain_text("Ihr Anliegen ist erledigt")
        decision = page.locator("#documents a", has_text="Entscheid")
        expect(decision).to_have_count(1)
        download = page.request.get(portal.url + decision.get_attribute("href"))
        assert download.status == 200
        assert download.headers["content-type"] == "application/pdf"
        assert download.body().startswith(b"%PDF-1.4")

        # The portal's records: both webhooks delivered at the first attempt, every API call audited.
        records = portal_json(
            portal,
            "import json\n"
            "from integrations.models import ApiAuditEntry, WebhookDelivery\n"
            f"deliveries = WebhookDelivery.objects.filter(endpoint__application__slug={DEMO_SLUG!r})"
            ".select_related('event').prefetch_related('attempt_log')\n"
            "print(json.dumps({\n"
            "  'deliveries': [{'type': d.event.type, 'reference': d.event.subject_ref, 'status': d.status,\n"
            "                  'messageId': d.message_id, 'attempts': [a.status_code for a in d.attempt_log.all()]}\n"
            "                 for d in deliveries],\n"
            f"  'audit': sorted(set(ApiAuditEntry.objects.filter(subject_ref={reference!r}, status_code__lt=300)\n"
            "                      .values_list('action', flat=True))),\n"
            "}))",
        )
        # The client's own status changes come back as case.status_changed (it ignores them); the last ones
        # may still be on their way, so only the two events the journey waited for are checked in full.
        assert "case.status_changed" in {row["type"] for row in records["deliveries"]}
        deliveries = sorted(
            (row for row in records["deliveries"] if row["type"] != "case.status_changed"), key=lambda row: row["type"]
        )
        assert [(row["type"], row["reference"], row["status"]) for row in deliveries] == [
            ("case.question.answered", reference, "delivered"),
            ("case.submitted", reference, "delivered"),
        ]
        client_log = portal.log("client")
        for row in deliveries:
            assert row["attempts"] == [204]
            assert f"webhook {row['messageId']} signature verified: {row['type']} {reference}" in client_log
        assert "refused" not in client_log
        assert {
            "case.read",
            "case.acknowledge",
            "case.milestone",
            "case.status",
            "case.question",
            "case.answers.list",
            "case.document.add",
        } <= set(records["audit"])
    except BaseException:
        show_logs(portal)
        raise

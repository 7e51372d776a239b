"""Command line of the reference client.

    python -m integrations.client --portal http://127.0.0.1:8000 --token gpk_… feed [--follow] [--ask]
    python -m integrations.client --portal http://127.0.0.1:8000 --token gpk_… listen --port 8765 \\
        --secret whsec_… [--ask]
    python -m integrations.client --portal http://127.0.0.1:8000 --token gpk_… milestone MW-2026-00009 \\
        entscheid --status done --text "Bewilligt" --document-file Entscheid.pdf

`feed` reads the pull feed and acknowledges what it handled (no inbound port needed); `listen` receives the
portal's webhooks; `milestone` reports one step of a case's procedure. PORTAL_URL, PORTAL_TOKEN and
WEBHOOK_SECRET are the defaults of the options.
"""

import argparse
import datetime
import http.client
import logging
import os
import sys
import time
from pathlib import Path

from .api import ApiError, PortalClient
from .webhooks import WebhookReceiver
from .workflow import DemoWorkflow


def say(line):
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def run_feed(client, workflow, *, follow=False, interval=2.0):
    """Handle the events after the last acknowledged cursor, page by page; with `follow`, keep polling."""
    say(f"reading the event feed of {client.base_url}" + (" (Ctrl-C stops)" if follow else ""))
    cursor = None
    while True:
        try:
            page = client.events(after=cursor)
            for event in page["events"]:
                workflow.handle(event)
            if page["events"]:
                client.ack(page["next"])
                say(f"acknowledged events up to {page['next']}")
            cursor = page["next"]
        except (OSError, http.client.HTTPException, ApiError) as error:
            # A refusal (4xx: token, scope …) needs a person. Otherwise the portal is away: nothing was
            # acknowledged, so the same page comes again once it answers (handling is idempotent).
            refused = isinstance(error, ApiError) and error.status < 500 and error.status != 429
            if refused or not follow:
                raise
            say(f"portal not reachable ({error}); trying again in {interval:.0f} s")
            time.sleep(interval)
            continue
        if page["hasMore"]:
            continue
        if not follow:
            return
        time.sleep(interval)


def run_listener(workflow, *, host, port, path, secret):
    server = WebhookReceiver((host, port), secret=secret, handle=workflow.handle, path=path, say=say)
    say(f"listening for webhooks on http://{host}:{port}{path} (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def report_step(client, arguments):
    """Report one procedure step; with --document-file the file is uploaded first and linked to the step.

    Run again with the same file, the document the step already shows is reused rather than uploaded twice, so
    the command can simply be repeated after an error.
    """
    reference, key = arguments.reference, arguments.key
    fields = {"status": arguments.status, "from": arguments.starts_on, "until": arguments.ends_on}
    fields.update(text=arguments.text or "", title=arguments.title)
    if arguments.document_file:
        path = Path(arguments.document_file)
        content = path.read_bytes()
        shown = next((step["document"] for step in client.milestones(reference) if step["key"] == key), None)
        if shown and shown["filename"] == path.name and shown["size"] == len(content):
            fields["documentId"] = shown["id"]
        else:
            title = arguments.document_title or arguments.title or ""
            document = client.upload_document(reference, path.name, content, title=title)
            fields["documentId"] = document["id"]
            say(f"{reference} document uploaded: {path.name} ({len(content)} bytes)")
    step = client.put_milestone(reference, key, **{name: value for name, value in fields.items() if value is not None})
    period = "–".join(f"{date:%d.%m.%Y}" for date in (arguments.starts_on, arguments.ends_on) if date)
    say(f"{reference} step “{step['title']}” → {step['status']}" + (f" ({period})" if period else ""))
    return step


def iso_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def parser():
    main = argparse.ArgumentParser(
        prog="python -m integrations.client",
        description="Reference client of the Gemeindeportal API: a demo specialist application.",
    )
    main.add_argument("--portal", default=os.environ.get("PORTAL_URL", "http://127.0.0.1:8000"), help="portal URL")
    main.add_argument("--token", default=os.environ.get("PORTAL_TOKEN"), help="API token gpk_… (or PORTAL_TOKEN)")
    commands = main.add_subparsers(dest="command", required=True)

    feed = commands.add_parser("feed", help="read the pull feed and handle its events")
    feed.add_argument("--follow", action="store_true", help="keep polling for new events")
    feed.add_argument("--interval", type=float, default=2.0, help="seconds between polls (default 2)")

    listen = commands.add_parser("listen", help="receive webhooks on a local HTTP port")
    listen.add_argument("--host", default="127.0.0.1")
    listen.add_argument("--port", type=int, default=8765)
    listen.add_argument("--path", default="/webhooks")
    listen.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"), help="whsec_… (or WEBHOOK_SECRET)")

    for command in (feed, listen):
        command.add_argument("--ask", action="store_true", help="ask the applicant a question before completing")

    step = commands.add_parser("milestone", help="report where one step of a case's procedure stands")
    step.add_argument("reference", help="the case reference, e.g. MW-2026-00009")
    step.add_argument("key", help="the step's key, e.g. vorpruefung, publikation, einsprachefrist, entscheid")
    step.add_argument("--status", required=True, choices=["pending", "active", "done", "skipped"])
    step.add_argument("--from", dest="starts_on", type=iso_date, metavar="YYYY-MM-DD", help="first day")
    step.add_argument("--until", dest="ends_on", type=iso_date, metavar="YYYY-MM-DD", help="last day")
    step.add_argument("--text", help="a note for the applicant")
    step.add_argument("--title", help="the step's title (default: the title in the service's procedure)")
    step.add_argument("--document-file", metavar="PATH", help="a file (e.g. the decision PDF) to show with the step")
    step.add_argument("--document-title", help="title of the uploaded document (default: --title or the file name)")
    return main


def main(argv=None):
    arguments = parser().parse_args(argv)
    if not arguments.token:
        parser().error("give --token or set PORTAL_TOKEN")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    client = PortalClient(arguments.portal, arguments.token)
    workflow = DemoWorkflow(client, ask=getattr(arguments, "ask", False), say=say)
    try:
        if arguments.command == "milestone":
            report_step(client, arguments)
        elif arguments.command == "feed":
            run_feed(client, workflow, follow=arguments.follow, interval=arguments.interval)
        else:
            if not arguments.secret:
                parser().error("give --secret or set WEBHOOK_SECRET")
            run_listener(
                workflow, host=arguments.host, port=arguments.port, path=arguments.path, secret=arguments.secret
            )
    except ApiError as error:
        say(f"the portal refused: {error}")
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line of the reference client.

    python -m integrations.client --portal http://127.0.0.1:8000 --token gpk_… feed [--follow] [--ask]
    python -m integrations.client --portal http://127.0.0.1:8000 --token gpk_… listen --port 8765 \\
        --secret whsec_… [--ask]

`feed` reads the pull feed and acknowledges what it handled (no inbound port needed); `listen` receives the
portal's webhooks. PORTAL_URL, PORTAL_TOKEN and WEBHOOK_SECRET are the defaults of the options.
"""

import argparse
import http.client
import logging
import os
import sys
import time

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
    return main


def main(argv=None):
    arguments = parser().parse_args(argv)
    if not arguments.token:
        parser().error("give --token or set PORTAL_TOKEN")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    client = PortalClient(arguments.portal, arguments.token)
    workflow = DemoWorkflow(client, ask=arguments.ask, say=say)
    try:
        if arguments.command == "feed":
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

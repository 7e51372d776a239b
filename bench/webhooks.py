"""Bench: events → signed webhook deliveries with ONE django-q2 worker, against the bare HTTP POST.

    .venv/bin/python bench/webhooks.py [--events 200] [--paced 30] [--interval 0.25] [--keep]

Builds a throwaway SQLite portal in a temporary directory (tests/processes.py), starts a receiver on
127.0.0.1, measures plain POSTs to it, then lets one qcluster worker deliver events:
  burst  – `--events` events committed back to back while the worker drains the queue (throughput);
  paced  – `--paced` events, one every `--interval` s, so each finds the worker idle (latency).
Latency is event committed → request received, both stamped with this machine's clock. See bench/README.md.
"""

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 — after the path set-up, like the imports below

from integrations import signing  # noqa: E402 — plain module, no Django needed
from tests.processes import Portal, wait_until  # noqa: E402

SETUP = """
import json
from integrations.models import SpecialistApplication, WebhookEndpoint

application = SpecialistApplication.objects.create(
    name="Bench", slug="bench", destinations="bench", read_types=["cases"]
)
endpoint = WebhookEndpoint.objects.create(application=application, url={url!r})
print(json.dumps({{"secret": endpoint.secret}}))
"""

# Each event in its own transaction, as a submission makes it; the time is taken the moment it committed.
EMIT = """
import json, time
from django.db import transaction
from integrations.events import emit

committed = {{}}
for number in range({count}):
    stamp = {{}}
    with transaction.atomic():
        transaction.on_commit(lambda: stamp.setdefault("at", time.time()))
        event = emit(
            "case.submitted", record_type="cases", subject_id=number + 1,
            subject_ref="BENCH-{phase}-%05d" % (number + 1), destination="bench",
        )
    committed[event.pk] = stamp["at"]
    if {interval}:
        time.sleep({interval})
print(json.dumps(committed))
"""


class Receiver:
    """Answers 204 at once and records when each request arrived (nothing slow on the timed path)."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                self.send_response(204)
                self.end_headers()
                with receiver.lock:
                    receiver.received.append((at, self.path, dict(self.headers.items()), body))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def webhooks(self):
        with self.lock:
            return [item for item in self.received if item[1] == "/hooks"]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(name, latencies_s, elapsed_s):
    ms = [value * 1000 for value in latencies_s]
    return {
        "name": name,
        "n": len(ms),
        "rate": len(ms) / elapsed_s if elapsed_s else float("nan"),
        "mean": statistics.fmean(ms),
        "p50": percentile(ms, 0.5),
        "p95": percentile(ms, 0.95),
        "max": max(ms),
    }


def bare_posts(receiver, secret, count):
    """The cost of the HTTP request alone: the same kind of body and headers, a new connection each time."""
    body = json.dumps(
        {
            "id": 1,
            "type": "case.submitted",
            "schemaVersion": 1,
            "timestamp": "2026-01-01T00:00:00.000000Z",
            "data": {"recordType": "cases", "id": "1", "reference": "BENCH-bare-00001", "destination": "bench"},
        },
        separators=(",", ":"),
    ).encode()
    durations = []
    started = time.perf_counter()
    for number in range(count):
        headers = signing.headers(secret, f"msg_bare_{number}", body)
        before = time.perf_counter()
        response = requests.post(receiver.url + "/bare", data=body, headers=headers, timeout=10, allow_redirects=False)
        durations.append(time.perf_counter() - before)
        response.raise_for_status()
    return summary("bare HTTP POST", durations, time.perf_counter() - started)


def run_phase(portal, receiver, phase, count, interval):
    """Commit `count` events and wait until the receiver has all their webhooks; return (summary, requests)."""
    seen_before = len(receiver.webhooks())
    output = portal.shell(EMIT.format(count=count, interval=interval, phase=phase), timeout=600)
    committed = {int(pk): at for pk, at in json.loads(output.strip().splitlines()[-1]).items()}
    wait_until(
        lambda: len(receiver.webhooks()) - seen_before >= count,
        timeout=max(120, count),
        interval=0.2,
        message=f"{count} webhooks of the {phase} phase",
    )
    requests_seen = receiver.webhooks()[seen_before:]
    arrived = {}
    for at, _path, _headers, body in requests_seen:
        arrived.setdefault(json.loads(body)["id"], at)
    latencies = [arrived[pk] - at for pk, at in committed.items()]
    elapsed = max(arrived.values()) - min(committed.values())
    label = "webhooks, burst" if not interval else f"webhooks, one every {interval:g} s"
    result = summary(label, latencies, elapsed)
    if interval:
        result["rate"] = None  # the pace was set by --interval, not by the worker
    spread = max(committed.values()) - min(committed.values())
    result["committed_rate"] = (len(committed) - 1) / spread if spread else float("inf")
    return result, requests_seen


def print_table(rows):
    print(f"{'':34}{'n':>6}{'per s':>9}{'mean ms':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for row in rows:
        print(
            f"{row['name']:34}{row['n']:>6}{'-' if row['rate'] is None else format(row['rate'], '.1f'):>9}"
            f"{row['mean']:>10.1f}"
            f"{row['p50']:>9.1f}{row['p95']:>9.1f}{row['max']:>9.1f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="events in the burst phase (default 200)")
    parser.add_argument("--paced", type=int, default=30, help="events in the paced phase (default 30, 0 = skip)")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between paced events")
    parser.add_argument("--keep", action="store_true", help="keep the temporary portal directory and its logs")
    args = parser.parse_args(argv)

    directory = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    receiver = Receiver()
    portal = Portal(directory, Q_WORKERS=1, INTEGRATIONS_WEBHOOK_TIMEOUT=10)
    try:
        print(f"portal in {directory}: migrating …", file=sys.stderr)
        portal.manage("migrate", "--noinput")
        secret = json.loads(portal.shell(SETUP.format(url=receiver.url + "/hooks")).strip().splitlines()[-1])["secret"]

        print(f"bare POSTs × {args.events} …", file=sys.stderr)
        bare = bare_posts(receiver, secret, args.events)

        portal.start_cluster()
        # The guard's "running" line names the queue in brackets, whatever language the log is in.
        wait_until(lambda: "[gemeindeportal]" in portal.log("cluster"), timeout=60, message="qcluster start")
        rows, delivered = [bare], []
        print(f"burst: {args.events} events …", file=sys.stderr)
        burst, seen = run_phase(portal, receiver, "burst", args.events, 0)
        rows.append(burst)
        delivered += seen
        if args.paced:
            print(f"paced: {args.paced} events, one every {args.interval:g} s …", file=sys.stderr)
            paced, seen = run_phase(portal, receiver, "paced", args.paced, args.interval)
            rows.append(paced)
            delivered += seen
    finally:
        portal.stop_all()
        receiver.stop()

    valid = sum(signing.verify(secret, headers, body, tolerance=3600) for _at, _path, headers, body in delivered)
    ids = [headers.get("webhook-id") for _at, _path, headers, body in delivered]
    print()
    print("Webhook delivery bench: 1 worker (django-q2, ORM broker), SQLite WAL, receiver on 127.0.0.1")
    print_table(rows)
    print()
    print(
        f"throughput, burst webhooks / bare POSTs: {burst['rate'] / bare['rate']:.2f} "
        f"({1000 / burst['rate'] - bare['mean']:.1f} ms of portal work per delivery on top of the POST)"
    )
    pace = "the worker" if burst["committed_rate"] > burst["rate"] else "committing the events, not the worker"
    print(f"(the burst's events were committed at {burst['committed_rate']:.0f}/s: {pace} set the pace)")
    if args.paced:
        print(f"p95 latency, paced webhooks / bare POST: {paced['p95'] / bare['p95']:.1f}×")
    print(f"signatures valid: {valid}/{len(delivered)}; duplicate webhook-ids: {len(ids) - len(set(ids))}")
    if args.keep:
        print(f"logs and database kept in {directory}")
    else:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

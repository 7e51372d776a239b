"""Receiving the portal's webhooks: Standard Webhooks signatures, duplicates, and a small HTTP receiver.

The portal signs each delivery with the endpoint's secret ("whsec_" + base64 key):

    webhook-id:        msg_<event>_<endpoint>   (the same on every retry of the delivery)
    webhook-timestamp: unix seconds
    webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>   (several, space-separated,
                       while a secret is being rotated)

The receiver answers at once (2xx within the portal's timeout) and does the work afterwards in a worker
thread; a non-2xx answer or no answer makes the portal try again later.
"""

import base64
import collections
import hashlib
import hmac
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

TOLERANCE = 300  # seconds a signature stays valid: older deliveries may be replays


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh delivery of the portal."""


def _key(secret):
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret, msg_id, timestamp, body):
    """The signature header value the portal sends for `body` (bytes): "v1,<base64>"."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def verify_signature(secret, headers, body, tolerance=TOLERANCE, now=None):
    """Return the event (parsed JSON) if `body` (bytes) is signed with `secret`; raise WebhookVerificationError.

    `headers` is any mapping of the request headers (names in any case).
    """
    headers = {name.lower(): value for name, value in headers.items()}
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise WebhookVerificationError("webhook-id, webhook-timestamp or webhook-signature missing")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        raise WebhookVerificationError(f"timestamp {sent_at} is more than {tolerance} s away from now")
    expected = sign(secret, msg_id, sent_at, body).encode()
    # Compare every offered v1 signature in constant time; one match is enough.
    if not any(hmac.compare_digest(expected, offered.encode()) for offered in signatures.split()):
        raise WebhookVerificationError("no valid v1 signature")
    try:
        return json.loads(body)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None


class SeenIds:
    """Webhook ids handled lately: a retried delivery (same id) is acknowledged but not handled twice."""

    def __init__(self, size=10_000):
        self._ids = collections.OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, msg_id):
        """True if `msg_id` is new (and now remembered), False for a duplicate."""
        with self._lock:
            if msg_id in self._ids:
                return False
            self._ids[msg_id] = True
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


class WebhookReceiver(ThreadingHTTPServer):
    """POST <path>: verify, answer 204 at once, then pass the event to `handle` in one worker thread (in order)."""

    daemon_threads = True

    def __init__(self, address, *, secret, handle, path="/webhooks", say=print):
        super().__init__(address, _WebhookRequestHandler)
        self.secret = secret
        self.handle_event = handle
        self.webhook_path = path
        self.say = say
        self.seen = SeenIds()
        self.events = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="webhook-worker", daemon=True)
        self.worker.start()

    def _work(self):
        while (event := self.events.get()) is not None:
            try:
                self.handle_event(event)
            except Exception as error:  # keep receiving; the feed still has the event for a later catch-up
                self.say(f"event {event.get('id')} ({event.get('type')}) failed: {error!r}")

    def server_close(self):
        self.events.put(None)
        super().server_close()


class _WebhookRequestHandler(BaseHTTPRequestHandler):
    server_version = "ReferenceClient/1.0"

    def do_POST(self):  # noqa: N802 — the name http.server looks for
        server = self.server
        if urlsplit(self.path).path != server.webhook_path:
            return self._answer(404)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event = verify_signature(server.secret, self.headers, body)
        except WebhookVerificationError as error:
            server.say(f"webhook refused (401): {error}")
            return self._answer(401)
        msg_id = self.headers["webhook-id"]
        data = event.get("data", {})
        if not server.seen.add(msg_id):
            server.say(f"webhook {msg_id} already handled → ignored")
            return self._answer(204)
        server.say(f"webhook {msg_id} signature verified: {event.get('type')} {data.get('reference', '')}".rstrip())
        self._answer(204)
        server.events.put(event)

    def do_GET(self):  # noqa: N802
        self._answer(200, f"Reference client: the portal POSTs webhooks to {self.server.webhook_path}\n".encode())

    def _answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if body:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 — the receiver prints its own, readable lines
        pass

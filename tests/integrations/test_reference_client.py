"""The reference client without a portal: signatures, the webhook receiver, multipart, its PDF, retries, workflow."""

import datetime
import email.parser
import email.policy
import json
import re
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import filetype
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from integrations.client import ApiError, PortalClient, WebhookVerificationError, sign, verify_signature
from integrations.client.__main__ import run_feed
from integrations.client.api import encode_multipart
from integrations.client.pdf import simple_pdf
from integrations.client.webhooks import WebhookReceiver
from integrations.client.workflow import DemoWorkflow
from services.forms import validate_upload

SECRET = "whsec_bXVzdGVyd2lsLWRlbW8td2ViaG9vay1zZWNyZXQtMzI="
BODY = json.dumps({"id": 7, "type": "case.submitted", "data": {"reference": "MW-2026-00012"}}).encode()
NOW = 1_780_000_000


def signed_headers(body=BODY, secret=SECRET, msg_id="msg_7_1", timestamp=NOW):
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


# --- signatures ------------------------------------------------------------------------------------------


def test_signature_matches_the_example_of_the_standard_webhooks_specification():
    body = b'{"test": 2432232314}'
    signature = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_valid_signature_returns_the_event():
    event = verify_signature(SECRET, signed_headers(), BODY, now=NOW + 10)
    assert event["data"]["reference"] == "MW-2026-00012"


def test_header_names_are_case_insensitive():
    headers = {name.upper(): value for name, value in signed_headers().items()}
    assert verify_signature(SECRET, headers, BODY, now=NOW)["id"] == 7


@pytest.mark.parametrize(
    ("secret", "body", "now", "reason"),
    [
        ("whsec_" + "A" * 44, BODY, NOW, "no valid v1 signature"),
        (SECRET, BODY.replace(b"MW-2026-00012", b"MW-2026-00013"), NOW, "no valid v1 signature"),
        (SECRET, BODY, NOW + 301, "more than 300 s"),
        (SECRET, BODY, NOW - 301, "more than 300 s"),
    ],
    ids=["wrong secret", "tampered body", "too old", "from the future"],
)
def test_an_invalid_signature_is_refused(secret, body, now, reason):
    with pytest.raises(WebhookVerificationError, match=reason):
        verify_signature(secret, signed_headers(), body, now=now)


def test_one_valid_signature_among_several_is_enough():
    headers = signed_headers()
    other = sign("whsec_" + "B" * 44, "msg_7_1", NOW, BODY)
    headers["webhook-signature"] = f"{other} v1a,whatever {headers['webhook-signature']}"
    assert verify_signature(SECRET, headers, BODY, now=NOW)["id"] == 7
    headers["webhook-signature"] = f"{other} v1,{'A' * 44}"
    with pytest.raises(WebhookVerificationError):
        verify_signature(SECRET, headers, BODY, now=NOW)


def test_missing_headers_are_refused():
    headers = signed_headers()
    del headers["webhook-signature"]
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify_signature(SECRET, headers, BODY, now=NOW)


# --- the webhook receiver --------------------------------------------------------------------------------


@pytest.fixture
def receiver():
    handled = []
    lines = []
    server = WebhookReceiver(("127.0.0.1", 0), secret=SECRET, handle=handled.append, say=lines.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handled, lines
    server.shutdown()
    server.server_close()


def post(server, headers, body=BODY, path="/webhooks"):
    url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 — the receiver on 127.0.0.1
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.01)
    return predicate()


def test_receiver_answers_204_and_handles_a_signed_event_once(receiver):
    server, handled, lines = receiver
    headers = signed_headers(timestamp=int(time.time()))
    assert post(server, headers) == 204
    assert post(server, headers) == 204  # the portal retried: same webhook-id
    assert wait_for(lambda: len(handled) == 1)
    assert handled[0]["data"]["reference"] == "MW-2026-00012"
    assert "webhook msg_7_1 signature verified: case.submitted MW-2026-00012" in lines
    assert "webhook msg_7_1 already handled → ignored" in lines
    assert len(handled) == 1


def test_receiver_refuses_a_bad_signature_with_401(receiver):
    server, handled, lines = receiver
    headers = signed_headers(secret="whsec_" + "A" * 44, timestamp=int(time.time()))
    assert post(server, headers) == 401
    assert post(server, signed_headers(timestamp=int(time.time()) - 3600)) == 401
    assert post(server, signed_headers(timestamp=int(time.time())), path="/elsewhere") == 404
    assert handled == []
    assert lines[0] == "webhook refused (401): no valid v1 signature"


# --- multipart -------------------------------------------------------------------------------------------


def test_multipart_parses_back_with_django_and_the_email_parser():
    content = bytes(range(256)) + b"\r\n--not-a-boundary\r\n"
    body, content_type = encode_multipart(
        [("title", "Entscheid für Rita"), ("reasons", "eins"), ("reasons", "zwei")],
        [("file", "Entscheid-Grüsse.pdf", content, "application/pdf")],
    )

    request = RequestFactory().generic("POST", "/upload", data=body, content_type=content_type)
    assert request.POST["title"] == "Entscheid für Rita"
    assert request.POST.getlist("reasons") == ["eins", "zwei"]
    upload = request.FILES["file"]
    assert (upload.name, upload.content_type, upload.read()) == ("Entscheid-Grüsse.pdf", "application/pdf", content)

    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    assert parts["file"].get_content_type() == "application/pdf"
    assert parts["file"].get_payload(decode=True) == content


def test_multipart_guesses_the_content_type_from_the_file_name():
    body, content_type = encode_multipart([], [("file", "plan.pdf", b"%PDF-1.4")])
    request = RequestFactory().generic("POST", "/upload", data=body, content_type=content_type)
    assert request.FILES["file"].content_type == "application/pdf"


# --- the decision PDF ------------------------------------------------------------------------------------


def test_the_decision_pdf_passes_the_portals_content_check():
    pdf = simple_pdf(["Entscheid zu Geschäft MW-2026-00012 (Demo)", "Backslash \\ bleibt"])
    assert filetype.guess(pdf).mime == "application/pdf"
    assert validate_upload(SimpleUploadedFile("Entscheid.pdf", pdf)) == "application/pdf"
    assert b"(Entscheid zu Gesch\xe4ft MW-2026-00012 \\(Demo\\)) Tj" in pdf
    assert pdf.endswith(b"%%EOF\n")


def test_the_decision_pdf_cross_reference_table_points_at_its_objects():
    pdf = simple_pdf(["Eine Zeile"])
    xref_at = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[xref_at:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n", pdf[xref_at:])
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj\n" % number)
    length = int(re.search(rb"/Length (\d+)", pdf).group(1))
    stream_at = pdf.index(b"stream\n") + len(b"stream\n")
    assert pdf[stream_at + length :].startswith(b"endstream")


# --- retries and problems --------------------------------------------------------------------------------


class FakePortal(ThreadingHTTPServer):
    """Answers the queued (status, headers, body) in turn and records every request it got."""

    daemon_threads = True

    def __init__(self, answers):
        super().__init__(("127.0.0.1", 0), _FakePortalHandler)
        self.answers = list(answers)
        self.requests = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class _FakePortalHandler(BaseHTTPRequestHandler):
    def _respond(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append({"method": self.command, "path": self.path, "headers": self.headers, "body": body})
        status, headers, payload = self.server.answers.pop(0)
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _respond  # noqa: N815

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def fake_portal():
    servers = []

    def start(*answers):
        server = FakePortal(answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


SUMMARY = {"reference": "MW-2026-00012", "status": "in_progress"}


def test_a_post_is_retried_after_503_with_the_same_idempotency_key(fake_portal):
    portal = fake_portal(
        (503, {"Retry-After": "0"}, {"title": "Service unavailable", "status": 503}),
        (200, {}, SUMMARY),
        (200, {}, SUMMARY),
    )
    client = PortalClient(portal.url, "gpk_test", backoff=0)

    assert client.set_status("MW-2026-00012", "in_progress", text="Wir prüfen.") == SUMMARY
    first, retry = portal.requests
    assert first["path"] == retry["path"] == "/api/v1/cases/MW-2026-00012/status"
    assert first["headers"]["Idempotency-Key"] == retry["headers"]["Idempotency-Key"]
    assert first["body"] == retry["body"]
    assert json.loads(retry["body"]) == {"status": "in_progress", "text": "Wir prüfen."}
    assert retry["headers"]["Authorization"] == "Bearer gpk_test"

    client.set_status("MW-2026-00012", "in_progress")
    assert portal.requests[2]["headers"]["Idempotency-Key"] != first["headers"]["Idempotency-Key"]


def test_a_problem_is_raised_with_its_details_and_not_retried(fake_portal):
    problem = {
        "type": "urn:gemeindeportal:problem:invalid-transition",
        "title": "Conflict",
        "status": 409,
        "detail": "A case in status “Completed” cannot change to “In progress”.",
    }
    portal = fake_portal((409, {"Content-Type": "application/problem+json"}, problem))
    client = PortalClient(portal.url, "gpk_test", backoff=0)

    with pytest.raises(ApiError) as raised:
        client.set_status("MW-2026-00012", "in_progress")
    assert raised.value.status == 409
    assert raised.value.type.endswith(":invalid-transition")
    assert raised.value.problem["detail"] == problem["detail"]
    assert len(portal.requests) == 1


def test_the_retries_give_up_with_the_last_problem(fake_portal):
    unavailable = (503, {}, {"title": "Service unavailable", "status": 503, "detail": "down"})
    portal = fake_portal(unavailable, unavailable)
    client = PortalClient(portal.url, "gpk_test", retries=1, backoff=0)
    with pytest.raises(ApiError, match="503"):
        client.ack(12)
    assert len(portal.requests) == 2


def test_reads_send_the_query_and_no_idempotency_key(fake_portal):
    portal = fake_portal((200, {}, {"events": [], "next": "12", "hasMore": False}))
    client = PortalClient(portal.url + "/", "gpk_test")
    assert client.events(after=12, limit=50)["next"] == "12"
    request = portal.requests[0]
    assert request["path"] == "/api/v1/events?after=12&limit=50"
    assert "Idempotency-Key" not in request["headers"]


def test_a_document_is_uploaded_as_multipart(fake_portal):
    portal = fake_portal((201, {}, {"id": 3, "title": "Entscheid"}))
    client = PortalClient(portal.url, "gpk_test")
    client.upload_document("MW-2026-00012", "Entscheid.pdf", b"%PDF-1.4 ...", title="Entscheid")
    request = portal.requests[0]
    upload = RequestFactory().generic(
        "POST", "/", data=request["body"], content_type=request["headers"]["Content-Type"]
    )
    assert upload.POST["title"] == "Entscheid"
    assert upload.FILES["file"].read() == b"%PDF-1.4 ..."
    assert request["headers"]["Idempotency-Key"]


# --- the demo workflow -----------------------------------------------------------------------------------


class RecordingClient:
    """Stands in for PortalClient: answers reads from `case`, records writes."""

    def __init__(self, case):
        self.envelope = {"header": {"messageId": "b6f7"}, "case": case}
        self.calls = []

    def case(self, reference):
        return self.envelope

    def document_content(self, href):
        self.calls.append(("read", href))
        return b"%PDF-1.4"

    def answers(self, reference):
        return [{"id": 1, "body": "Auf dem Dorfplatz, am 1. August."}]

    def __getattr__(self, name):
        def write(reference, *args, **kwargs):
            self.calls.append((name, *args))
            return {}

        return write


def demo_case(status="submitted", questions=()):
    return {
        "reference": "MW-2026-00012",
        "title": "Kontakt und Feedback",
        "status": status,
        "fields": [{"name": "nachricht"}],
        "attachments": [{"filename": "plan.pdf", "href": "/api/v1/cases/MW-2026-00012/documents/4/content"}],
        "questions": list(questions),
    }


SUBMITTED = {"type": "case.submitted", "data": {"reference": "MW-2026-00012"}}
ANSWERED = {"type": "case.question.answered", "data": {"reference": "MW-2026-00012"}}
TODAY = datetime.date(2026, 5, 4)


def test_workflow_with_a_question_acknowledges_and_asks():
    client = RecordingClient(demo_case())
    lines = []
    DemoWorkflow(client, ask=True, say=lines.append, today=lambda: TODAY).handle(SUBMITTED)
    names = [call[0] for call in client.calls]
    assert names == ["read", "acknowledge", "add_milestone", "set_status", "ask_question"]
    assert client.calls[1] == ("acknowledge", "received")
    assert client.calls[3] == ("set_status", "in_progress")
    assert "MW-2026-00012 question asked (answer by 2026-05-14) → waiting for the applicant" in lines


def test_workflow_completes_with_a_pdf_once_the_question_is_answered():
    answered = {"id": 9, "answeredAt": "2026-05-05T10:00:00Z", "withdrawnAt": None}
    client = RecordingClient(demo_case("in_progress", [answered]))
    DemoWorkflow(client, ask=True, say=lambda line: None, today=lambda: TODAY).handle(ANSWERED)
    upload, status = client.calls
    assert upload[0] == "upload_document" and upload[1] == "Entscheid-MW-2026-00012.pdf"
    assert filetype.guess(upload[2]).mime == "application/pdf"
    assert status[:2] == ("set_status", "completed")


def test_workflow_leaves_cases_alone_that_moved_on_or_still_wait():
    open_question = {"id": 9, "answeredAt": None, "withdrawnAt": None}
    for case, event in [
        (demo_case("received"), SUBMITTED),
        (demo_case("awaiting_applicant", [open_question]), ANSWERED),
    ]:
        client = RecordingClient(case)
        DemoWorkflow(client, say=lambda line: None).handle(event)
        assert client.calls == []


def test_document_content_follows_hrefs_of_the_portal_only(fake_portal):
    portal = fake_portal((200, {}, {}))
    client = PortalClient(portal.url, "gpk_test")
    with pytest.raises(ValueError, match="the token goes to the portal only"):
        client.document_content("https://elsewhere.example/api/v1/cases/MW-2026-00012/documents/4/content")
    client.document_content("/api/v1/cases/MW-2026-00012/documents/4/content")
    assert [request["path"] for request in portal.requests] == ["/api/v1/cases/MW-2026-00012/documents/4/content"]


# --- the feed loop ---------------------------------------------------------------------------------------


class FeedClient:
    base_url = "http://portal.example"

    def __init__(self, *pages):
        self.pages = list(pages)
        self.afters = []
        self.acks = []

    def events(self, after=None):
        self.afters.append(after)
        return self.pages.pop(0)

    def ack(self, cursor):
        self.acks.append(cursor)


def event(number):
    return {"id": number, "type": "case.submitted", "data": {"reference": f"MW-2026-{number:05d}"}}


def test_the_feed_is_read_page_by_page_and_each_page_acknowledged():
    client = FeedClient(
        {"events": [event(1), event(2)], "next": "2", "hasMore": True},
        {"events": [event(3)], "next": "3", "hasMore": False},
    )
    handled = []
    run_feed(client, type("Recorder", (), {"handle": staticmethod(handled.append)}))
    assert [item["id"] for item in handled] == [1, 2, 3]
    assert client.afters == [None, "2"]
    assert client.acks == ["2", "3"]


def test_a_page_whose_handling_met_a_portal_error_is_not_acknowledged():
    client = FeedClient({"events": [event(1)], "next": "1", "hasMore": False})

    def handle(item):
        raise ApiError(503, {"title": "Service unavailable", "status": 503})

    with pytest.raises(ApiError):
        run_feed(client, type("Failing", (), {"handle": staticmethod(handle)}))
    assert client.acks == []

"""Webhook push against a real HTTP receiver on 127.0.0.1: signing, retries, Retry-After, 410, timeouts, SSRF,
giving up and manual replay. The clock of retries is moved by passing `now`; nothing here waits for a retry."""

import json
import logging
import threading
import time
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from integrations import delivery, signing
from integrations.models import DeliveryAttempt, Event, WebhookDelivery, WebhookEndpoint
from tests.integration_fixtures import submit_case

Status = WebhookDelivery.Status


def answer(status=200, body=b"", delay=0.0, **headers):
    """One scripted answer of the receiver; headers with underscores become dashes (Retry_After → Retry-After)."""
    return {
        "status": status,
        "body": body,
        "delay": delay,
        "headers": {k.replace("_", "-"): v for k, v in headers.items()},
    }


class Receiver:
    """A webhook receiver on a free port of 127.0.0.1, in a thread: records each POST and answers from a script.

    `answers` is consumed in order; when it is empty the receiver answers `default`. `on_request(number)`, if
    set, runs in the handler thread before the answer is sent (the process tests use it to block).
    """

    def __init__(self, answers=(), default=None):
        self.answers = list(answers)
        self.default = default or answer(200, b"thanks")
        self.received = []
        self.on_request = None
        self.lock = threading.Lock()
        self.got_request = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers.items()), "body": body, "at": time.time()}
                    )
                    number = len(receiver.received)
                    script = receiver.answers.pop(0) if receiver.answers else receiver.default
                    receiver.got_request.notify_all()
                if receiver.on_request:
                    receiver.on_request(number)
                if script["delay"]:
                    time.sleep(script["delay"])
                try:
                    self.send_response(script["status"])
                    for name, value in script["headers"].items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(script["body"])))
                    self.end_headers()
                    self.wfile.write(script["body"])
                except OSError:
                    pass  # the sender gave up (timeout, killed worker): nobody reads the answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count, timeout=30):
        with self.lock:
            return self.got_request.wait_for(lambda: len(self.received) >= count, timeout=timeout)

    def __len__(self):
        with self.lock:
            return len(self.received)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(make_application, service_page, receiver):
    application, _token = make_application(services=[service_page])
    return WebhookEndpoint.objects.create(application=application, url=receiver.url)


@pytest.fixture
def short_schedule(settings):
    settings.INTEGRATIONS_WEBHOOK_RETRY_DELAYS = [60, 300, 1800]
    return settings.INTEGRATIONS_WEBHOOK_RETRY_DELAYS


def pending_delivery(service_page, resident, endpoint):
    """A submission whose delivery is recorded but not yet sent (on-commit callbacks do not run in these tests)."""
    case = submit_case(service_page, resident)
    return WebhookDelivery.objects.get(endpoint=endpoint, event__subject_id=str(case.pk))


def attempts_of(item):
    return list(DeliveryAttempt.objects.filter(delivery=item).order_by("number"))


# --- the happy path, end to end ---------------------------------------------------------------------------


def test_a_submission_is_pushed_on_commit_signed_and_without_personal_data(
    service_page, resident, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(service_page, resident)

    assert len(receiver) == 1
    request = receiver.received[0]
    event = Event.objects.get(type="case.submitted", subject_id=str(case.pk))
    sent = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["webhook-id"] == sent.message_id == f"msg_{event.pk}_{endpoint.pk}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Gemeindeportal-Webhooks/1.0"
    assert signing.verify(endpoint.secret, request["headers"], request["body"]) is True
    with pytest.raises(signing.InvalidSignature):
        signing.verify(WebhookEndpoint(application=endpoint.application).secret, request["headers"], request["body"])

    body = json.loads(request["body"])
    assert body == event.payload()
    assert body["type"] == "case.submitted"
    assert body["data"] == {"recordType": "cases", "id": str(case.pk), "reference": case.reference, "destination": ""}
    text = request["body"].decode()
    for personal in ("Anna", "Muster", "anna.muster@example.org", "SG 12345", "Bitte rasch", "Dorfstrasse"):
        assert personal not in text

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_status_code, sent.locked_until) == (Status.DELIVERED, 1, 200, None)
    (logged,) = attempts_of(sent)
    assert (logged.number, logged.status_code, logged.error, logged.manual) == (1, 200, "", False)
    assert logged.response_excerpt == "thanks"


def test_the_body_is_compact_json(service_page, resident, endpoint, receiver):
    item = pending_delivery(service_page, resident, endpoint)

    delivery.attempt(item.pk)

    assert receiver.received[0]["body"] == json.dumps(item.event.payload(), separators=(",", ":")).encode()


# --- faults ---------------------------------------------------------------------------------------------


def test_three_server_errors_then_success_delivers_exactly_once_more(
    service_page, resident, endpoint, receiver, short_schedule, django_capture_on_commit_callbacks
):
    receiver.answers = [answer(500, b"down"), answer(500, b"down"), answer(500, b"down"), answer(200, b"ok")]
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(service_page, resident)
    item = WebhookDelivery.objects.get(endpoint=endpoint, event__subject_id=str(case.pk))
    assert len(receiver) == 1

    clock = timezone.now()
    for _sweep in range(3):
        item.refresh_from_db()
        # A sweep before the retry is due sends nothing …
        delivery.deliver_due(now=item.next_attempt_at - timedelta(seconds=1))
        # … and one when it is.
        clock = item.next_attempt_at + timedelta(seconds=1)
        delivery.deliver_due(now=clock)
    for _later in range(3):
        clock += timedelta(days=1)
        assert delivery.deliver_due(now=clock) == 0

    assert len(receiver) == 4
    assert {request["headers"]["webhook-id"] for request in receiver.received} == {item.message_id}
    for request in receiver.received:
        assert signing.verify(endpoint.secret, request["headers"], request["body"]) is True
    item.refresh_from_db()
    assert (item.status, item.attempts, item.last_status_code) == (Status.DELIVERED, 4, 200)
    logged = attempts_of(item)
    assert [(row.number, row.status_code) for row in logged] == [(1, 500), (2, 500), (3, 500), (4, 200)]
    assert [row.response_excerpt for row in logged] == ["down", "down", "down", "ok"]


def test_the_wait_grows_with_each_failure_within_the_jitter(service_page, resident, endpoint, receiver, short_schedule):
    receiver.default = answer(500)
    item = pending_delivery(service_page, resident, endpoint)
    clock = timezone.now()

    waits = []
    for _attempt in short_schedule:
        delivery.attempt(item.pk, now=clock)
        item.refresh_from_db()
        waits.append((item.next_attempt_at - clock).total_seconds())
        clock = item.next_attempt_at

    for wait, configured in zip(waits, short_schedule, strict=True):
        assert configured * 0.8 <= wait <= configured * 1.2
    assert waits == sorted(waits)


def test_jitter_spreads_retries_within_twenty_percent(settings):
    settings.INTEGRATIONS_WEBHOOK_RETRY_DELAYS = [100, 1000]

    first = {delivery.retry_delay(1).total_seconds() for _ in range(200)}
    second = {delivery.retry_delay(2).total_seconds() for _ in range(200)}

    assert min(first) >= 80 and max(first) <= 120 and len(first) > 100
    assert min(second) >= 800 and max(second) <= 1200
    assert delivery.retry_delay(3) is None
    assert delivery.retry_delay(0) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("7200", timedelta(hours=2), id="seconds"),
        pytest.param(str(7 * 24 * 3600), timedelta(hours=24), id="capped at a day"),
    ],
)
def test_retry_after_that_asks_for_longer_is_honoured(
    service_page, resident, endpoint, receiver, short_schedule, header, expected
):
    receiver.answers = [answer(503, Retry_After=header)]
    item = pending_delivery(service_page, resident, endpoint)
    clock = timezone.now()

    delivery.attempt(item.pk, now=clock)

    item.refresh_from_db()
    assert item.next_attempt_at - clock == expected
    assert (item.status, item.last_status_code) == (Status.PENDING, 503)


def test_retry_after_as_an_http_date(service_page, resident, endpoint, receiver, short_schedule):
    receiver.answers = [answer(429, Retry_After=format_datetime(timezone.now() + timedelta(hours=3), usegmt=True))]
    item = pending_delivery(service_page, resident, endpoint)
    clock = timezone.now()

    delivery.attempt(item.pk, now=clock)

    item.refresh_from_db()
    # HTTP dates have whole seconds.
    assert timedelta(hours=3) - timedelta(seconds=5) <= item.next_attempt_at - clock <= timedelta(hours=3)


def test_retry_after_shorter_than_the_schedule_does_not_hurry_us(
    service_page, resident, endpoint, receiver, short_schedule
):
    receiver.answers = [answer(503, Retry_After="1")]
    item = pending_delivery(service_page, resident, endpoint)
    clock = timezone.now()

    delivery.attempt(item.pk, now=clock)

    item.refresh_from_db()
    assert timedelta(seconds=48) <= item.next_attempt_at - clock <= timedelta(seconds=72)


def test_410_gone_disables_the_endpoint_and_cancels_what_is_pending(service_page, resident, endpoint, receiver):
    receiver.default = answer(410, b"we moved")
    first = pending_delivery(service_page, resident, endpoint)
    second = pending_delivery(service_page, resident, endpoint)

    delivery.attempt(first.pk)
    assert delivery.deliver_due(now=timezone.now() + timedelta(days=4)) == 0

    assert len(receiver) == 1
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert "410" in endpoint.disabled_reason
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.last_status_code) == (Status.CANCELLED, 410)
    assert second.status == Status.CANCELLED
    assert [row.status_code for row in attempts_of(first)] == [410]
    # New events no longer create deliveries for the disabled endpoint.
    submit_case(service_page, resident)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


def test_a_receiver_slower_than_the_timeout_is_logged_as_an_error(
    service_page, resident, endpoint, receiver, settings, short_schedule
):
    settings.INTEGRATIONS_WEBHOOK_TIMEOUT = 0.3
    receiver.answers = [answer(200, delay=2)]
    item = pending_delivery(service_page, resident, endpoint)
    clock = timezone.now()

    delivery.attempt(item.pk, now=clock)

    (logged,) = attempts_of(item)
    assert logged.status_code is None
    assert logged.error == "No answer within 0.3 s."
    item.refresh_from_db()
    assert (item.status, item.last_error, item.locked_until) == (Status.PENDING, "No answer within 0.3 s.", None)
    assert item.next_attempt_at > clock


def test_a_receiver_that_is_down_is_logged_and_retried(service_page, resident, endpoint, short_schedule):
    endpoint.url = "http://127.0.0.1:9/hooks"  # the discard port: nothing listens there
    endpoint.save()
    item = pending_delivery(service_page, resident, endpoint)

    delivery.attempt(item.pk)

    (logged,) = attempts_of(item)
    assert logged.status_code is None and logged.error.startswith("Request failed:")
    item.refresh_from_db()
    assert item.status == Status.PENDING and item.attempts == 1


@pytest.mark.parametrize(
    ("use_https", "reason"),
    [pytest.param(False, "https", id="plain http"), pytest.param(True, "private", id="loopback address")],
)
def test_private_addresses_are_refused_in_production(
    service_page, resident, endpoint, receiver, settings, short_schedule, use_https, reason
):
    settings.INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = False
    if use_https:
        endpoint.url = receiver.url.replace("http://", "https://")
        endpoint.save()
    item = pending_delivery(service_page, resident, endpoint)

    delivery.attempt(item.pk)

    assert len(receiver) == 0
    (logged,) = attempts_of(item)
    assert logged.status_code is None
    assert logged.error.startswith("Refused:") and reason in logged.error
    item.refresh_from_db()
    assert item.status == Status.PENDING and item.next_attempt_at > timezone.now()


def test_redirects_are_not_followed(service_page, resident, endpoint, receiver, short_schedule):
    receiver.answers = [answer(302, Location=receiver.url + "/elsewhere")]
    item = pending_delivery(service_page, resident, endpoint)

    delivery.attempt(item.pk)

    assert [request["path"] for request in receiver.received] == ["/hooks"]
    (logged,) = attempts_of(item)
    assert logged.status_code == 302 and "Redirects are not followed" in logged.error
    item.refresh_from_db()
    assert item.status == Status.PENDING


def test_only_the_start_of_a_long_answer_is_kept(service_page, resident, endpoint, receiver):
    receiver.answers = [answer(500, b"x" * 5000)]
    item = pending_delivery(service_page, resident, endpoint)

    delivery.attempt(item.pk)

    assert attempts_of(item)[0].response_excerpt == "x" * 500


def test_after_the_last_delay_the_delivery_fails_and_is_logged(
    service_page, resident, endpoint, receiver, settings, caplog
):
    settings.INTEGRATIONS_WEBHOOK_RETRY_DELAYS = [60, 300]
    receiver.default = answer(500)
    item = pending_delivery(service_page, resident, endpoint)
    clock = timezone.now()

    with caplog.at_level(logging.ERROR, logger="integrations.delivery"):
        for _sweep in range(6):
            delivery.deliver_due(now=clock)
            clock += timedelta(hours=1)

    assert len(receiver) == 3
    item.refresh_from_db()
    assert (item.status, item.attempts, item.last_error, item.next_attempt_at) == (Status.FAILED, 3, "HTTP 500", None)
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert item.event.subject_ref in message and endpoint.url in message and "3 attempts" in message


def test_replay_of_a_failed_delivery_delivers_and_logs_a_manual_attempt(
    service_page, resident, endpoint, receiver, settings, admin_user, django_capture_on_commit_callbacks
):
    settings.INTEGRATIONS_WEBHOOK_RETRY_DELAYS = []
    receiver.answers = [answer(500)]
    item = pending_delivery(service_page, resident, endpoint)
    delivery.attempt(item.pk)
    item.refresh_from_db()
    assert item.status == Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        delivery.replay(item, by=admin_user)

    assert len(receiver) == 2
    assert receiver.received[0]["headers"]["webhook-id"] == receiver.received[1]["headers"]["webhook-id"]
    item.refresh_from_db()
    assert (item.status, item.attempts, item.replay_requested) == (Status.DELIVERED, 2, False)
    assert [(row.status_code, row.manual) for row in attempts_of(item)] == [(500, False), (200, True)]


def test_a_replay_picked_up_by_the_sweeper_is_still_manual(service_page, resident, endpoint, receiver):
    item = pending_delivery(service_page, resident, endpoint)
    delivery.attempt(item.pk)
    item.refresh_from_db()
    assert item.status == Status.DELIVERED

    delivery.replay(item)  # its queued task does not run here (no on-commit in this test) …
    assert delivery.deliver_due() == 1  # … the minute sweeper gets there first

    assert [(row.status_code, row.manual) for row in attempts_of(item)] == [(200, False), (200, True)]
    assert len(receiver) == 2


@pytest.mark.parametrize("switch_off", ["endpoint", "application", "event types", "scope"])
def test_deliveries_to_an_endpoint_that_no_longer_takes_them_are_cancelled_unsent(
    service_page, resident, endpoint, receiver, switch_off
):
    item = pending_delivery(service_page, resident, endpoint)
    application = endpoint.application
    if switch_off == "endpoint":
        endpoint.disable("test")
    elif switch_off == "application":
        application.is_active = False
        application.save()
    elif switch_off == "event types":
        endpoint.event_types = ["case.withdrawn"]
        endpoint.save()
    else:
        application.services.clear()

    assert delivery.attempt(item.pk) is None

    assert len(receiver) == 0
    item.refresh_from_db()
    assert (item.status, item.attempts) == (Status.CANCELLED, 0)
    assert item.last_error
    assert attempts_of(item) == []


# --- leases -----------------------------------------------------------------------------------------


def test_a_delivery_held_by_another_worker_is_left_alone_until_its_lease_runs_out(
    service_page, resident, endpoint, receiver
):
    item = pending_delivery(service_page, resident, endpoint)
    now = timezone.now()
    lease_end = now + timedelta(seconds=delivery.lease_seconds())
    WebhookDelivery.objects.filter(pk=item.pk).update(locked_until=lease_end)

    assert delivery.attempt(item.pk, now=now) is None
    assert delivery.attempt(item.pk, now=now, manual=True) is None
    assert delivery.deliver_due(now=now) == 0
    assert len(receiver) == 0

    # The holder died: after its lease the delivery is taken again.
    assert delivery.deliver_due(now=lease_end + timedelta(seconds=1)) == 1
    assert len(receiver) == 1
    item.refresh_from_db()
    assert (item.status, item.locked_until) == (Status.DELIVERED, None)


def test_a_task_for_a_delivery_that_is_not_due_sends_nothing(service_page, resident, endpoint, receiver):
    item = pending_delivery(service_page, resident, endpoint)
    WebhookDelivery.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert delivery.attempt(item.pk) is None
    assert len(receiver) == 0
    delivery.attempt(item.pk)  # again, e.g. a retried task

    assert len(receiver) == 0
    assert delivery.attempt(item.pk, manual=True) is not None
    assert len(receiver) == 1


def test_a_delivered_delivery_is_never_sent_again_by_tasks(service_page, resident, endpoint, receiver):
    from integrations import tasks

    item = pending_delivery(service_page, resident, endpoint)

    assert tasks.deliver(item.pk) is not None
    assert tasks.deliver(item.pk) is None
    assert tasks.deliver_event(item.event_id) == 0
    assert tasks.deliver_due() == 0
    assert len(receiver) == 1


def test_deliver_event_sends_to_every_endpoint_of_the_event(
    service_page, resident, endpoint, receiver, make_application
):
    other_receiver = Receiver().start()
    try:
        application, _token = make_application(services=[service_page])
        other = WebhookEndpoint.objects.create(application=application, url=other_receiver.url)
        item = pending_delivery(service_page, resident, endpoint)

        from integrations import tasks

        assert tasks.deliver_event(item.event_id) == 2
    finally:
        other_receiver.stop()

    assert len(receiver) == 1 and len(other_receiver) == 1
    assert other_receiver.received[0]["headers"]["webhook-id"] == f"msg_{item.event_id}_{other.pk}"


def test_old_idempotency_records_are_removed(application, settings):
    from integrations import tasks
    from integrations.models import IdempotencyRecord

    settings.INTEGRATIONS_IDEMPOTENCY_KEEP = timedelta(days=7)
    old = IdempotencyRecord.objects.create(
        application=application, key="old", method="POST", path="/x", request_hash="a" * 64
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    IdempotencyRecord.objects.create(
        application=application, key="new", method="POST", path="/x", request_hash="b" * 64
    )

    assert tasks.cleanup_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]

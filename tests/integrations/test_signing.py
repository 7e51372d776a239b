"""Standard Webhooks signatures: the value a receiver computes itself, and what verification refuses."""

import base64
import hashlib
import hmac

import pytest

from integrations import signing

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
BODY = b'{"id":7,"type":"case.submitted","data":{"id":"3","reference":"MW-2026-00003"}}'
MSG_ID = "msg_7_2"
SENT_AT = 1_790_000_000


def expected_signature(key, msg_id, timestamp, body):
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_signature_is_hmac_sha256_over_id_timestamp_and_body():
    assert signing.sign(SECRET, MSG_ID, SENT_AT, BODY) == expected_signature(KEY, MSG_ID, SENT_AT, BODY)


def test_headers_carry_id_timestamp_signature_and_content_type():
    sent = signing.headers(SECRET, MSG_ID, BODY, timestamp=SENT_AT)

    assert sent == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(SENT_AT),
        "webhook-signature": expected_signature(KEY, MSG_ID, SENT_AT, BODY),
        "Content-Type": "application/json",
        "User-Agent": "Gemeindeportal-Webhooks/1.0",
    }


def test_verify_accepts_the_right_secret_with_any_header_capitalisation():
    sent = signing.headers(SECRET, MSG_ID, BODY, timestamp=SENT_AT)
    shouted = {name.upper(): value for name, value in sent.items()}

    assert signing.verify(SECRET, sent, BODY, now=SENT_AT + 10) is True
    assert signing.verify(SECRET, shouted, BODY.decode(), now=SENT_AT - 10) is True


def test_verify_accepts_one_valid_signature_among_several():
    sent = signing.headers(SECRET, MSG_ID, BODY, timestamp=SENT_AT)
    other = expected_signature(b"another key", MSG_ID, SENT_AT, BODY)
    sent["webhook-signature"] = f"v1a,ignored {other} {sent['webhook-signature']}"

    assert signing.verify(SECRET, sent, BODY, now=SENT_AT) is True


@pytest.mark.parametrize(
    ("secret", "body", "now", "change"),
    [
        pytest.param("whsec_" + base64.b64encode(b"x" * 32).decode(), BODY, SENT_AT, {}, id="wrong secret"),
        pytest.param(SECRET, BODY.replace(b"00003", b"00004"), SENT_AT, {}, id="tampered body"),
        pytest.param(SECRET, BODY, SENT_AT + 301, {}, id="too old"),
        pytest.param(SECRET, BODY, SENT_AT - 301, {}, id="from the future"),
        pytest.param(SECRET, BODY, SENT_AT, {"webhook-id": "msg_8_2"}, id="other message id"),
        pytest.param(SECRET, BODY, SENT_AT, {"webhook-timestamp": str(SENT_AT + 1)}, id="other timestamp"),
        pytest.param(SECRET, BODY, SENT_AT, {"webhook-signature": ""}, id="no signature"),
        pytest.param(SECRET, BODY, SENT_AT, {"webhook-timestamp": "yesterday"}, id="timestamp not a number"),
    ],
)
def test_verify_refuses(secret, body, now, change):
    sent = {**signing.headers(SECRET, MSG_ID, BODY, timestamp=SENT_AT), **change}

    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, sent, body, now=now)


def test_tolerance_is_adjustable():
    sent = signing.headers(SECRET, MSG_ID, BODY, timestamp=SENT_AT)

    assert signing.verify(SECRET, sent, BODY, tolerance=3600, now=SENT_AT + 1800) is True
    with pytest.raises(signing.InvalidSignature):
        signing.verify(SECRET, sent, BODY, tolerance=5, now=SENT_AT + 6)


def test_a_secret_without_base64_is_refused():
    with pytest.raises(ValueError, match="whsec_"):
        signing.sign("whsec_not base64!", MSG_ID, SENT_AT, BODY)

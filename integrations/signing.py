"""Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>".

The secret is "whsec_" followed by the base64 of the key bytes. Receivers verify with the same function
(the reference client does), so sender and receiver can never disagree on the format.
"""

import base64
import binascii
import hashlib
import hmac
import time

SECRET_PREFIX = "whsec_"  # noqa: S105 — the Standard Webhooks marker, not a secret
USER_AGENT = "Gemeindeportal-Webhooks/1.0"


class InvalidSignature(ValueError):
    """The request was not signed with the endpoint's secret, was altered, or is too old or too new."""


def secret_key(secret):
    """The key bytes of a "whsec_…" secret."""
    encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from error


def _as_bytes(body):
    return body.encode() if isinstance(body, str) else bytes(body)


def sign(secret, msg_id, timestamp, body):
    """The signature header value for one message: "v1,<base64>"."""
    signed = f"{msg_id}.{int(timestamp)}.".encode() + _as_bytes(body)
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret, msg_id, body, timestamp=None):
    """Every header a webhook request carries; `timestamp` (unix seconds) defaults to now."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def _header(received, name):
    # Works for dicts with any capitalisation, Django's request.headers and http.server's message objects.
    value = received.get(name) if hasattr(received, "get") else None
    if value is None:
        wanted = name.lower()
        value = next((v for key, v in dict(received).items() if key.lower() == wanted), None)
    return value


def verify(secret, received_headers, body, tolerance=300, now=None):
    """Return True if the request is authentic and fresh; raise InvalidSignature otherwise.

    The signature header may hold several space-separated signatures (during a secret rotation the sender
    signs with both secrets); one valid "v1" signature is enough.
    """
    msg_id = _header(received_headers, "webhook-id")
    timestamp = _header(received_headers, "webhook-timestamp")
    signatures = _header(received_headers, "webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise InvalidSignature("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise InvalidSignature("webhook-timestamp is not a number of seconds") from error
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        raise InvalidSignature("webhook-timestamp is outside the tolerance")
    expected = sign(secret, msg_id, sent_at, body).encode()
    for candidate in signatures.split():
        version, _comma, _value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(candidate.encode(), expected):
            return True
    raise InvalidSignature("no valid signature")

"""`Idempotency-Key` for every POST/PUT/PATCH: the same key and body get the stored response again.

The record is written before the view runs (a second request with the key while the first is still
running gets 409), completed with the response afterwards, and dropped if the view failed with a 5xx so
the client may simply retry.
"""

import hashlib
import json

from django.db import IntegrityError, transaction

from ..models import IdempotencyRecord
from .problems import Problem

HEADER = "Idempotency-Key"
METHODS = {"POST", "PUT", "PATCH"}


class Replay(Exception):
    def __init__(self, record):
        self.record = record


def fingerprint(request):
    """A hash of what the request asks for: method, path and body (uploaded files by their content)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):
        plain = {key: values for key, values in data.lists() if key not in request.FILES}
    else:
        plain = data
    digest.update(json.dumps(plain, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"\n{name}:{upload.name}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def begin(request, application):
    """Return a new record to complete later, None without a key; raise Replay or a Problem otherwise."""
    key = request.headers.get(HEADER, "").strip()
    if request.method not in METHODS or not key:
        return None
    if len(key) > 255:
        raise Problem(400, "idempotency-key-invalid", "The Idempotency-Key may have at most 255 characters.")
    request_hash = fingerprint(request)
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                application=application, key=key, method=request.method, path=request.path, request_hash=request_hash
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.get(application=application, key=key)
    if existing.request_hash != request_hash:
        raise Problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
        )
    if existing.status_code is None:
        raise Problem(409, "idempotency-key-in-use", "A request with this Idempotency-Key is still being processed.")
    raise Replay(existing)


def complete(record, response):
    if record is None:
        return
    if response.status_code >= 500:
        record.delete()
        return
    record.status_code = response.status_code
    record.response_body = getattr(response, "data", None)
    location = response.get("Location") if hasattr(response, "get") else None
    record.response_headers = {"Location": location} if location else {}
    record.save(update_fields=["status_code", "response_body", "response_headers"])

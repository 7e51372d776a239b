"""HTTP calls to the portal's API under /api/v1/, authenticated with a bearer token.

Every write carries an `Idempotency-Key`: a fresh one per request, and the same one on each retry of that
request. A POST that reached the portal but whose answer was lost (timeout, dropped connection, 5xx) is
therefore applied once, however often it is sent.
"""

import http.client
import json
import logging
import mimetypes
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

logger = logging.getLogger("integrations.client")

USER_AGENT = "Gemeindeportal-Referenzclient/1.0"
# Worth another try with the same key: the portal was busy, restarting or briefly broken.
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 60


class ApiError(Exception):
    """The portal refused a request; `problem` holds its RFC 9457 problem details."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem
        text = f"{status} {problem.get('title', '')}: {problem.get('detail', '')}"
        for error in problem.get("errors", []):
            text += f"\n  {error.get('field') or '(request)'}: {error.get('detail')}"
        super().__init__(text)

    @property
    def type(self):
        """e.g. "urn:gemeindeportal:problem:invalid-transition"."""
        return self.problem.get("type", "")

    @property
    def errors(self):
        return self.problem.get("errors", [])


class PortalClient:
    """The portal's API for one specialist application (one token)."""

    def __init__(self, base_url, token, *, timeout=30, retries=3, backoff=0.5):
        self.base_url = base_url.rstrip("/")
        self.api_url = self.base_url + "/api/v1/"
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    # --- the event feed -------------------------------------------------------------------------------

    def events(self, after=None, limit=100):
        """{"events": [...], "next": cursor, "hasMore": bool}; without `after`, after the last acknowledged event."""
        return self._call("GET", "events", query={"after": after, "limit": limit})

    def ack(self, cursor):
        """Tell the portal that every event up to `cursor` is handled (a later `events()` starts after it)."""
        return self._call("POST", "events/ack", json_body={"cursor": int(cursor)})

    # --- reading cases --------------------------------------------------------------------------------

    def cases(self, *, status=None, service=None, updated_since=None, after=None, limit=None):
        """One page of case summaries: {"results": [...], "next": cursor or None}."""
        query = {"status": status, "service": service, "updatedSince": updated_since, "after": after, "limit": limit}
        return self._call("GET", "cases", query=query)

    def case(self, reference):
        """{"header": eCH-0058 envelope header, "case": the case with fields, applicant, attachments …}."""
        return self._call("GET", f"cases/{_segment(reference)}")

    def document_content(self, href):
        """The bytes of a document, from the `href` the case (or an answer) gave for it."""
        url = urllib.parse.urljoin(self.api_url, href)
        if not url.startswith(self.api_url):
            raise ValueError(f"{href} is not a document of {self.api_url}; the token goes to the portal only")
        return self._send("GET", url)[2]

    def answers(self, reference):
        """What the applicant wrote after submitting (answers to questions and messages), oldest first."""
        return self._call("GET", f"cases/{_segment(reference)}/answers")["results"]

    def answer(self, reference, answer_id):
        return self._call("GET", f"cases/{_segment(reference)}/answers/{int(answer_id)}")

    # --- reporting back -------------------------------------------------------------------------------

    def acknowledge(self, reference, result="received", reasons=()):
        """Confirm receipt ("received") or refuse the submission ("rejected", with reasons for the applicant)."""
        body = {"result": result}
        if reasons:
            body["reasons"] = list(reasons)
        return self._call("POST", f"cases/{_segment(reference)}/acknowledgement", json_body=body)

    def set_status(self, reference, status, text=""):
        """Move the case on ("in_progress", "completed", "rejected" …); 409 if the status cannot follow."""
        body = {"status": status, **({"text": text} if text else {})}
        return self._call("POST", f"cases/{_segment(reference)}/status", json_body=body)

    def add_milestone(self, reference, title, date=None, text=""):
        """A step of the procedure shown in the applicant's timeline, e.g. "Publikation" on 2026-12-01."""
        body = {"title": title, **({"date": _iso(date)} if date else {}), **({"text": text} if text else {})}
        return self._call("POST", f"cases/{_segment(reference)}/milestones", json_body=body)

    def put_milestone(self, reference, key, **fields):
        """Set where step `key` of the case's procedure stands; returns the step as the progress view shows it.

        `fields`: status ("pending", "active", "done", "skipped"), and optionally title, text, document_id and
        from_/until (or starts_on/ends_on) as dates or "YYYY-MM-DD". The step is replaced as a whole, so send
        everything it should show; the same state again changes nothing.
        """
        aliases = {"from_": "from", "starts_on": "from", "ends_on": "until", "document_id": "documentId"}
        body = {}
        for name, value in fields.items():
            name = aliases.get(name, name)
            body[name] = _iso(value) if name in ("from", "until") and value is not None else value
        return self._call("PUT", f"cases/{_segment(reference)}/milestones/{_segment(key)}", json_body=body)

    def milestones(self, reference):
        """The progress of a case: every step of the procedure with its status, dates, note and document."""
        return self._call("GET", f"cases/{_segment(reference)}/milestones")["results"]

    def send_message(self, reference, body, files=()):
        """A message to the applicant; `files` are (filename, bytes) or (filename, bytes, content type)."""
        return self._post_with_files(f"cases/{_segment(reference)}/messages", {"body": body}, files)

    def ask_question(self, reference, body, due_date=None, requested_documents=(), files=()):
        """A question the applicant must answer by `due_date`; the case then awaits their reply."""
        data = {"body": body, "requestedDocuments": list(requested_documents)}
        if due_date:
            data["dueDate"] = _iso(due_date)
        return self._post_with_files(f"cases/{_segment(reference)}/questions", data, files)

    def upload_document(self, reference, filename, content, title="", content_type=None):
        """A document for the applicant (e.g. the decision as PDF); returns the stored document."""
        return self._call(
            "POST",
            f"cases/{_segment(reference)}/documents",
            fields=[("title", title)] if title else [],
            files=[("file", filename, content, content_type)],
        )

    # --- plumbing -------------------------------------------------------------------------------------

    def _call(self, method, path, *, query=None, json_body=None, fields=None, files=None):
        url = self.api_url + path
        query = {key: value for key, value in (query or {}).items() if value is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        data = None
        if files is not None:
            data, headers["Content-Type"] = encode_multipart(fields or [], files)
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        _status, _headers, body = self._send(method, url, data, headers)
        return json.loads(body) if body else None

    def _post_with_files(self, path, data, files):
        """JSON without files; multipart/form-data with them (a list becomes a repeated field)."""
        if not files:
            return self._call("POST", path, json_body=data)
        fields = [(name, item) for name, value in data.items() for item in _as_list(value)]
        return self._call("POST", path, fields=fields, files=[("files", *file) for file in files])

    def _send(self, method, url, data=None, headers=None):
        """(status, headers, body) of the request, retried with the same Idempotency-Key when that may help."""
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": USER_AGENT, **(headers or {})}
        if method != "GET":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 — http(s) only
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                problem = _problem(error)
                in_use = error.code == 409 and problem.get("type", "").endswith(":idempotency-key-in-use")
                if (error.code not in RETRY_STATUSES and not in_use) or attempt == self.retries:
                    raise ApiError(error.code, problem) from None
                delay = _retry_after(error.headers) or self.backoff * 2**attempt
                reason = f"{error.code}"
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as error:
                if attempt == self.retries:
                    raise
                delay = self.backoff * 2**attempt
                reason = str(getattr(error, "reason", error))
            same_key = " with the same Idempotency-Key" if "Idempotency-Key" in headers else ""
            logger.warning("%s %s: %s; again in %.1f s%s", method, url, reason, delay, same_key)
            time.sleep(delay)
        raise AssertionError("unreachable")


def encode_multipart(fields, files):
    """(body, content type) of a multipart/form-data request, as a browser would send it.

    `fields` are (name, value) pairs; `files` are (name, filename, content) or (name, filename, content, type).
    """
    boundary = "gemeindeportal-" + uuid.uuid4().hex
    body = bytearray()
    for name, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
        body += str(value).encode() + b"\r\n"
    for name, filename, content, *content_type in files:
        content_type = (content_type or [None])[0] or _guess_type(filename)
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"; filename="{_quote(filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def _quote(value):
    # What browsers do (HTML spec): a quote or a line break must not end the header parameter early.
    return str(value).replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _guess_type(filename):
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _problem(error):
    body = error.read()
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        problem = {"title": error.reason, "status": error.code, "detail": body[:300].decode(errors="replace")}
    return problem


def _retry_after(headers):
    try:
        return min(float(headers.get("Retry-After", "")), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return None


def _segment(value):
    return urllib.parse.quote(str(value), safe="")


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _as_list(value):
    if isinstance(value, str | bytes):
        return [value]
    return list(value or [])

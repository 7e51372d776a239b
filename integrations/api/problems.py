"""Every API error as RFC 9457 problem details (application/problem+json), field errors included."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:gemeindeportal:problem:"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal error",
}


class Problem(exceptions.APIException):
    """An API error with a problem type of its own, e.g. Problem(409, "invalid-transition", "…")."""

    def __init__(self, status_code, code, detail, errors=None):
        self.status_code = status_code
        self.problem_code = code
        self.errors = errors or []
        super().__init__(detail=detail, code=code)


def problem(status_code, detail, *, code=None, errors=None, instance="", headers=None):
    body = {
        "type": TYPE_BASE + (code or _slug(status_code)),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": str(detail),
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _slug(status_code):
    return TITLES.get(status_code, "error").lower().replace(" ", "-")


def field_errors(detail, prefix=""):
    """DRF's nested error dict/list → [{"field": "files.0", "detail": "…", "code": "…"}]."""
    found = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if key != "non_field_errors" else ""  # str: a list's errors may be keyed by index 0
            found += field_errors(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                found.append({"field": prefix, "detail": str(item), "code": getattr(item, "code", "invalid")})
        else:
            for index, item in enumerate(detail):
                found += field_errors(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        found.append({"field": prefix, "detail": str(detail), "code": getattr(detail, "code", "invalid")})
    return found


def exception_handler(exc, context):
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such record, or it is outside this application's scopes.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    if isinstance(exc, Problem):
        set_rollback()
        return problem(exc.status_code, exc.detail, code=exc.problem_code, errors=exc.errors, instance=instance)
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        return problem(
            400,
            "The request has invalid fields; see errors.",
            code="validation-error",
            errors=field_errors(exc.detail),
            instance=instance,
        )
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait) + 1)
        detail = exc.detail if isinstance(exc.detail, str) else "; ".join(str(d) for d in _flatten(exc.detail))
        return problem(exc.status_code, detail, instance=instance, headers=headers or None)
    # Anything else is a bug: log it with its context and answer a problem without internals.
    logger.exception("API error on %s", instance)
    set_rollback()
    return problem(status.HTTP_500_INTERNAL_SERVER_ERROR, "An unexpected error occurred.", instance=instance)


def _flatten(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            yield from _flatten(value)
    elif isinstance(detail, list):
        for value in detail:
            yield from _flatten(value)
    else:
        yield detail


def not_found_view(request, *args, **kwargs):
    """Unknown URLs under /api/ answer a problem, not the site's HTML 404 page."""
    body = {
        "type": TYPE_BASE + "not-found",
        "title": TITLES[404],
        "status": 404,
        "detail": "There is no API endpoint at this address.",
        "instance": request.get_full_path(),
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)

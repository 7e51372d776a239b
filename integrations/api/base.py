"""The base of every API view: scoped to the calling application, audited, idempotent for writes."""

import logging

from django.utils import translation
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiAuditEntry
from . import idempotency
from .authentication import ApplicationPrincipal
from .problems import PROBLEM_CONTENT_TYPE, Problem

logger = logging.getLogger(__name__)


class ApiView(APIView):
    #: Name of the action in the audit trail, e.g. "case.read".
    audit_action = ""
    #: Record type a write needs permission for (a read needs read permission, which scoping enforces).
    record_type = ""

    def dispatch(self, request, *args, **kwargs):
        # The API speaks English to integrators whatever the site's language; texts written into a
        # resident's timeline switch back to the site language where they are made.
        with translation.override("en"):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        self.audit_subject = ("", "")
        self._idempotency_record = None
        super().initial(request, *args, **kwargs)
        writes = request.method not in ("GET", "HEAD", "OPTIONS") and self.record_type
        if writes and not self.application.may_write(self.record_type):
            raise Problem(
                403, "insufficient-scope", f"This application may not write records of type '{self.record_type}'."
            )
        self._idempotency_record = idempotency.begin(request, self.application)

    @property
    def application(self):
        user = getattr(self.request, "user", None)
        return user.application if isinstance(user, ApplicationPrincipal) else None

    def set_audit_subject(self, subject_type, subject_ref):
        self.audit_subject = (subject_type, str(subject_ref))

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            headers = {"Idempotent-Replayed": "true", **record.response_headers}
            content_type = PROBLEM_CONTENT_TYPE if record.status_code >= 400 else None
            return Response(record.response_body, status=record.status_code, headers=headers, content_type=content_type)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        idempotency.complete(getattr(self, "_idempotency_record", None), response)
        self._audit(request, response)
        return response

    def _audit(self, request, response):
        user = getattr(request, "_user", None)
        principal = user if isinstance(user, ApplicationPrincipal) else None
        subject_type, subject_ref = getattr(self, "audit_subject", ("", ""))
        try:
            ApiAuditEntry.objects.create(
                application=principal.application if principal else None,
                token=principal.token if principal else None,
                method=request.method,
                path=request.path[:300],
                action=self.audit_action or type(self).__name__,
                subject_type=subject_type,
                subject_ref=subject_ref[:64],
                status_code=response.status_code,
                remote_addr=request.META.get("REMOTE_ADDR") or None,
            )
        except Exception:  # an audit failure must be noticed, but never turn a done change into an error
            logger.exception("could not audit API call %s %s", request.method, request.path)

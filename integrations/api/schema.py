"""OpenAPI pieces of the API: the bearer scheme, the problem responses, and which views the schema covers."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from .problems import PROBLEM_CONTENT_TYPE
from .serializers import ProblemSerializer

API_PREFIX = "/api/v1/"

PROBLEM_DESCRIPTIONS = {
    400: "Invalid request; `errors` names the fields.",
    401: "Missing, unknown, expired or revoked token.",
    403: "The application may not write this record type (`insufficient-scope`).",
    404: "No such record, or it is outside this application's scopes.",
    409: "The case's state does not allow this (`invalid-transition`), or the Idempotency-Key is still in use.",
    413: "The uploaded file is too large.",
    415: "The uploaded file's type is not accepted, or its content does not match its name.",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests; wait for the seconds in `Retry-After`.",
}
# Every authenticated call may meet these.
ALWAYS = (401, 429)


def problems(*status_codes):
    """Problem responses for `extend_schema(responses={…, **problems(404, 409)})`."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=PROBLEM_DESCRIPTIONS[code])
        for code in sorted(set(ALWAYS) | set(status_codes))
    }


def write_problems(*status_codes):
    """Problems of a POST: validation, write scope, out of scope, idempotency conflicts — plus `status_codes`."""
    return problems(400, 403, 404, 409, 422, *status_codes)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The API token of your application (`gpk_…`), issued in the portal's admin.",
        }


def only_this_api(endpoints, **kwargs):
    """Preprocessing hook: the schema documents the API for specialist applications, not Wagtail's own APIs."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]

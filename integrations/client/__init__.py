"""The reference client of the Gemeindeportal API: how a specialist application talks to the portal.

Written with the Python standard library only, and importing nothing from the portal, so a vendor can read
it as the example and carry the idea into any language:

- `api.PortalClient`: the HTTP calls (bearer token, Idempotency-Key with retries, problem details as errors);
- `webhooks.verify_signature`: checking a Standard Webhooks signature;
- `workflow.DemoWorkflow`: what the demo "specialist application" does with each event;
- `__main__`: the command line (`python -m integrations.client … feed | listen`).

docs/integration.md explains the interface end to end.
"""

from .api import ApiError, PortalClient
from .webhooks import WebhookVerificationError, sign, verify_signature

__all__ = ["ApiError", "PortalClient", "WebhookVerificationError", "sign", "verify_signature"]

"""The demo login client: an app of Musterwil that logs in with the central account ("Login mit Musterwil-Konto").

A public client (no secret; PKCE) with a redirect to a local address, so a developer can try the code flow against
`make run` with any OIDC library (docs/login-and-privacy.md has an Authlib example). Idempotent.
"""

from allauth.idp.oidc.models import Client

from .oidc_provider import SCOPES

DEMO_CLIENT_ID = "musterwil-demo-app"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"


def ensure_demo_client():
    client = Client.objects.filter(id=DEMO_CLIENT_ID).first() or Client(id=DEMO_CLIENT_ID)
    client.name = "Musterwil App (Demo)"
    client.type = Client.Type.PUBLIC
    client.skip_consent = False
    client.set_redirect_uris([DEMO_REDIRECT_URI])
    client.set_post_logout_redirect_uris([DEMO_REDIRECT_URI.rsplit("/", 1)[0] + "/"])
    client.set_scopes(list(SCOPES))
    client.set_default_scopes(["openid", "profile", "email"])
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE])
    client.set_response_types([Client.ResponseType.CODE])
    client.save()
    return client

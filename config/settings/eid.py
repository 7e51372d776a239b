"""e-ID login providers (SwissID, AGOV, one partner IdP) and the acr → assurance level table, from the environment.

No Django imports: base.py calls these while the settings are being read, and tests call them with a plain dict.

Each configured provider becomes one app of allauth's `openid_connect` provider (SOCIALACCOUNT_PROVIDERS). A provider
appears only when both its client id and its server URL are set; nothing is configured by default, so no login
button shows until an operator has registered the portal with the identity provider.

Environment, for PREFIX in PORTAL_SWISSID, PORTAL_AGOV and PORTAL_OIDC_LOGIN (the partner or test IdP):
    PREFIX_CLIENT_ID, PREFIX_SECRET, PREFIX_SERVER_URL   the client registered at the IdP, and its issuer URL
                                                         (allauth adds /.well-known/openid-configuration)
    PREFIX_ACR_VALUES      space-separated acr values asked for (empty: the IdP's default for the client)
    PREFIX_SCOPE           space-separated scopes (default "openid profile email")
    PREFIX_CLAIMS          the OIDC `claims` request parameter as JSON (empty: none)
    PREFIX_TOKEN_AUTH_METHOD  client_secret_basic or client_secret_post (empty: taken from the discovery document)
and for the partner IdP also PORTAL_OIDC_LOGIN_ID (its slug in URLs, default "partner") and PORTAL_OIDC_LOGIN_NAME
(the name on its button, default "Partner login").

The redirect URI to register at each IdP is <portal origin>/auth/oidc/<id>/login/callback/ with <id> swissid, agov or
the partner's slug (the same address in every language, see config/urls.py).
"""

import json
import re

DEFAULT_SCOPE = "openid profile email"

# SwissID answers whether the person's identity was checked in the claim `urn:swissid:qor` of the userinfo
# response, not in `acr` (its acr values qoa1/qoa2 only say how strongly the person logged in). The claim must be
# asked for; null asks for it without demanding a value (OpenID Connect Core 1.0, 5.5).
SWISSID_DEFAULT_CLAIMS = '{"userinfo": {"urn:swissid:qor": null}}'

# What a login with a given acr (or SwissID quality-of-registration) value proves, as AssuranceLevel numbers
# (0 nothing, 10 e-mail, 20 postal address, 30 identity). Sources and what is uncertain: docs/login-and-privacy.md.
EIAM_QOA = "urn:qoa.eiam.admin.ch:names:tc:ac:classes:"
DEFAULT_ACR_LEVELS = {
    # AGOV / eIAM "Quality of Authentication": 10–30 are self-registered logins, 40/50/60 identities checked
    # against an official photo ID (AGOV's "verified AGOV login" is QoA50).
    f"{EIAM_QOA}10": 0,
    f"{EIAM_QOA}20": 0,
    f"{EIAM_QOA}30": 0,
    f"{EIAM_QOA}40": 30,
    f"{EIAM_QOA}50": 30,
    f"{EIAM_QOA}60": 30,
    # SwissID: acr is the strength of the login only; the quality of registration decides.
    "qoa1": 0,
    "qoa2": 0,
    "qor0": 0,
    "qor1": 30,
    "qor2": 30,
}

ACR_LEVELS_ENV = "PORTAL_EID_ACR_LEVELS"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_TOKEN_AUTH_METHODS = {"", "client_secret_basic", "client_secret_post"}


class EidConfigurationError(ValueError):
    """The e-ID environment is inconsistent; the message names the variable."""


def _provider(environ, prefix, provider_id, name, default_claims=""):
    client_id = environ.get(f"{prefix}_CLIENT_ID", "").strip()
    server_url = environ.get(f"{prefix}_SERVER_URL", "").strip().rstrip("/")
    if not (client_id and server_url):
        return None
    token_auth_method = environ.get(f"{prefix}_TOKEN_AUTH_METHOD", "").strip()
    if token_auth_method not in _TOKEN_AUTH_METHODS:
        raise EidConfigurationError(f"{prefix}_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post.")
    auth_params = {}
    acr_values = " ".join(environ.get(f"{prefix}_ACR_VALUES", "").split())
    if acr_values:
        auth_params["acr_values"] = acr_values
    claims = environ.get(f"{prefix}_CLAIMS", default_claims).strip()
    if claims:
        try:
            json.loads(claims)
        except ValueError as error:
            raise EidConfigurationError(f"{prefix}_CLAIMS is not valid JSON: {error}") from error
        auth_params["claims"] = claims
    app_settings = {
        "server_url": server_url,
        "scope": (environ.get(f"{prefix}_SCOPE", "") or DEFAULT_SCOPE).split(),
        "auth_params": auth_params,
        "oauth_pkce_enabled": True,
        # Never log someone in to an existing account because the IdP reports the same e-mail address.
        "email_authentication": False,
    }
    if token_auth_method:
        app_settings["token_auth_method"] = token_auth_method
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": environ.get(f"{prefix}_SECRET", ""),
        "settings": app_settings,
    }


def eid_apps(environ):
    """allauth openid_connect APP dicts for every provider configured in `environ` (SwissID, AGOV, partner)."""
    partner_id = environ.get("PORTAL_OIDC_LOGIN_ID", "").strip() or "partner"
    if not _SLUG.match(partner_id) or partner_id in {"swissid", "agov"}:
        raise EidConfigurationError(
            "PORTAL_OIDC_LOGIN_ID must be lower-case letters, digits, - or _ (at most 40) and not swissid or agov."
        )
    candidates = [
        _provider(environ, "PORTAL_SWISSID", "swissid", "SwissID", default_claims=SWISSID_DEFAULT_CLAIMS),
        _provider(environ, "PORTAL_AGOV", "agov", "AGOV"),
        _provider(
            environ,
            "PORTAL_OIDC_LOGIN",
            partner_id,
            environ.get("PORTAL_OIDC_LOGIN_NAME", "").strip() or "Partner login",
        ),
    ]
    return [app for app in candidates if app is not None]


def eid_acr_levels(environ):
    """The acr value → AssuranceLevel number table: PORTAL_EID_ACR_LEVELS (JSON object) replaces the defaults."""
    raw = environ.get(ACR_LEVELS_ENV, "").strip()
    if not raw:
        return dict(DEFAULT_ACR_LEVELS)
    try:
        table = json.loads(raw)
    except ValueError as error:
        raise EidConfigurationError(f"{ACR_LEVELS_ENV} is not valid JSON: {error}") from error
    if not isinstance(table, dict) or not all(
        isinstance(key, str) and isinstance(value, int) and not isinstance(value, bool) and value >= 0
        for key, value in table.items()
    ):
        raise EidConfigurationError(f"{ACR_LEVELS_ENV} must be a JSON object of acr value → level number.")
    return table

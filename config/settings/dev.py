"""Local development: debug on, e-mails as files under var/mail, no MFA requirement for the demo staff."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool, os
from .oidc_keys import dev_key_file, private_key_from_environ

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")  # noqa: F405
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
PORTAL_STAFF_MFA_REQUIRED = env_bool("PORTAL_STAFF_MFA_REQUIRED", False)
INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE", True)
# A signing key for the OpenID Connect provider, made on first use and kept, so apps' tokens survive restarts.
IDP_OIDC_PRIVATE_KEY = private_key_from_environ(os.environ) or dev_key_file(VAR_DIR / "oidc-dev-key.pem")

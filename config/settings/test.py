"""Test settings: fast hashing, in-memory mail and cache, jobs run synchronously."""

from .base import *  # noqa: F403
from .oidc_keys import generate_private_key_pem

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
PORTAL_STAFF_MFA_REQUIRED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_MEDIA_ROOT  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = True
# A fresh signing key for the OpenID Connect provider in every test run; nothing outlives the run.
IDP_OIDC_PRIVATE_KEY = generate_private_key_pem()
# Wagtail autosaves a new snippet in the background while it is edited; a browser test that publishes right after
# typing could race it and create the snippet twice (seen in CI). Tests publish explicitly.
WAGTAIL_AUTOSAVE_INTERVAL = 0

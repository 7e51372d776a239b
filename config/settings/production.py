"""Production: everything secret or site-specific comes from the environment; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, os

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not os.environ.get("ALLOWED_HOSTS"):  # noqa: F405
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
if not IDP_OIDC_PRIVATE_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "PORTAL_OIDC_PRIVATE_KEY (an RSA private key in PEM) or PORTAL_OIDC_PRIVATE_KEY_FILE (a file holding one) must "
        "be set in production: it signs the ID tokens of the portal's OpenID Connect provider. Make one with "
        "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` and keep it across deployments."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer probes the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"  # noqa: F405
# No test checkout in production unless explicitly asked for.
PORTAL_PAYMENT_PROVIDER = os.environ.get("PORTAL_PAYMENT_PROVIDER", "none")

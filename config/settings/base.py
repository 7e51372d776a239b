"""Settings shared by every environment; values that differ per installation come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first so their templates and translations win.
    "home",
    "account.apps.AccountConfig",
    "services.apps.ServicesConfig",
    "schools",
    "utilities",
    "integrations",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.idp.oidc",
    "allauth.headless",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "account.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "account.middleware.ActingContextMiddleware",
    "account.middleware.StaffMFARequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
                "account.context_processors.acting_context",
                "account.notification_views.unread_notifications",
            ],
        },
    },
]

FORM_RENDERER = "config.forms.PortalFormRenderer"

# --- Database -----------------------------------------------------------------------------
# SQLite is the embedded default; DATABASE_URL switches to PostgreSQL (or anything dj-database-url knows).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server read while the django-q2 cluster writes;
                # IMMEDIATE takes the write lock at BEGIN so concurrent writers queue instead of failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits need a real one) --------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

# --- Background jobs ----------------------------------------------------------------------
# django-q2 runs the portal's own jobs. timeout < retry so a slow task is never picked up twice.
Q_CLUSTER = {
    "name": "gemeindeportal",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": int(os.environ.get("Q_TIMEOUT", "60")),
    "retry": int(os.environ.get("Q_RETRY", "120")),
    "max_attempts": 5,
    "catch_up": False,
    "save_limit": 1000,
    "label": _("Background jobs"),
}
if REDIS_URL and env_bool("Q_USE_REDIS", True):
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Wagtail 8 runs its own small jobs (reference index, file clean-up) through django-tasks.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "useraccount.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "useraccount:dashboard"

ACCOUNT_ADAPTER = "account.adapters.PortalAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "account.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# allauth's defaults, written out so the policy is visible: 5 failed logins per account in 5 minutes.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Gemeindeportal")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
USERSESSIONS_TRACK_ACTIVITY = True

# --- e-ID logins: SwissID and AGOV (issue 6, brief D) --------------------------------------
from .eid import eid_acr_levels, eid_apps  # noqa: E402 — kept beside the settings that use it

# Providers come from the environment only (config/settings/eid.py); none by default, then no e-ID button shows.
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": eid_apps(os.environ)}}
SOCIALACCOUNT_ADAPTER = "account.eid.PortalSocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "account.eid.EidSignupForm"}
# A first e-ID login goes through the signup form and a confirmed e-mail address; an e-mail address the IdP
# reports is never enough to enter or join an existing account.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
# Linking and unlinking an e-ID asks for the password (or a second factor) again, like other sensitive changes.
SOCIALACCOUNT_REAUTHENTICATION_REQUIRED = True
# acr (and SwissID quality-of-registration) value → AssuranceLevel number; JSON in PORTAL_EID_ACR_LEVELS replaces it.
PORTAL_EID_ACR_LEVELS = eid_acr_levels(os.environ)

# --- The portal as OpenID Connect provider, and the headless API for apps (issue 6, brief E) --
from .oidc_keys import private_key_from_environ  # noqa: E402 — kept beside the settings that use it

# The key that signs ID tokens (RSA, PEM): PORTAL_OIDC_PRIVATE_KEY, or a file named by PORTAL_OIDC_PRIVATE_KEY_FILE.
# dev keeps one in var/oidc-dev-key.pem, test makes one per run, production refuses to start without one.
IDP_OIDC_PRIVATE_KEY = private_key_from_environ(os.environ)
IDP_OIDC_ADAPTER = "account.oidc_provider.PortalOIDCAdapter"
# RP-initiated logout (the end_session_endpoint): an app that names the signed-in person with id_token_hint logs
# them out of the portal at once; without a matching hint the portal asks first, as the specification requires.
IDP_OIDC_RP_INITIATED_LOGOUT_ASKS_FOR_OP_LOGOUT = False
IDP_OIDC_ID_TOKEN_EXPIRES_IN = 5 * 60
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = 60 * 60
IDP_OIDC_AUTHORIZATION_CODE_EXPIRES_IN = 60
# Refresh tokens (only for clients allowed the refresh_token grant) expire too, so the daily clean-up removes them.
IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN = int(os.environ.get("PORTAL_OIDC_REFRESH_TOKEN_DAYS", "30")) * 24 * 60 * 60
# Browsers apply the CSP form-action to the redirects after a form, and some logins go on at another site: the e-ID
# buttons, and the consent and logout pages back to the app. account/csp.py allows exactly those sites.
MIDDLEWARE = [*MIDDLEWARE, "account.csp.FormActionMiddleware"]

# Headless login for the municipality's native apps under /_allauth/app/v1/… with session tokens
# (X-Session-Token header); the portal's own pages stay as they are.
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.sessions.SessionTokenStrategy"
# Links in e-mails started from an app (confirm the address, reset the password) lead to the portal's own pages.
# No entries on purpose: allauth then links to those pages itself, with the language prefix of the request that
# sent the e-mail (/en/auth/…); an entry here would be one fixed URL for every language, also for the web pages.
HEADLESS_FRONTEND_URLS = {}

# --- Privacy self-service and staff security (issue 6, briefs F and G) ---------------------
# --- staff security ---
# Sessions: SESSION_IDLE_TIMEOUT and SESSION_COOKIE_AGE (absolute lifetime) under "Sessions and cookies" below;
# account.middleware pins a session's expiry to login + SESSION_COOKIE_AGE, so activity never extends it.
# MFA for everyone with back-office access: PORTAL_STAFF_MFA_REQUIRED below.
# A notice (inbox and e-mail) when someone logs in from a browser or device the account has not used before;
# each person can switch it off in their notification settings, this switches it off for the installation.
PORTAL_LOGIN_NOTICES = env_bool("PORTAL_LOGIN_NOTICES", True)
# --- privacy self-service ---
# "Download my data": days a finished ZIP stays downloadable before the daily job deletes it.
PORTAL_DATA_EXPORT_DAYS = int(os.environ.get("PORTAL_DATA_EXPORT_DAYS", "7"))
# "Delete my account": closed cases stay this many years after closing (Swiss retention of business records),
# anonymised; older ones are deleted with the account.
PORTAL_CASE_RETENTION_YEARS = int(os.environ.get("PORTAL_CASE_RETENTION_YEARS", "10"))

# Case references look like MW-2026-00042.
PORTAL_CASE_REFERENCE_PREFIX = os.environ.get("PORTAL_CASE_REFERENCE_PREFIX", "MW")

# Staff must protect their account with a second factor before the back office opens.
PORTAL_STAFF_MFA_REQUIRED = env_bool("PORTAL_STAFF_MFA_REQUIRED", True)

# --- Sessions and cookies -----------------------------------------------------------------
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute lifetime: a session ends 12 hours after login
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content security policy --------------------------------------------------------------
# No CDN, no inline code without a nonce. The Wagtail and Django admin need inline styles and
# scripts of their own, so they keep their own (looser) defaults.
CONTENT_SECURITY_POLICY = {
    # The API documentation page (Swagger UI, served from local static files) styles itself inline.
    "EXCLUDE_URL_PREFIXES": ["/admin", "/django-admin", "/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    },
}

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("fr", _("French")),
    ("it", _("Italian")),
]
# Our catalogue first; then corrections of third-party German (formal "Sie", Swiss "ss") that
# `makemessages` must never touch, so they live in a folder of their own.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Zurich"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = [("de", "Deutsch"), ("en", "English"), ("fr", "Français"), ("it", "Italiano")]

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Personal files (case documents, uploads) never live under MEDIA_ROOT: only authorised views serve them.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# A batch of 50,000 meter readings (POST /api/v1/meter-readings) is 6–8 MB of JSON; proxies must allow as much.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Gemeinde Musterwil <noreply@musterwil.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Gemeindeportal")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "/auth/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/auth/login/"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "svg"]

# --- Interface for specialist applications (integrations) ------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.authentication.IsSpecialistApplication"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api.throttling.PerApplicationRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrations.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gemeindeportal API for specialist applications",
    "DESCRIPTION": "Generic, vendor-neutral interface: event feed, webhooks, cases. See docs/integration.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Only this API: Wagtail's own admin API views are not part of the interface for vendors.
    "PREPROCESSING_HOOKS": ["integrations.api.schema.only_this_api"],
    # Certificates and tax entries both have a field `kind`: the certificates' enum gets a name of its own.
    "ENUM_NAME_OVERRIDES": {"CertificateKindEnum": "services.models.certificates.CertificateKind.choices"},
}
# Sent as senderId in message headers (eCH-0058); a sedex id where the municipality has one.
INTEGRATIONS_SENDER_ID = os.environ.get("INTEGRATIONS_SENDER_ID", "gemeindeportal-musterwil")
INTEGRATIONS_TOKEN_ROTATION_OVERLAP = timedelta(days=int(os.environ.get("INTEGRATIONS_TOKEN_OVERLAP_DAYS", "7")))
# Webhook endpoints on private, loopback or link-local addresses are refused unless this is on (dev/test).
INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE", False)
INTEGRATIONS_WEBHOOK_TIMEOUT = float(os.environ.get("INTEGRATIONS_WEBHOOK_TIMEOUT", "10"))
# Seconds to wait before the 2nd, 3rd … attempt (each ±20 % jitter): about three days in all, then failed.
INTEGRATIONS_WEBHOOK_RETRY_DELAYS = [60, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000]
INTEGRATIONS_IDEMPOTENCY_KEEP = timedelta(days=7)

# --- Payments -------------------------------------------------------------------------------
# "test" is the built-in test provider (a checkout page of the portal itself) for development and the demo;
# any other value switches its pages off. Creditor data of QR-bills: Wagtail settings "Portal settings".
PORTAL_PAYMENT_PROVIDER = os.environ.get("PORTAL_PAYMENT_PROVIDER", "test")

# --- Certificates ---------------------------------------------------------------------------
# Kinds the portal issues by itself when the register confirms the data (address verified) and the fee is paid
# (services/certificate_rules.py). "capacity" and "conduct" always need the clerk or the register application;
# an empty value sends every order to the office.
PORTAL_CERTIFICATES_AUTO_ISSUE = env_list("PORTAL_CERTIFICATES_AUTO_ISSUE", "residence")

# --- Logging ------------------------------------------------------------------------------
# LOG_FORMAT=json writes one JSON object per line (config/logging_json.py) for a log collector; plain is for people.
LOG_FORMAT = "json" if os.environ.get("LOG_FORMAT", "plain").strip().lower() == "json" else "plain"
# /healthz answers 503 once the oldest queued task has waited longer than this (seconds); see docs/deployment.md.
HEALTH_QUEUE_MAX_AGE = int(os.environ.get("HEALTH_QUEUE_MAX_AGE", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging_json.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

"""Django settings, all read from the environment through ``todo_shared.config``."""

from __future__ import annotations

import logging
import os
import sys

from todo_shared.config import REPO_ROOT, database_config, load_or_exit
from todo_shared.logs import configure_logging
from todo_shared.observability import register_build_info

SETTINGS = load_or_exit()
# The relay runs from manage.py too; its log lines say "relay".
SERVICE = "relay" if sys.argv[1:2] == ["relay"] else "api"
configure_logging(SERVICE)
register_build_info(SERVICE, "todo-api")
for _warning in SETTINGS.warnings:
    logging.getLogger("todo_api.settings").warning(_warning)

DEBUG = SETTINGS.debug
SECRET_KEY = SETTINGS.secret_key
ALLOWED_HOSTS = list(SETTINGS.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(SETTINGS.cors_allowed_origins)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "todo_api.web",  # before staticfiles: its runserver logs JSON lines
    "django.contrib.staticfiles",
    "todo_shared.eventstore",
    "todo_shared.readmodels",
    "todo_api.identity",
    "todo_api.relay",
    "todo_api.limits",  # rate limits shared by every worker (security helper)
]

MIDDLEWARE = [
    # First: the request id is bound before anything logs, and every answer is counted.
    "todo_api.observability.middleware.RequestObservabilityMiddleware",
    "todo_api.entrypoints.http.middleware.ApiEdgeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "todo_api.entrypoints.http.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "todo_api.urls"
WSGI_APPLICATION = "todo_api.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(SETTINGS.database_url)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    os.makedirs(os.path.dirname(DATABASES["default"]["NAME"]), exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [  # Django's four (security: similarity and numeric added)
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = str(REPO_ROOT / "var" / "static")
# With DEBUG off, WhiteNoise serves the files collectstatic wrote to STATIC_ROOT under
# hashed names (cacheable for ever). `make run`, `make test` (their `static` step) and the
# API image run collectstatic. Without its manifest (a fresh clone started by hand, before
# any of those), pages would fail on every {% static %}; then the files are served under
# their plain names from the apps' static folders instead, with one warning at start.
STATIC_MANIFEST = REPO_ROOT / "var" / "static" / "staticfiles.json"
# The manifest storage names files by their plain names while DEBUG is on, so it is the
# storage everywhere except DEBUG off with nothing collected yet.
UNCOLLECTED = not DEBUG and not STATIC_MANIFEST.exists() and sys.argv[1:2] != ["collectstatic"]
if UNCOLLECTED:
    logging.getLogger("todo_api.settings").warning(
        "static files are not collected: serving them unhashed from the apps "
        "(run `python services/api/manage.py collectstatic --no-input`, as make run does)"
    )
WHITENOISE_USE_FINDERS = DEBUG or UNCOLLECTED
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if UNCOLLECTED
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Bodies are capped at 64 KiB (CONTRACT.md §4); RequestDataTooBig is mapped to 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS behind a TLS-terminating proxy (todo_shared.config.Security; docs/compose.md).
_SECURITY = SETTINGS.security
if _SECURITY.proxy_ssl_header:  # only when the proxy sets it and clients cannot
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _SECURITY.ssl_redirect
# Process-to-process calls on the private network reach the API over plain HTTP: the
# container health check, Prometheus, and the gateway's catch-up with its service token.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$", r"^api/events/?$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _SECURITY.cookies_secure
SECURE_HSTS_SECONDS = _SECURITY.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURITY.hsts_include_subdomains
SECURE_HSTS_PRELOAD = _SECURITY.hsts_preload
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
LOGIN_URL = "/login"

LOGGING_CONFIG = None  # configure_logging above owns the handlers

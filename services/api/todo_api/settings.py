"""Django settings, all read from the environment through ``todo_shared.config``."""

from __future__ import annotations

import logging
import os
import sys

from todo_shared.config import REPO_ROOT, database_config, load_or_exit
from todo_shared.logs import configure_logging

SETTINGS = load_or_exit()
# The relay runs from manage.py too; its log lines say "relay".
configure_logging("relay" if sys.argv[1:2] == ["relay"] else "api")
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
    "todo_api.http.middleware.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "todo_api.http.middleware.CorsMiddleware",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Bodies are capped at 64 KiB (CONTRACT.md §4); RequestDataTooBig is mapped to 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "/login"

LOGGING_CONFIG = None  # configure_logging above owns the handlers

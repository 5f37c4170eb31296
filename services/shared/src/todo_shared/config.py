"""Configuration from the environment, in one place (CONTRACT.md §2).

Every process calls :func:`load_settings` once in its composition root. A wrong value raises
:class:`ConfigError` whose message is the one-line reason the process exits with.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[4]

DEV_REALTIME_SECRET = "dev-realtime-secret-change-me-0123456789abcdef"
DEV_SECRET_KEY = "dev-django-secret-key-change-me-0123456789abcdef"


class ConfigError(Exception):
    """The environment holds a value the process cannot run with."""


@dataclass(frozen=True)
class Security:
    """Django's HTTPS settings, for a deployment behind a TLS-terminating proxy.

    Defaults follow ``DEBUG``: off in development; with ``DEBUG=0`` cookies are ``Secure`` and
    HSTS is one year with ``includeSubDomains; preload`` (a browser only honours it over
    HTTPS; the ``preload`` directive enrols nothing by itself). The proxy header and the redirect are off unless set, because only the
    operator knows whether a trusted proxy sets ``X-Forwarded-Proto`` (trusting it without one
    lets any client claim HTTPS) and whether clients reach Django over plain HTTP at all.
    """

    proxy_ssl_header: bool = False  # SECURE_PROXY_SSL_HEADER: trust X-Forwarded-Proto
    ssl_redirect: bool = False  # SECURE_SSL_REDIRECT
    cookies_secure: bool = False  # SECURE_COOKIES: session and CSRF cookies
    hsts_seconds: int = 0  # SECURE_HSTS_SECONDS
    hsts_include_subdomains: bool = False  # SECURE_HSTS_INCLUDE_SUBDOMAINS
    hsts_preload: bool = False  # SECURE_HSTS_PRELOAD


def load_security(env: Mapping[str, str], debug: bool) -> Security:
    return Security(
        proxy_ssl_header=_bool(env, "SECURE_PROXY_SSL_HEADER", False),
        ssl_redirect=_bool(env, "SECURE_SSL_REDIRECT", False),
        cookies_secure=_bool(env, "SECURE_COOKIES", not debug),
        hsts_seconds=_int(env, "SECURE_HSTS_SECONDS", 0 if debug else 31536000, 0, 10**9),
        hsts_include_subdomains=_bool(env, "SECURE_HSTS_INCLUDE_SUBDOMAINS", not debug),
        hsts_preload=_bool(env, "SECURE_HSTS_PRELOAD", not debug),
    )


@dataclass(frozen=True)
class Settings:
    """The settings every service reads, with the defaults of CONTRACT.md §2."""

    database_url: str
    amqp_url: str
    events_exchange: str
    projector_queue: str
    api_url: str
    realtime_secret: str
    realtime_token_ttl: int
    secret_key: str
    debug: bool
    allowed_hosts: tuple[str, ...]
    cors_allowed_origins: tuple[str, ...]
    api_port: int
    projector_port: int
    relay_port: int
    gateway_port: int
    # Where browsers reach the gateway, if not the page's host on GATEWAY_PORT ("/" = same
    # origin, as behind nginx). Not in CONTRACT.md §2: an addition for the web page.
    gateway_public_url: str = ""
    # Behind a TLS-terminating proxy (docs/compose.md "HTTPS"); not in CONTRACT.md §2.
    security: Security = field(default_factory=lambda: Security())
    warnings: tuple[str, ...] = ()


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be 0 or 1, got {raw!r}")


def _csv(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        raw = default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _name(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if len(value) > 200 or any(ord(c) < 33 for c in value):
        raise ConfigError(f"{name} must be a printable name of at most 200 characters")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment. Raises :class:`ConfigError` on a wrong value."""
    env = os.environ if env is None else env
    debug = _bool(env, "DEBUG", True)
    warnings: list[str] = []
    secrets = {}
    for name, dev_value in (
        ("REALTIME_SECRET", DEV_REALTIME_SECRET),
        ("SECRET_KEY", DEV_SECRET_KEY),
    ):
        value = env.get(name, "")
        if not value:
            if not debug:
                raise ConfigError(f"{name} is required when DEBUG is off")
            warnings.append(f"{name} is not set: using the development value (never in production)")
            value = dev_value
        elif value == dev_value and not debug:
            raise ConfigError(
                f"{name} is the development value, which is refused when DEBUG is off"
            )
        if len(value) < 32:
            raise ConfigError(f"{name} must be at least 32 characters long")
        secrets[name] = value
    database_url = env.get("DATABASE_URL", "").strip() or "sqlite:///var/todo.sqlite3"
    database_config(database_url)  # validate early
    amqp_url = env.get("AMQP_URL", "").strip() or "amqp://guest:guest@localhost:5672/%2F"
    if urlsplit(amqp_url).scheme not in {"amqp", "amqps"}:
        raise ConfigError(f"AMQP_URL must start with amqp:// or amqps://, got {amqp_url!r}")
    api_url = (env.get("API_URL", "").strip() or "http://localhost:8000").rstrip("/")
    if urlsplit(api_url).scheme not in {"http", "https"}:
        raise ConfigError(f"API_URL must be an http(s) URL, got {api_url!r}")
    return Settings(
        database_url=database_url,
        amqp_url=amqp_url,
        events_exchange=_name(env, "EVENTS_EXCHANGE", "todo.events"),
        projector_queue=_name(env, "PROJECTOR_QUEUE", "projector.read-models"),
        api_url=api_url,
        realtime_secret=secrets["REALTIME_SECRET"],
        realtime_token_ttl=_int(env, "REALTIME_TOKEN_TTL", 600, 10, 86400),
        secret_key=secrets["SECRET_KEY"],
        debug=debug,
        allowed_hosts=_csv(env, "ALLOWED_HOSTS", "localhost,127.0.0.1"),
        cors_allowed_origins=_csv(
            env, "CORS_ALLOWED_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000"
        ),
        api_port=_int(env, "API_PORT", 8000, 1, 65535),
        projector_port=_int(env, "PROJECTOR_PORT", 8001, 1, 65535),
        relay_port=_int(env, "RELAY_PORT", 8002, 1, 65535),
        gateway_port=_int(env, "GATEWAY_PORT", 9000, 1, 65535),
        gateway_public_url=env.get("GATEWAY_PUBLIC_URL", "").strip(),
        security=load_security(env, debug),
        warnings=tuple(warnings),
    )


SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
# Query options that are Django's own, not the driver's (as dj-database-url reads them).
DJANGO_OPTIONS = {"conn_max_age": "CONN_MAX_AGE", "conn_health_checks": "CONN_HEALTH_CHECKS"}


def _query_options(url: str, query: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``?a=1&b=2`` → (Django-level keys, driver OPTIONS), as dj-database-url splits them."""
    django: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key in DJANGO_OPTIONS:
            if key == "conn_max_age":
                if not value.isdigit():
                    raise ConfigError(f"DATABASE_URL: conn_max_age must be seconds, got {value!r}")
                django[DJANGO_OPTIONS[key]] = int(value)
            else:
                django[DJANGO_OPTIONS[key]] = value.lower() in {"1", "true", "yes", "on"}
        elif key == "sslmode" and value not in SSL_MODES:
            raise ConfigError(
                f"DATABASE_URL: sslmode must be one of {', '.join(sorted(SSL_MODES))}, "
                f"got {value!r}"
            )
        else:
            options[key] = int(value) if value.isdigit() else value
    return django, options


def database_config(url: str) -> dict[str, Any]:
    """Turn ``DATABASE_URL`` into a Django ``DATABASES['default']`` entry.

    The query string is kept: ``conn_max_age`` and ``conn_health_checks`` set Django's
    options, every other key is passed to the driver (``?sslmode=require``,
    ``connect_timeout``, ``application_name``, … for PostgreSQL; ``timeout`` for SQLite).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw_path = unquote(url[len("sqlite://") :].split("?", 1)[0])
        if raw_path.startswith("//"):  # sqlite:////abs/path
            path = Path(raw_path[1:])
        elif raw_path.startswith("/"):  # sqlite:///relative/to/repo
            path = REPO_ROOT / raw_path[1:]
        else:
            raise ConfigError(f"DATABASE_URL {url!r}: use sqlite:///relative or sqlite:////abs")
        django, options = _query_options(url, parts.query)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            **django,
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, **options},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL {url!r} names no database")
        django, options = _query_options(url, parts.query)
        config: dict[str, Any] = {
            # Django's, with a health check that costs no round trip (todo_shared.pgbackend)
            "ENGINE": "todo_shared.pgbackend",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            **django,
        }
        if options:
            config["OPTIONS"] = options
        return config
    raise ConfigError(f"DATABASE_URL must be sqlite:// or postgres://, got {parts.scheme!r}")


def load_or_exit(env: Mapping[str, str] | None = None) -> Settings:
    """Load settings, or print the one-line reason and exit with status 2."""
    try:
        return load_settings(env)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

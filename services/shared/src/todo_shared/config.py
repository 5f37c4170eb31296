"""Configuration from the environment, in one place (CONTRACT.md §2).

Every process calls :func:`load_settings` once in its composition root. A wrong value raises
:class:`ConfigError` whose message is the one-line reason the process exits with.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[4]

DEV_REALTIME_SECRET = "dev-realtime-secret-change-me-0123456789abcdef"
DEV_SECRET_KEY = "dev-django-secret-key-change-me-0123456789abcdef"


class ConfigError(Exception):
    """The environment holds a value the process cannot run with."""


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
        warnings=tuple(warnings),
    )


def database_config(url: str) -> dict[str, Any]:
    """Turn ``DATABASE_URL`` into a Django ``DATABASES['default']`` entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw_path = unquote(url[len("sqlite://") :])
        if raw_path.startswith("//"):  # sqlite:////abs/path
            path = Path(raw_path[1:])
        elif raw_path.startswith("/"):  # sqlite:///relative/to/repo
            path = REPO_ROOT / raw_path[1:]
        else:
            raise ConfigError(f"DATABASE_URL {url!r}: use sqlite:///relative or sqlite:////abs")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL {url!r} names no database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(f"DATABASE_URL must be sqlite:// or postgres://, got {parts.scheme!r}")


def load_or_exit(env: Mapping[str, str] | None = None) -> Settings:
    """Load settings, or print the one-line reason and exit with status 2."""
    try:
        return load_settings(env)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

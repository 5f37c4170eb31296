from __future__ import annotations

import sys

from django.apps import AppConfig


class LimitsConfig(AppConfig):
    name = "todo_api.limits"
    label = "limits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from todo_shared.config import ConfigError

        from todo_api.limits import config, signals

        try:
            config.load()  # a wrong RATE_LIMIT_* / TRUSTED_PROXIES is a one-line exit
        except ConfigError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        signals.connect()

"""``manage.py prune_idempotency``: delete ``Idempotency-Key`` records older than 24 h."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from todo_api.identity.pruning import REPLAY_WINDOW, prune_idempotency


class Command(BaseCommand):
    help = (
        "Delete idempotency records older than the 24 h replay window (the relay also does "
        "this hourly). --older-than-hours widens the window; it never narrows it below 24 h."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-hours", type=float, default=24.0)

    def handle(self, *args: Any, **options: Any) -> None:
        window = max(timedelta(hours=options["older_than_hours"]), REPLAY_WINDOW)
        prune_idempotency(window)  # logs one JSON line with the count

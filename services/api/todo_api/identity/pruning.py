"""Removing idempotency records once their 24 h replay window is over (CONTRACT.md §4).

A record is only needed while a retry may still come; after that it is dead weight in
``api_idempotency``. The relay runs :func:`prune_idempotency` hourly (its housekeeping), and
``manage.py prune_idempotency`` runs it by hand.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from todo_api.identity.models import IdempotencyRecord

log = logging.getLogger(__name__)
REPLAY_WINDOW = timedelta(hours=24)
DELETE_CHUNK = 5000  # rows per DELETE, so a large backlog never holds one long lock


def prune_idempotency(older_than: timedelta = REPLAY_WINDOW) -> int:
    """Delete records created more than ``older_than`` ago; returns how many went."""
    cutoff = timezone.now() - older_than
    removed = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[
                :DELETE_CHUNK
            ]
        )
        if not ids:
            break
        removed += IdempotencyRecord.objects.filter(id__in=ids).delete()[0]
    log.info(
        "idempotency records pruned",
        extra={"removed": removed, "cutoff": cutoff.isoformat()},
    )
    return removed

"""Usernames from Django's ``auth_user``; they never change, so a process caches them."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from projector.domain.rows import Event

USER_FIELDS = ("owner_id", "user_id")


def user_ids_of(events: Iterable[Event]) -> set[str]:
    """Every user id ``events`` name: actors, owners, members."""
    ids: set[str] = set()
    for event in events:
        ids.add(event.actor)
        ids.update(str(event.data[f]) for f in USER_FIELDS if f in event.data)
    return {i for i in ids if i.isdigit()}


class UsernameCache:
    """``user id → username``, loaded from the database on first need."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def for_events(self, events: Iterable[Event]) -> dict[str, str]:
        """The usernames of every user ``events`` name (unknown ids are left out)."""
        wanted = user_ids_of(events)
        missing = [int(i) for i in wanted - self._known.keys()]
        if missing:
            found = get_user_model().objects.filter(pk__in=missing).values_list("pk", "username")
            self._known.update((str(pk), name) for pk, name in found)
        return {i: self._known[i] for i in wanted if i in self._known}

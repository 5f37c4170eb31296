"""One readable line per event for the activity feed ("alice completed 'buy milk'")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def quote(text: str) -> str:
    return f"'{text}'"


def summarize(
    event_type: str,
    data: Mapping[str, Any],
    actor: str,
    subject: str = "",
    title: str = "",
) -> str:
    """The summary of one event.

    :param actor: username of who did it.
    :param subject: username of the member concerned (MemberAdded / MemberRemoved).
    :param title: the todo's title *before* the event (after it for TodoCreated).
    """
    if event_type == "ListCreated":
        return f"{actor} created the list {quote(data['name'])}"
    if event_type == "ListRenamed":
        return f"{actor} renamed the list to {quote(data['name'])}"
    if event_type == "ListDeleted":
        return f"{actor} deleted the list"
    if event_type == "MemberAdded":
        return f"{actor} added {subject}"
    if event_type == "MemberRemoved":
        return f"{subject} left the list" if actor == subject else f"{actor} removed {subject}"
    if event_type == "TodoCreated":
        return f"{actor} added {quote(data['title'])}"
    if event_type == "TodoRenamed":
        return f"{actor} renamed {quote(title)} to {quote(data['title'])}"
    if event_type == "TodoCompleted":
        return f"{actor} completed {quote(title)}"
    if event_type == "TodoReopened":
        return f"{actor} reopened {quote(title)}"
    if event_type == "TodoDeleted":
        return f"{actor} deleted {quote(title)}"
    return f"{actor}: {event_type}"

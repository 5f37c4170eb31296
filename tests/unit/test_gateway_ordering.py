"""Position bookkeeping: the stream cursor, catch-up merge, "already delivered"."""

from __future__ import annotations

from typing import Any

from gateway.domain.ordering import (
    Arrival,
    Coverage,
    RecentIds,
    StreamCursor,
    already_delivered,
    merge_live_buffer,
)


def event(position: int | None, *channels: str, id: str | None = None) -> dict[str, Any]:
    envelope: dict[str, Any] = {"id": id or f"e{position}", "channels": list(channels)}
    if position is not None:
        envelope["position"] = position
    return envelope


def test_cursor_classifies_next_duplicate_and_gap():
    cursor = StreamCursor()
    assert cursor.classify(40) is Arrival.NEXT  # the first one seen starts the history
    cursor.advance(40)
    assert cursor.history_start == 40
    assert cursor.classify(40) is Arrival.DUPLICATE
    assert cursor.classify(41) is Arrival.NEXT
    assert cursor.classify(43) is Arrival.GAP
    cursor.advance(43)
    assert cursor.position == 43 and cursor.history_start == 40


def test_cursor_knows_which_tokens_it_has_history_for():
    cursor = StreamCursor()
    assert not cursor.covers_history_after(0)
    cursor.advance(10)
    assert cursor.covers_history_after(9) and cursor.covers_history_after(50)
    assert not cursor.covers_history_after(8)


def test_recent_ids_are_bounded():
    ids = RecentIds(capacity=2)
    assert not ids.seen("a") and ids.seen("a")
    ids.seen("b")
    ids.seen("c")
    assert not ids.seen("a")  # forgotten: only the last two are kept


def test_merge_orders_by_position_drops_delivered_and_duplicates():
    buffered = [
        event(7, "c"),
        event(5, "c"),
        event(None, "c", id="live"),
        event(6, "c"),
        event(7, "c"),
        event(4, "c"),
    ]
    merged = merge_live_buffer(buffered, delivered_upto=5)
    assert [e["id"] for e in merged] == ["e6", "e7", "live"]


def test_already_delivered_through_another_joined_channel():
    joined = {"user:1": Coverage(start=10)}
    shared = event(12, "list:a", "user:1")
    assert already_delivered(shared, "list:a", joined, {}, frontier=12)
    # not yet passed on live: it will come through the room, so the catch-up sends it
    assert not already_delivered(event(13, "list:a", "user:1"), "list:a", joined, {}, 12)
    # before the other subscription started
    assert not already_delivered(event(9, "list:a", "user:1"), "list:a", joined, {}, 12)
    # ahead of the cursor, but a catch-up of user:1 already delivered it
    assert already_delivered(event(13, "list:a", "user:1"), "list:a", joined, {"user:1": 14}, 12)
    # only the channel being caught up: never delivered elsewhere
    assert not already_delivered(event(11, "list:a"), "list:a", joined, {}, 12)
    # live-only events went to every joined room
    assert already_delivered(event(None, "list:a", "user:1"), "list:a", joined, {}, 12)

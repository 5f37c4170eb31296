"""At-least-once delivery, crashes, lost queues and poison: the read models stay exact."""

from __future__ import annotations

import json
import signal
import urllib.request
from typing import Any

import pytest
from todo_shared.envelope import build_envelope, encode

from tests.support.projector import (
    assert_matches_oracle,
    broker,
    checkpoint,
    dead_letters,
    drive,
    projector_cli,
    publish_raw,
    query,
    snapshot,
    start_writers,
    store_head,
    wait_caught_up,
    wait_for,
)

pytestmark = pytest.mark.integration


def stored_envelope(stack, position: int) -> dict[str, Any]:
    ((typ, stream, version, occurred, channels, data, metadata, event_id),) = query(
        stack,
        "SELECT type, stream, version, occurred_at, channels, data, metadata, event_id "
        "FROM event_store WHERE position = %s",
        (position,),
    )
    return build_envelope(
        event_type=typ,
        stream=stream,
        version=version,
        data=data,
        channels=channels,
        metadata=metadata,
        occurred_at=occurred,
        event_id=str(event_id),
        position=position,
    )


def metric(stack, name: str) -> float:
    """Sum of a metric's samples on the projector's /metrics whose line starts with ``name``."""
    with urllib.request.urlopen(stack.url("projector") + "/metrics", timeout=5) as resp:  # noqa: S310
        text = resp.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def full_stack(stack):
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    return start_writers(stack, "u")


def test_a_message_delivered_twice_changes_nothing(stack) -> None:
    users = full_stack(stack)
    drive(users, count=40, seed=1)
    wait_caught_up(stack)
    before = snapshot(stack)
    duplicates = metric(stack, 'projector_messages_total{outcome="duplicate"}')
    for position in (1, 2, store_head(stack)):
        publish_raw(stack, encode(stored_envelope(stack, position)))
    wait_for(
        lambda: metric(stack, 'projector_messages_total{outcome="duplicate"}') >= duplicates + 3,
        what="the duplicates to be handled",
    )
    assert snapshot(stack) == before
    assert dead_letters(stack) == []


def test_sigkill_mid_batch_then_restart_ends_with_the_same_read_models(stack) -> None:
    users = full_stack(stack)
    drive(users, count=20, seed=2)
    wait_caught_up(stack)
    stack.kill("projector")
    drive(users, count=250, seed=3)
    before = checkpoint(stack)
    stack.restart("projector", wait=False)
    wait_for(lambda: checkpoint(stack) > before, what="the projector to apply something")
    stack.kill("projector", signal.SIGKILL)
    stack.restart("projector")
    drive(users, count=20, seed=4)
    wait_caught_up(stack)
    assert_matches_oracle(stack)


def test_queue_purged_while_down_is_recovered_from_the_store(stack) -> None:
    users = full_stack(stack)
    drive(users, count=20, seed=5)
    wait_caught_up(stack)
    stack.kill("projector")
    drive(users, count=120, seed=6)
    head = store_head(stack)
    wait_for(lambda: relay_done(stack, head), what="the relay to publish everything")
    conn = broker()
    try:
        conn.channel().queue_purge(stack.projector_queue)
    finally:
        conn.close()
    assert checkpoint(stack) < head
    stack.restart("projector")
    assert wait_caught_up(stack) == head
    assert_matches_oracle(stack)


def relay_done(stack, head: int) -> bool:
    conn = broker()
    try:
        depth = conn.channel().queue_declare(stack.projector_queue, passive=True)
        return bool(depth.method.message_count >= head - checkpoint(stack))
    finally:
        conn.close()


def test_poison_goes_to_the_dead_letter_queue_while_events_around_it_apply(stack) -> None:
    users = full_stack(stack)
    drive(users, count=30, seed=7)
    first = stored_envelope(stack, 1)
    invalid = {**first, "position": "seven"}
    not_from_store = {k: v for k, v in first.items() if k != "position"}
    forged = {**first, "id": "00000000-0000-4000-8000-000000000000"}
    foreign = {
        **not_from_store,
        "type": "WeatherChanged",
        "channels": ["public:weather"],
        "data": {"sunny": True},
        "metadata": {"source": "weather"},
    }
    publish_raw(stack, b"\x00\xffjunk bytes")
    publish_raw(stack, json.dumps(invalid).encode())
    drive(users, count=30, seed=8)
    publish_raw(stack, b"{" + b" " * (64 * 1024) + b"}")
    publish_raw(stack, encode(not_from_store))
    publish_raw(stack, encode(forged))
    publish_raw(stack, encode(foreign))
    drive(users, count=30, seed=9)
    wait_caught_up(stack)
    wanted = {"not_json", "invalid_envelope", "too_large", "not_from_store", "conflicts_with_store"}
    letters = wait_for(
        lambda: (found := dead_letters(stack)) and len(found) >= len(wanted) and found,
        what="five dead letters",
    )
    assert sorted(d["reason"] for d in letters) == sorted(wanted)
    assert_matches_oracle(stack)
    assert metric(stack, 'projector_messages_total{outcome="ignored"}') >= 1
    assert metric(stack, "projector_dead_lettered_total") >= 5

    republished = projector_cli(stack, "dead-letters", "republish", "--reason", "not_json")
    assert republished.returncode == 0, republished.stderr
    assert "re-published 1 of 5" in republished.stdout
    wait_for(
        lambda: metric(stack, 'projector_dead_lettered_total{reason="not_json"}') >= 2,
        what="the re-published junk to be refused again",
    )
    discarded = projector_cli(stack, "dead-letters", "discard", "--all")
    assert "discarded 5 of 5" in discarded.stdout, discarded.stdout + discarded.stderr
    assert dead_letters(stack) == []


def test_an_event_that_cannot_be_applied_is_skipped_and_dead_lettered(stack) -> None:
    users = full_stack(stack)
    alice = users[0]
    list_id = alice.request("POST", "/api/lists", json={"name": "L"}).json()["id"]
    wait_caught_up(stack)
    bad_position = store_head(stack) + 1
    # Written behind the API's back: a title too long for the read model's column.
    query(
        stack,
        "INSERT INTO event_store (position, event_id, stream, version, type, schema_version, "
        "occurred_at, recorded_at, channels, data, metadata) VALUES (%s, gen_random_uuid(), "
        "'todo-' || gen_random_uuid(), 1, 'TodoCreated', 1, now(), now(), %s, %s, %s)",
        (
            bad_position,
            json.dumps([f"list:{list_id}"]),
            json.dumps(
                {
                    "todo_id": "5d4b0c3e-8f0e-4c36-9a57-3c3b8e1f0a11",
                    "list_id": list_id,
                    "title": "x" * 300,
                }
            ),
            json.dumps({"actor": alice.id, "source": "api"}),
        ),
    )
    after = alice.request("POST", f"/api/lists/{list_id}/todos", json={"title": "fine"})
    assert after.status_code == 201
    wait_caught_up(stack)
    titles = [r[0] for r in query(stack, "SELECT title FROM rm_todo")]
    assert titles == ["fine"]
    letters = wait_for(
        lambda: [d for d in dead_letters(stack) if d["reason"] == "apply_failed"],
        what="the apply_failed dead letter",
    )
    assert len(letters) == 1
    assert metric(stack, "projector_events_skipped_total") == 1


def test_health_reports_lag_and_sigterm_exits_cleanly(stack) -> None:
    users = full_stack(stack)
    drive(users, count=10, seed=10)
    head = wait_caught_up(stack)

    def health() -> dict[str, Any]:
        with urllib.request.urlopen(stack.url("projector") + "/healthz", timeout=5) as resp:  # noqa: S310
            return dict(json.loads(resp.read()))

    def settled() -> dict[str, Any] | None:
        h = health()
        return h if h["checkpoint"] == head and h["lag_seconds"] == 0 else None

    body = wait_for(settled, what="health to show no lag")
    assert body["status"] == "ok"
    assert body["broker"] == "connected"
    assert body["database"] == "ok"
    assert body["lag_events"] == 0
    assert metric(stack, "projector_events_applied_total") >= head
    assert metric(stack, "projector_batch_events_count") >= 1
    assert metric(stack, "projector_apply_seconds_count") >= 1
    assert stack.kill("projector", signal.SIGTERM, timeout=30) == 0

"""The projector's use cases against in-memory pieces: Applier, LiveProjection, start-up.

The store is an ``InMemoryRecorder`` (it passes the recorder contract) and the read-model
tables :class:`~projector.adapters.memory.InMemoryReadModelTables`. Expected rows are
written out by hand, not computed with the projector's own handlers.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pika
import pytest
from projector.adapters.memory import FixedUsernames, InMemoryReadModelTables, TransientError
from projector.adapters.store import StoreReader
from projector.application.applier import Applier, ApplyFailed, Paused
from projector.application.lag import Status
from projector.application.live import LiveProjection
from projector.bootstrap import bootstrap
from projector.entrypoints.run import wait_for_database
from todo_shared.amqp import Delivery, Topology
from todo_shared.channels import channels_for
from todo_shared.config import load_settings
from todo_shared.envelope import encode
from todo_shared.eventstore.interface import NewEvent, to_envelope
from todo_shared.eventstore.memory import InMemoryRecorder

USERS = {"1": "alice", "2": "bob"}
LIST = str(uuid.uuid4())
TODOS = [str(uuid.uuid4()) for _ in range(3)]


def event(event_type: str, stream: str, version: int, **data: object) -> NewEvent:
    return NewEvent(
        type=event_type,
        stream=stream,
        version=version,
        data=data,
        channels=channels_for(event_type, data) if "list_id" in data else [f"list:{LIST}"],
        metadata={"actor": "1", "source": "api"},
        occurred_at=datetime.now(UTC),
    )


def a_history(recorder: InMemoryRecorder) -> None:
    """Five events: a list, three todos, one of them completed (positions 1..5)."""
    recorder.append([event("ListCreated", f"list-{LIST}", 1, list_id=LIST, name="L", owner_id="1")])
    for todo_id in TODOS:
        recorder.append(
            [event("TodoCreated", f"todo-{todo_id}", 1, todo_id=todo_id, list_id=LIST, title="t")]
        )
    recorder.append([event("TodoCompleted", f"todo-{TODOS[0]}", 2, todo_id=TODOS[0], list_id=LIST)])


def applier_on(recorder: InMemoryRecorder, tables: InMemoryReadModelTables, **options) -> Applier:
    return Applier(StoreReader(recorder), tables, FixedUsernames(USERS), **options)


@pytest.fixture
def recorder() -> InMemoryRecorder:
    store = InMemoryRecorder()
    a_history(store)
    return store


def test_applies_every_event_once_in_chunks(recorder):
    tables = InMemoryReadModelTables()
    chunks: list[tuple[int, int]] = []
    applier = applier_on(
        recorder, tables, chunk_size=2, on_chunk=lambda n, c: chunks.append((n, c))
    )
    progress = applier.advance()
    assert (progress.applied, progress.checkpoint, progress.skipped) == (5, 5, [])
    assert chunks == [(2, 2), (2, 4), (1, 5)]
    assert tables.checkpoint == 5
    row = tables.lists[LIST]
    assert (row.name, row.owner_id, row.open_count, row.done_count, row.position) == (
        "L",
        "1",
        2,
        1,
        5,
    )
    assert [tables.todos[t].completed for t in TODOS] == [True, False, False]
    assert set(tables.members) == {(LIST, "1")} and tables.members[(LIST, "1")].username == "alice"
    assert sorted(tables.activity) == [1, 2, 3, 4, 5]
    assert applier.advance().applied == 0  # nothing is applied twice
    assert len(tables.activity) == 5


def test_through_stops_at_the_position(recorder):
    tables = InMemoryReadModelTables()
    progress = applier_on(recorder, tables).advance(through=2)
    assert (progress.applied, tables.checkpoint, set(tables.todos)) == (2, 2, {TODOS[0]})


def test_a_rebuild_pauses_the_applier(recorder):
    tables = InMemoryReadModelTables()
    tables.take_projection()
    with pytest.raises(Paused):
        applier_on(recorder, tables).advance()
    assert (tables.checkpoint, tables.lists) == (0, {})
    tables.release_locks()
    assert applier_on(recorder, tables).advance().checkpoint == 5


def test_a_database_outage_is_retried_later_not_counted_as_a_failure(recorder):
    tables = InMemoryReadModelTables()
    real_lock = tables.lock_checkpoint
    calls = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise TransientError("connection lost")
        return real_lock()

    tables.lock_checkpoint = flaky  # type: ignore[method-assign]
    applier = applier_on(recorder, tables)
    with pytest.raises(TransientError):
        applier.advance()
    assert applier.failures == {} and tables.checkpoint == 0
    assert applier.advance().checkpoint == 5


def test_a_poison_event_is_retried_then_skipped_and_the_rest_applied(recorder):
    recorder.append([event("TodoCreated", f"todo-{uuid.uuid4()}", 1, todo_id="x", list_id=LIST)])
    last = str(uuid.uuid4())
    recorder.append(
        [event("TodoCreated", f"todo-{last}", 1, todo_id=last, list_id=LIST, title="after")]
    )
    tables = InMemoryReadModelTables()
    applier = applier_on(recorder, tables, chunk_size=10, max_failures=3)
    for attempt in (1, 2):
        with pytest.raises(ApplyFailed) as failed:
            applier.advance()
        assert (failed.value.position, failed.value.attempts) == (6, attempt)
        assert tables.checkpoint == 5  # the good events before it were applied singly
        assert 6 not in tables.activity
    progress = applier.advance()
    assert [s.position for s in progress.skipped] == [6]
    assert "KeyError" in progress.skipped[0].error
    assert tables.checkpoint == 7 and tables.todos[last].title == "after"
    assert sorted(tables.activity) == [1, 2, 3, 4, 5, 7]


class RecordedDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, body, properties, reason, detail) -> None:
        self.sent.append((reason, detail))


def delivery(envelope: dict, tag: int) -> Delivery:
    return Delivery(
        tag, encode(envelope), pika.BasicProperties(message_id=envelope.get("id")), False
    )


def live_projection(recorder: InMemoryRecorder, tables: InMemoryReadModelTables) -> LiveProjection:
    live = LiveProjection(
        applier_on(recorder, tables), Topology("todo.events", "projector"), Status(), lambda: False
    )
    live.dead_letters = RecordedDeadLetters()  # type: ignore[assignment]
    return live


def test_live_messages_are_notifications_the_store_answers(recorder):
    tables = InMemoryReadModelTables()
    live = live_projection(recorder, tables)
    envelopes = [to_envelope(row) for row in recorder.read_all(0, 10)]
    # Only position 3 arrives: 1..3 are applied from the store (the gap is filled).
    live.handle(None, [delivery(envelopes[2], 1)])  # type: ignore[arg-type]
    assert (live.checkpoint, tables.checkpoint) == (3, 3)
    impostor = {**envelopes[3], "id": str(uuid.uuid4())}
    beyond = {**envelopes[4], "position": 99}
    live.handle(None, [delivery(envelopes[1], 2), delivery(impostor, 3), delivery(beyond, 4)])  # type: ignore[arg-type]
    assert live.dead_letters.sent == [  # type: ignore[union-attr]
        ("conflicts_with_store", "event 4 has another id in the store"),
        ("unknown_position", "the store has no event 99"),
    ]
    assert tables.checkpoint == 5  # applied through the highest claimed position it has
    live.handle(None, [delivery({"not": "an envelope"}, 5)])  # type: ignore[arg-type]
    assert live.dead_letters.sent[-1][0] == "invalid_envelope"  # type: ignore[union-attr]


def test_start_up_waits_out_a_database_outage(recorder):
    tables = InMemoryReadModelTables()
    outages = [TransientError("down")]

    def ensure() -> int:
        if outages:
            raise outages.pop()
        return 0

    tables.ensure_checkpoint = ensure  # type: ignore[method-assign]
    projector = bootstrap(
        load_settings({}), recorder, tables, FixedUsernames(USERS), configure_logs=False
    )
    status = Status()
    assert wait_for_database(projector, threading.Event(), status) is True
    assert tables.resets == 1  # the broken connection was dropped once
    assert (status.database_ok, status.head, status.checkpoint) == (True, 5, 0)
    stopped = threading.Event()
    stopped.set()
    assert wait_for_database(projector, stopped, Status()) is False


def test_bootstrap_wires_the_given_pieces(recorder):
    tables = InMemoryReadModelTables()
    projector = bootstrap(load_settings({}), recorder, tables, FixedUsernames(USERS), False)
    assert projector.store.recorder is recorder and projector.tables is tables
    assert projector.applier(chunk_size=1).advance().applied == 5

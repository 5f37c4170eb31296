"""The unit of work's cache of list streams: fewer reads, and never a wrong answer.

Two unit-of-work instances over one in-memory store stand for two API processes (each with
its own cache): what one changes, the other's cache does not know.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from todo_api.application import commands as c
from todo_api.application import handlers
from todo_api.application.stream_cache import StreamCache
from todo_shared.eventstore.interface import RecordedEvent

from tests.support.fake_api import RacingRecorder, fake_services
from tests.unit.test_api_commands import ALICE, BOB, _Refusal, new_list


class CountingRecorder(RacingRecorder):
    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def read_stream(self, stream: str) -> list[RecordedEvent]:
        self.reads[stream] += 1
        return super().read_stream(stream)


@pytest.fixture
def app():
    services = fake_services(alice="1", bob="2")
    recorder = CountingRecorder()
    return replace(services, uow=replace(services.uow, recorder=recorder))


def other_process(app):
    return replace(app.uow, cache=StreamCache())


def test_a_lists_stream_is_read_once_for_many_todos(app):
    lid = new_list(app)
    for n in range(3):
        handlers.create_todo(c.CreateTodo(ALICE, lid, f"todo {n}"), app.uow)
    assert app.recorder.reads[f"list-{lid}"] == 1
    assert [e.type for e in app.recorder.events] == ["ListCreated"] + ["TodoCreated"] * 3


def test_a_refusal_on_cached_rows_is_decided_again_on_fresh_ones(app):
    lid = new_list(app)
    second = other_process(app)
    with _Refusal("not_found"):  # read fresh (and cached): bob is not a member yet
        handlers.create_todo(c.CreateTodo(BOB, lid, "mine"), second)
    handlers.add_member(c.AddMember(ALICE, lid, "bob"), app.uow, app.directory)
    written = handlers.create_todo(c.CreateTodo(BOB, lid, "mine"), second)
    assert written.todo.title == "mine"  # the stale cache said "not a member": not trusted
    # read by the second process, by the first (add_member), and by the second again
    assert app.recorder.reads[f"list-{lid}"] == 3


def test_a_stream_that_moved_on_is_a_lost_race_not_a_stale_answer(app):
    lid = new_list(app)
    second = other_process(app)
    handlers.create_todo(c.CreateTodo(ALICE, lid, "first"), second)  # caches the list at 1
    handlers.rename_list(c.RenameList(ALICE, lid, "Renamed"), app.uow)
    written = handlers.create_todo(c.CreateTodo(ALICE, lid, "second"), second)
    # read by the second process, by the first (rename), and by the second again after the
    # append refused the cached version 1
    assert app.recorder.reads[f"list-{lid}"] == 3
    types = [e.type for e in app.recorder.events]
    assert types == ["ListCreated", "TodoCreated", "ListRenamed", "TodoCreated"]
    assert written.write_position == 4


def test_a_stream_this_process_appends_to_is_read_fresh_next_time(app):
    lid = new_list(app)
    handlers.create_todo(c.CreateTodo(ALICE, lid, "first"), app.uow)
    handlers.rename_list(c.RenameList(ALICE, lid, "Renamed"), app.uow)  # from the cache
    handlers.create_todo(c.CreateTodo(ALICE, lid, "second"), app.uow)
    assert app.recorder.reads[f"list-{lid}"] == 2


def test_the_cache_is_bounded():
    cache = StreamCache(size=2)
    for n in range(5):
        cache.put(f"list-{n}", [])
    assert cache.get("list-4") == () and cache.get("list-0") is None

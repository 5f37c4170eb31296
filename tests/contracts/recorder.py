"""The recorder contract (``todo_shared.eventstore.interface.Recorder``)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from todo_shared.envelope import validate_envelope
from todo_shared.eventstore.interface import ConcurrencyError, NewEvent, Recorder, to_envelope


def new_event(
    stream: str, version: int, event_type: str = "ListRenamed", **data: object
) -> NewEvent:
    list_id = stream.removeprefix("list-")
    return NewEvent(
        type=event_type,
        stream=stream,
        version=version,
        data={"list_id": list_id, "name": f"v{version}", **data},
        channels=[f"list:{list_id}"],
        metadata={"actor": "1", "source": "api"},
        occurred_at=datetime.now(UTC),
    )


def a_stream() -> str:
    return f"list-{uuid.uuid4()}"


class RecorderContract:
    """Subclass with ``create_recorder()`` returning an empty recorder."""

    writers = 4  # concurrent writer threads
    appends_per_writer = 25

    def create_recorder(self) -> Recorder:
        raise NotImplementedError

    def thread_done(self) -> None:
        """Called at the end of every thread a test starts (close its connections)."""

    # -- basics ----------------------------------------------------------------------------

    def test_an_empty_store(self) -> None:
        recorder = self.create_recorder()
        assert recorder.head() == 0
        assert list(recorder.read_all(0, 10)) == []
        assert list(recorder.read_stream(a_stream())) == []
        assert list(recorder.read_positions([1, 2])) == []

    def test_appended_events_read_back_in_order(self) -> None:
        recorder = self.create_recorder()
        s1, s2 = a_stream(), a_stream()
        first = new_event(s1, 1)
        stored = recorder.append([first, new_event(s1, 2), new_event(s2, 1)])
        assert [e.position for e in stored] == [1, 2, 3]
        assert recorder.head() == 3
        assert [(e.stream, e.version) for e in recorder.read_stream(s1)] == [(s1, 1), (s1, 2)]
        row = recorder.read_all(0, 1)[0]
        assert str(row.event_id) == first.event_id
        assert (row.type, dict(row.data), list(row.channels)) == (
            first.type,
            dict(first.data),
            list(first.channels),
        )
        assert dict(row.metadata) == dict(first.metadata)
        assert validate_envelope(to_envelope(row))["position"] == 1

    def test_read_all_after_limit_and_through(self) -> None:
        recorder = self.create_recorder()
        stream = a_stream()
        recorder.append([new_event(stream, v) for v in range(1, 6)])
        assert [e.position for e in recorder.read_all(2, 10)] == [3, 4, 5]
        assert [e.position for e in recorder.read_all(0, 2)] == [1, 2]
        assert [e.position for e in recorder.read_all(1, 10, through=3)] == [2, 3]
        assert list(recorder.read_all(5, 10)) == []
        assert [e.position for e in recorder.read_positions([4, 2, 99])] == [2, 4]

    def test_read_channels(self) -> None:
        recorder = self.create_recorder()
        s1, s2 = a_stream(), a_stream()
        recorder.append([new_event(s1, 1), new_event(s2, 1), new_event(s1, 2)])
        c1, c2 = f"list:{s1.removeprefix('list-')}", f"list:{s2.removeprefix('list-')}"
        assert [e.position for e in recorder.read_channels([c1], 0, 10)] == [1, 3]
        assert [e.position for e in recorder.read_channels([c1, c2], 1, 10)] == [2, 3]
        assert [e.position for e in recorder.read_channels([c1, c2], 0, 2)] == [1, 2]
        assert list(recorder.read_channels(["user:404"], 0, 10)) == []

    # -- expected versions -----------------------------------------------------------------

    def test_a_stale_version_conflicts_and_appends_nothing(self) -> None:
        recorder = self.create_recorder()
        stream = a_stream()
        recorder.append([new_event(stream, 1)])
        with pytest.raises(ConcurrencyError) as conflict:
            recorder.append([new_event(stream, 1)])
        assert (conflict.value.stream, conflict.value.expected, conflict.value.actual) == (
            stream,
            0,
            1,
        )
        assert recorder.head() == 1
        assert [e.version for e in recorder.read_stream(stream)] == [1]

    def test_expected_versions_of_other_streams_are_checked_atomically(self) -> None:
        recorder = self.create_recorder()
        guard, target = a_stream(), a_stream()
        recorder.append([new_event(guard, 1)])
        with pytest.raises(ConcurrencyError) as conflict:
            recorder.append([new_event(target, 1)], expected={guard: 0})
        assert conflict.value.stream == guard
        assert list(recorder.read_stream(target)) == []
        stored = recorder.append([new_event(target, 1)], expected={guard: 1})
        assert [e.position for e in stored] == [2]
        assert list(recorder.append([], expected={guard: 1})) == []  # a check only
        with pytest.raises(ConcurrencyError):
            recorder.append([], expected={guard: 7})

    def test_positions_are_gap_free_across_conflicts(self) -> None:
        recorder = self.create_recorder()
        stream = a_stream()
        for version in range(1, 4):
            recorder.append([new_event(stream, version)])
            with pytest.raises(ConcurrencyError):
                recorder.append([new_event(stream, version)])
        assert [e.position for e in recorder.read_all(0, 100)] == [1, 2, 3]

    # -- concurrency -----------------------------------------------------------------------

    def _run_threads(self, target, count: int) -> list[BaseException]:  # type: ignore[no-untyped-def]
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                target(i)
            except BaseException as exc:
                errors.append(exc)
            finally:
                self.thread_done()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
        return errors

    def test_one_of_many_concurrent_writers_of_a_stream_wins(self) -> None:
        recorder = self.create_recorder()
        stream = a_stream()
        barrier = threading.Barrier(8)
        won: list[int] = []

        def write(i: int) -> None:
            barrier.wait(30)
            recorder.append([new_event(stream, 1)], expected={stream: 0})
            won.append(i)

        errors = self._run_threads(write, 8)
        assert len(won) == 1
        assert len(errors) == 7 and all(isinstance(e, ConcurrencyError) for e in errors)
        assert [e.version for e in recorder.read_stream(stream)] == [1]

    def test_readers_never_skip_a_position_under_concurrent_writers(self) -> None:
        recorder = self.create_recorder()
        total = self.writers * self.appends_per_writer
        seen: list[int] = []
        done = threading.Event()

        def write(i: int) -> None:
            stream = a_stream()
            for version in range(1, self.appends_per_writer + 1):
                recorder.append([new_event(stream, version)])

        def read(_: int) -> None:
            last = 0
            while len(seen) < total:
                finished = done.is_set()  # before the read: then an empty read is final
                batch = [e.position for e in recorder.read_all(last, 1000)]
                # Everything after ``last`` that is visible must start at ``last + 1`` and be
                # contiguous: a later position visible before an earlier one would be skipped.
                assert batch == list(range(last + 1, last + 1 + len(batch))), (last, batch)
                seen.extend(batch)
                last = batch[-1] if batch else last
                if finished and not batch:
                    raise AssertionError(f"writers done but only {len(seen)} of {total} seen")

        reader = threading.Thread(target=lambda: self._collect(read, reader_errors))
        reader_errors: list[BaseException] = []
        reader.start()
        errors = self._run_threads(write, self.writers)
        done.set()
        reader.join(120)
        assert not reader.is_alive()
        assert errors == []
        assert reader_errors == []
        assert seen == list(range(1, total + 1))
        assert recorder.head() == total

    def _collect(self, target, errors: list[BaseException]) -> None:  # type: ignore[no-untyped-def]
        try:
            target(0)
        except BaseException as exc:
            errors.append(exc)
        finally:
            self.thread_done()

"""The store's append path alone (capacity scenario): ``threads`` threads append one new
TodoCreated-shaped event each through EventRecorder.append, for ``seconds``; prints JSON.

Run with DJANGO_SETTINGS_MODULE=todo_api.settings. This is the one place the bench reaches
into the recorder's interface (todo_shared.eventstore.recorder: EventRecorder, NewEvent)."""

import json
import sys
import threading
import time
import uuid

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from todo_shared.eventstore.recorder import EventRecorder, NewEvent  # noqa: E402


def main() -> None:
    threads, seconds = int(sys.argv[1]), float(sys.argv[2])
    recorder = EventRecorder()
    counts = [0] * threads
    until = time.monotonic() + seconds
    list_id = str(uuid.uuid4())

    def work(i: int) -> None:
        while time.monotonic() < until:
            todo = str(uuid.uuid4())
            event = NewEvent(
                type="TodoCreated",
                stream=f"todo-{todo}",
                version=1,
                data={"todo_id": todo, "list_id": list_id, "title": "bench"},
                channels=[f"list:{list_id}"],
                metadata={"actor": "1", "source": "api"},
                occurred_at=timezone.now(),
            )
            with transaction.atomic():
                recorder.append([event])
            counts[i] += 1
        connection.close()

    started = time.monotonic()
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    print(
        json.dumps(
            {"threads": threads, "appends": sum(counts), "appends_per_s": sum(counts) / elapsed}
        )
    )


if __name__ == "__main__":
    main()

"""The smallest process the stack can run: /healthz and /metrics on $PORT until SIGTERM."""

import os
import signal
import threading

from prometheus_client import Counter
from todo_shared.logs import configure_logging
from todo_shared.observability import serve_in_thread

STARTS = Counter("minimal_starts_total", "times this process started")


def main() -> None:
    configure_logging("minimal")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    STARTS.inc()
    server = serve_in_thread(int(os.environ["PORT"]), lambda: (True, {"pid": os.getpid()}))
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()

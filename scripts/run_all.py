"""``make run``: start the API, relay, projector and gateway; stop them all on Ctrl-C.

Each process logs JSON lines to stdout; they are passed through as they come. If one process
exits, the others are stopped too and the exit code says which failed, so a broken
configuration is never half-running.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "services" / "shared" / "src"))
from todo_shared.logs import configure_logging  # noqa: E402

log = logging.getLogger("run_all")
PYTHON = str(REPO / ".venv" / "bin" / "python")


def commands() -> dict[str, list[str]]:
    port = os.environ.get("API_PORT", "8000")
    return {
        "api": [PYTHON, "services/api/manage.py", "runserver", "--noreload", f"0.0.0.0:{port}"],
        "relay": [PYTHON, "services/api/manage.py", "relay"],
        "projector": [PYTHON, "-m", "projector"],
        "gateway": [PYTHON, "-m", "gateway"],
    }


def main() -> int:
    configure_logging("run")
    procs = {
        name: subprocess.Popen(argv, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        for name, argv in commands().items()
    }
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    api = os.environ.get("API_PORT", "8000")
    gateway = os.environ.get("GATEWAY_PORT", "9000")
    log.info(
        f"Realtime TODO: page http://localhost:{api}/  API docs http://localhost:{api}/api/docs"
        f"  gateway http://localhost:{gateway}/socket.io/  (Ctrl-C stops)"
    )
    failed = None
    while not stopping and failed is None:
        time.sleep(0.2)
        failed = next((n for n, p in procs.items() if p.poll() is not None), None)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    if failed:
        print(
            f"{failed} exited with {procs[failed].returncode}; stopped the others", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

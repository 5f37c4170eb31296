"""The Django peer (bench/peers/django_peer): a scratch database, then gunicorn (write path,
plain Django, the API's gunicorn.conf.py) or daphne (end to end, Django Channels)."""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass
from typing import Any

from bench.suite.context import PYTHON, Context
from bench.suite.procs import BENCH, start_server, stop, wait_http
from tests.support.stack import REPO, create_database, drop_database, free_port

PEER_DIR = BENCH / "peers" / "django_peer"


@dataclass
class DjangoPeer:
    url: str
    token: str
    list_ids: list[str]
    pid: int
    proc: subprocess.Popen[bytes]
    database: str

    def close(self) -> None:
        stop(self.proc)
        drop_database(self.database)


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=PEER_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"peer manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_peer(ctx: Context, server: str, lists: int = 16) -> DjangoPeer:
    """``server`` is "gunicorn" (plain Django) or "daphne" (Channels, broadcasting)."""
    import os

    name = f"benchpeer_{uuid.uuid4().hex[:8]}"
    url = create_database(name)
    env = {
        **os.environ,
        "PEER_DATABASE_URL": url,
        "PEER_BROADCAST": "1" if server == "daphne" else "0",
        "PEER_REDIS_PREFIX": name,
        "DJANGO_SETTINGS_MODULE": "benchpeer.settings",
    }
    _manage(env, "migrate", "--no-input")
    seeded: dict[str, Any] = json.loads(_manage(env, "seed_peer", "--lists", str(lists)))
    port = free_port()
    if server == "gunicorn":
        argv = [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            str(REPO / "services/api/gunicorn.conf.py"),
            "--chdir",
            str(PEER_DIR),
            "benchpeer.wsgi:application",
        ]
    else:
        argv = [
            PYTHON,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            # raised from 5 s: on a loaded core a burst of handshakes (group_add) is slower
            "--websocket_connect_timeout",
            "60",
            "benchpeer.asgi:application",
        ]
    proc = start_server(
        argv, {**env, "API_PORT": str(port)}, ctx.log_dir / f"peer-{server}.log", cwd=PEER_DIR
    )
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return DjangoPeer(
        f"http://127.0.0.1:{port}", seeded["token"], seeded["list_ids"], proc.pid, proc, name
    )

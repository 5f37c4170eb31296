"""With no environment, the API and relay run on SQLite and the local broker."""

import os
import subprocess
import uuid

from tests.support.api import ApiClient
from tests.support.broker import Tap
from tests.support.stack import PYTHON, REPO


def test_sqlite_and_local_broker_path(stack, tmp_path):
    exchange = f"todo.events.sqlite{uuid.uuid4().hex[:8]}"
    sqlite_url = f"sqlite:////{tmp_path}/todo.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "AMQP_URL", "REALTIME_SECRET", "SECRET_KEY", "DEBUG"}
    }
    env.update(DATABASE_URL=sqlite_url, EVENTS_EXCHANGE=exchange)
    migrate = subprocess.run(
        [PYTHON, "services/api/manage.py", "migrate", "--no-input"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    unset = {"AMQP_URL": "", "REALTIME_SECRET": "", "SECRET_KEY": "", "DEBUG": ""}
    tap = Tap(exchange)
    try:
        for name in ("api-dev", "relay"):
            stack.start(
                name, env={"DATABASE_URL": sqlite_url, "EVENTS_EXCHANGE": exchange, **unset}
            )
        alice = ApiClient(stack.url("api-dev"))
        lid = alice.create_list("on sqlite")["id"]
        alice.add_todo(lid, "works")
        tap.drain(2)
        envelopes = tap.envelopes()
        assert [e["type"] for e in envelopes] == ["ListCreated", "TodoCreated"]
        assert [e["position"] for e in envelopes] == [1, 2]
        assert "using the development value" in stack.procs["api-dev"].log_text()
    finally:
        tap.channel.exchange_delete(exchange)
        tap.close()


def test_debug_off_refuses_development_secrets():
    env = {k: v for k, v in os.environ.items() if k not in {"REALTIME_SECRET", "SECRET_KEY"}}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [PYTHON, "services/api/manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: REALTIME_SECRET is required when DEBUG is off"
    ]

"""``make run``'s launcher starts all four processes and stops them together."""

import json
import os
import signal
import subprocess
import urllib.request
import uuid

import pika

from tests.support.gateway import wait_for
from tests.support.stack import AMQP_URL, PYTHON, REPO, free_port


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def test_run_all_starts_everything_and_stops_on_sigterm(tmp_path):
    exchange = f"todo.events.run{uuid.uuid4().hex[:8]}"
    ports = {
        name: free_port() for name in ("API_PORT", "PROJECTOR_PORT", "RELAY_PORT", "GATEWAY_PORT")
    }
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REALTIME_SECRET", "SECRET_KEY"}
    }
    env.update({k: str(v) for k, v in ports.items()})
    env.update(
        DATABASE_URL=f"sqlite:////{tmp_path}/run.sqlite3",
        EVENTS_EXCHANGE=exchange,
        PROJECTOR_QUEUE=f"projector.run{uuid.uuid4().hex[:8]}",
        API_URL=f"http://127.0.0.1:{ports['API_PORT']}",
    )
    subprocess.run(
        [PYTHON, "services/api/manage.py", "migrate", "--no-input"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        [PYTHON, "scripts/run_all.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for port in ports.values():
            wait_for(lambda port=port: healthy(port), timeout=60, what=f"port {port} healthy")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not any(healthy(port) for port in ports.values())
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        channel = conn.channel()
        channel.queue_delete(env["PROJECTOR_QUEUE"])
        channel.queue_delete(f"{exchange}.dead")
        channel.exchange_delete(exchange)
        channel.exchange_delete(f"{exchange}.dlx")
        conn.close()
    lines = (tmp_path / "run.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    assert {r["service"] for r in records} >= {"run", "api", "relay", "projector", "gateway"}
    assert any(r["msg"].startswith("Realtime TODO: page http://localhost:") for r in records)

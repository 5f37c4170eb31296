"""The local test stack: the four processes of CONTRACT.md §1 as subprocesses.

One :class:`Stack` owns a fresh PostgreSQL database (cloned from a migrated template),
unique broker names (exchange, projector queue, dead letters), and the processes it
started on free ports. It waits for ``/healthz``, keeps every process's log under
``var/test-artifacts/`` (kept only when a test failed), can kill and restart any one,
and removes everything it created on teardown.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pika
import psycopg

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
ARTIFACTS = REPO / "var" / "test-artifacts"
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE = PG_ADMIN.rsplit("/", 1)[0]
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
TEST_REALTIME_SECRET = "test-realtime-secret-0123456789abcdef0123456789"
TEST_SECRET_KEY = "test-django-secret-key-0123456789abcdef0123456789"

COMMANDS: dict[str, tuple[list[str], str]] = {
    # name: (argv after python, port variable)
    # gunicorn, as in compose: runserver's listen backlog is too small for concurrency tests.
    "api": (["-m", "gunicorn", "-c", "services/api/gunicorn.conf.py"], "API_PORT"),
    "api-dev": (
        ["services/api/manage.py", "runserver", "--noreload", "127.0.0.1:{port}"],
        "API_PORT",
    ),
    "relay": (["services/api/manage.py", "relay"], "RELAY_PORT"),
    "projector": (["-m", "projector"], "PROJECTOR_PORT"),
    "gateway": (["-m", "gateway"], "GATEWAY_PORT"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin_exec(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def create_database(name: str, template: str | None = None) -> str:
    """Create database ``name`` (from ``template`` if given); return its URL."""
    suffix = f' TEMPLATE "{template}"' if template else ""
    _admin_exec(f'CREATE DATABASE "{name}"{suffix}')
    return f"{PG_BASE}/{name}"


def drop_database(name: str) -> None:
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Proc:
    """One started process of the stack."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    health_path: str = "/healthz"
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Stack:
    """Processes, a database and broker names for one test run (or one test)."""

    database_url: str
    database_name: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    procs: dict[str, Proc] = field(default_factory=dict)
    artifacts: Path = ARTIFACTS
    keep_artifacts: bool = False

    def __post_init__(self) -> None:
        self.exchange = f"todo.events.t{self.run_id}"
        self.projector_queue = f"projector.read-models.t{self.run_id}"
        self.log_dir = self.artifacts / self.run_id
        self.log_dir.mkdir(parents=True, exist_ok=True)

    # -- environment -----------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
        env.update(
            DATABASE_URL=self.database_url,
            AMQP_URL=AMQP_URL,
            EVENTS_EXCHANGE=self.exchange,
            PROJECTOR_QUEUE=self.projector_queue,
            REALTIME_SECRET=TEST_REALTIME_SECRET,
            SECRET_KEY=TEST_SECRET_KEY,
            DEBUG="1",
            PYTHONUNBUFFERED="1",
        )
        if "api" in self.procs:  # the gateway's catch-up source
            env["API_URL"] = self.procs["api"].url
        return env

    # -- processes -------------------------------------------------------------------------

    def start(
        self,
        name: str,
        argv: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        health_path: str = "/healthz",
        wait: bool = True,
        timeout: float = 40.0,
        port: int | None = None,
    ) -> Proc:
        """Start ``name`` (one of api, relay, projector, gateway, or any name with ``argv``).

        ``port`` picks the port (say, one handed to another process beforehand); by default
        a free one is found.
        """
        kind = name.split("#", 1)[0]
        port = port or free_port()
        if argv is None:
            template, port_var = COMMANDS[kind]
            argv = [PYTHON, *[a.format(port=port) for a in template]]
            port_env = {port_var: str(port)}
        else:
            argv = [a.format(port=port, python=PYTHON) for a in argv]
            port_env = {"PORT": str(port)}
        full_env = {**self.base_env(), **port_env, **(env or {})}
        proc = Proc(name, list(argv), full_env, port, self.log_dir / f"{name}.log", health_path)
        self.procs[name] = proc
        self._spawn(proc)
        if wait:
            self.wait_healthy(name, timeout)
        return proc

    def _spawn(self, proc: Proc) -> None:
        proc.starts += 1
        log = proc.log_path.open("ab")
        log.write(f"--- start #{proc.starts}: {' '.join(proc.argv)}\n".encode())
        log.flush()
        proc.popen = subprocess.Popen(
            proc.argv,
            cwd=REPO,
            env=proc.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: signals reach its children too
        )
        log.close()

    def wait_healthy(self, name: str, timeout: float = 40.0) -> None:
        proc = self.procs[name]
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            assert proc.popen is not None
            if proc.popen.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {proc.popen.returncode}:\n{proc.log_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(proc.url + proc.health_path, timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise TimeoutError(
            f"{name} not healthy after {timeout}s ({last}):\n{proc.log_text()[-3000:]}"
        )

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 15.0) -> int | None:
        """Send ``sig`` and wait for the process to end; returns its exit code."""
        proc = self.procs[name]
        if proc.popen is None or proc.popen.poll() is not None:
            return proc.popen.returncode if proc.popen else None
        os.killpg(proc.popen.pid, sig)  # the whole group: gunicorn's workers hold the port
        try:
            return proc.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.popen.pid, signal.SIGKILL)
            return proc.popen.wait(5)

    def restart(self, name: str, wait: bool = True) -> Proc:
        """Start a stopped (or killed) process again, on the same port."""
        proc = self.procs[name]
        self.kill(name)
        self._spawn(proc)
        if wait:
            self.wait_healthy(name)
        return proc

    def url(self, name: str) -> str:
        return self.procs[name].url

    # -- teardown --------------------------------------------------------------------------

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM, timeout=10)

    def delete_broker_objects(self) -> None:
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        try:
            ch = conn.channel()
            for queue in (self.projector_queue, f"{self.exchange}.dead"):
                ch.queue_delete(queue)
            for exchange in (self.exchange, f"{self.exchange}.dlx", f"{self.exchange}.presence"):
                ch.exchange_delete(exchange)
        finally:
            conn.close()

    def teardown(self, failed: bool = False) -> None:
        self.stop_all()
        self.delete_broker_objects()
        drop_database(self.database_name)
        if failed or self.keep_artifacts:
            print(f"\nstack logs kept in {self.log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.log_dir, ignore_errors=True)


class DatabaseFactory:
    """Migrates one template database per test run; each stack gets a fast clone of it."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:8]
        self.template: str | None = None

    def _migrated_template(self) -> str:
        if self.template is None:
            name = f"todo_test_{self.run_id}_tpl"
            url = create_database(name)
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "REALTIME_SECRET": TEST_REALTIME_SECRET,
                "SECRET_KEY": TEST_SECRET_KEY,
                "DEBUG": "1",
            }
            result = subprocess.run(
                [PYTHON, "services/api/manage.py", "migrate", "--no-input"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")
            self.template = name
        return self.template

    def new_database(self) -> tuple[str, str]:
        template = self._migrated_template()
        name = f"todo_test_{self.run_id}_{uuid.uuid4().hex[:8]}"
        return create_database(name, template), name

    def new_stack(self) -> Stack:
        url, name = self.new_database()
        return Stack(database_url=url, database_name=name)

    def cleanup(self) -> None:
        if self.template:
            drop_database(self.template)

"""Production settings as compose runs them (issue 15).

- ``manage.py check --deploy --fail-level WARNING`` passes with the API's environment as
  ``docker-compose config`` resolves it, and fails when the HTTPS settings are taken away;
- ``scripts/new_env.py`` writes strong random secrets compose accepts, and never overwrites;
- ``DATABASE_URL``'s query options reach the driver (``?sslmode=require`` against this
  machine's PostgreSQL, which has no SSL, is refused by libpq; ``disable`` connects);
- ``manage.py prune_idempotency`` removes records past 24 h, and the relay does it by itself;
- promtool accepts the monitoring profile's Prometheus configuration and alert rules.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.integration.test_compose_config import (
    SECRETS,
    compose,
    environment,
    filled_env_file,
    yaml_to_data,
)
from tests.support.stack import PYTHON
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MANAGE = str(REPO / "services/api/manage.py")
NEW_ENV = str(REPO / "scripts/new_env.py")


def api_environment(env_file: Path) -> dict[str, str]:
    result = compose(env_file, "config")
    assert result.returncode == 0, result.stderr
    return environment(yaml_to_data(result.stdout)["services"]["api"])


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_compose_settings(tmp_path: Path) -> None:
    env = api_environment(filled_env_file(tmp_path))
    assert env["DEBUG"] == "0" and env["SECURE_PROXY_SSL_HEADER"] == "1"
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_check_deploy_fails_without_the_https_settings(tmp_path: Path) -> None:
    env = api_environment(
        filled_env_file(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    )
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W004" in result.stderr


def run_new_env(output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["python3", NEW_ENV, "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_new_env_writes_strong_secrets_that_compose_accepts(tmp_path: Path) -> None:
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    assert run_new_env(first).returncode == 0
    assert run_new_env(second).returncode == 0
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    a, b = read_env(first), read_env(second)
    for name in SECRETS:
        size = 64 if name in ("SECRET_KEY", "REALTIME_SECRET") else 43  # 48 or 32 bytes
        assert re.fullmatch(rf"[A-Za-z0-9_-]{{{size}}}", a[name]), name
        assert a[name] != b[name], name
    assert len({a[name] for name in SECRETS}) == len(SECRETS), "every secret its own"
    example = read_env(REPO / ".env.example")
    assert {k: v for k, v in a.items() if k not in SECRETS} == {
        k: v for k, v in example.items() if k not in SECRETS
    }
    result = compose(first, "config", "--quiet")
    assert result.returncode == 0, result.stderr
    env = api_environment(first)
    assert env["SECRET_KEY"] == a["SECRET_KEY"]
    assert check_deploy(env).returncode == 0


def test_new_env_refuses_to_overwrite(tmp_path: Path) -> None:
    existing = tmp_path / ".env"
    existing.write_text("SECRET_KEY=the-one-the-volumes-know\n")
    result = run_new_env(existing)
    assert result.returncode == 1
    assert "not overwriting" in result.stderr
    assert existing.read_text() == "SECRET_KEY=the-one-the-volumes-know\n"


# -- DATABASE_URL options -------------------------------------------------------------------


def django_connect(database_url: str) -> subprocess.CompletedProcess[str]:
    code = "from django.db import connection; connection.ensure_connection(); print('connected')"
    return subprocess.run(
        [PYTHON, MANAGE, "shell", "-c", code],
        env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sslmode_in_database_url_reaches_the_driver(databases: Any) -> None:
    url, _name = databases.new_database()
    assert (
        "does not support SSL"
        in subprocess.run(  # the fault: this server has no SSL
            ["psql", f"{url}?sslmode=require", "-c", "select 1"], capture_output=True, text=True
        ).stderr
    )
    refused = django_connect(f"{url}?sslmode=require&application_name=todo-check")
    assert refused.returncode != 0
    assert "server does not support SSL, but SSL was required" in refused.stderr
    allowed = django_connect(f"{url}?sslmode=disable&application_name=todo-check")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip().endswith("connected")


# -- idempotency pruning ---------------------------------------------------------------------


def add_records(url: str, ages: dict[str, timedelta]) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        for key, age in ages.items():
            conn.execute(
                "INSERT INTO api_idempotency (user_id, key, request_fingerprint, status, body,"
                " write_position, created_at) VALUES ('1', %s, 'f', 201, '{}', NULL, %s)",
                (key, now - age),
            )


def keys_left(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT key FROM api_idempotency")}


AGES = {
    "old": timedelta(hours=25),
    "older": timedelta(days=30),
    "fresh": timedelta(hours=1),
    "almost": timedelta(hours=23, minutes=50),
}


def test_prune_idempotency_removes_only_records_past_24_hours(databases: Any) -> None:
    url, _name = databases.new_database()
    add_records(url, AGES)
    assert keys_left(url) == set(AGES)
    result = subprocess.run(
        [PYTHON, MANAGE, "prune_idempotency"],
        env={**os.environ, "DATABASE_URL": url, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert keys_left(url) == {"fresh", "almost"}
    assert '"removed": 2' in result.stdout


def test_the_relay_prunes_by_itself(stack: Any) -> None:
    add_records(stack.database_url, AGES)
    relay = stack.start("relay")
    wait_for(lambda: keys_left(stack.database_url) == {"fresh", "almost"}, what="pruning")
    assert '"msg": "idempotency records pruned"' in relay.log_text()


# -- monitoring -------------------------------------------------------------------------------


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is not installed: apt-get install prometheus (make test does)"
    return path


@pytest.mark.parametrize(
    ("command", "path"),
    [("config", "infra/monitoring/prometheus.yml"), ("rules", "infra/monitoring/alerts.yml")],
)
def test_promtool_accepts_the_monitoring_files(command: str, path: str) -> None:
    result = subprocess.run(
        [promtool(), "check", command, str(REPO / path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr

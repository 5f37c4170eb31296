"""``make test`` refuses to start, with one line, when PostgreSQL or RabbitMQ is missing."""

import os
import subprocess

from tests.support.stack import PYTHON, REPO, free_port


def run_check(**env):
    result = subprocess.run(
        [PYTHON, "scripts/check_services.py"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout.strip().splitlines()


def test_both_services_answer():
    assert run_check() == (0, [])


def test_a_missing_broker_is_named_in_one_line():
    port = free_port()
    code, lines = run_check(TEST_AMQP_URL=f"amqp://guest:guest@127.0.0.1:{port}/%2F")
    assert code == 1
    assert len(lines) == 1
    assert f"RabbitMQ at 127.0.0.1:{port}" in lines[0] and "PostgreSQL" not in lines[0]


def test_a_missing_database_is_named_in_one_line():
    port = free_port()
    code, lines = run_check(TEST_PG_ADMIN_URL=f"postgresql://postgres@127.0.0.1:{port}/postgres")
    assert code == 1 and len(lines) == 1
    assert f"PostgreSQL at 127.0.0.1:{port}" in lines[0] and "RabbitMQ" not in lines[0]

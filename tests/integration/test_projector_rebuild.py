"""``rebuild`` while the API takes writes and the projector runs ends equal to a replay."""

from __future__ import annotations

import subprocess
import threading

import pytest

from tests.support.projector import (
    assert_matches_oracle,
    checkpoint,
    drive,
    projector_cli,
    rebuild,
    start_writers,
    wait_caught_up,
)
from tests.support.stack import PYTHON, REPO

pytestmark = pytest.mark.integration


def test_rebuild_while_a_writer_issues_commands_ends_equal_to_a_replay(stack) -> None:
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    users = start_writers(stack, "w")
    drive(users, count=150, seed=11)
    wait_caught_up(stack)

    errors: list[BaseException] = []

    def writer() -> None:
        try:
            drive(users, count=150, seed=12)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    results = [rebuild(stack, "--batch-size", "25") for _ in range(2)]
    thread.join()
    assert not errors, errors
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "rebuild: done:" in result.stderr
    wait_caught_up(stack)
    assert_matches_oracle(stack)


def test_rebuild_without_a_running_projector_then_the_projector_goes_on(stack) -> None:
    stack.start("api")
    stack.start("relay")
    users = start_writers(stack, "r")
    drive(users, count=60, seed=13)
    result = rebuild(stack)
    assert result.returncode == 0, result.stderr
    assert "events (" in result.stderr  # a plain progress line, not a bar, off a terminal
    rebuilt = checkpoint(stack)
    assert rebuilt > 0
    stack.start("projector")
    drive(users, count=20, seed=14)
    wait_caught_up(stack)
    assert_matches_oracle(stack)


def test_bad_configuration_exits_with_one_line(stack) -> None:
    for env, fragment in (
        ({"PROJECTOR_PORT": "eighty"}, "PROJECTOR_PORT"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"),
        ({"AMQP_URL": "http://broker"}, "AMQP_URL"),
    ):
        result = subprocess.run(
            [PYTHON, "-m", "projector"],
            cwd=REPO,
            env={**stack.base_env(), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_help_describes_the_commands(stack) -> None:
    result = projector_cli(stack, "dead-letters", "republish", "--help")
    assert result.returncode == 0
    assert "--reason" in result.stdout and "--to" in result.stdout

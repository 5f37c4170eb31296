"""Property: after any sequence of commands, the read models equal a fresh replay."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.projector import (
    World,
    assert_matches_oracle,
    drive,
    start_writers,
    wait_caught_up,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def running(stack):
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    users = start_writers(stack, "p")
    return stack, users, World()


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 40))
def test_any_command_sequence_projects_to_a_replay(running, seed: int, count: int) -> None:
    stack, users, world = running
    # One stack for every example: each example continues the same history.
    drive(users, count=count, seed=seed, world=world)
    wait_caught_up(stack)
    assert_matches_oracle(stack)

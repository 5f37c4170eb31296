"""Fixtures of the security suites: stacks whose limits and secrets the tests choose."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import FAILED
from tests.support.stack import DatabaseFactory, Stack

StackFactory = Callable[[], Stack]


@pytest.fixture(scope="module")
def module_stack(databases: DatabaseFactory, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """One stack shared by the tests of a module (they start what they need once)."""
    stack = databases.new_stack()
    yield stack
    failed = any(item.stash.get(FAILED, False) for item in request.session.items)
    stack.teardown(failed=failed)

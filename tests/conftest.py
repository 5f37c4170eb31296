"""Fixtures shared by every tier. Integration and e2e tests need PostgreSQL and RabbitMQ;
``make test`` checks both answer before pytest starts, and nothing here ever skips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import DatabaseFactory, Stack

pytest_plugins = ["tests.support.e2e"]  # the `system` fixture of the e2e journeys


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item.stash[FAILED] = True


FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def databases() -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory()
    yield factory
    factory.cleanup()


@pytest.fixture
def make_stack(databases: DatabaseFactory, request: pytest.FixtureRequest) -> Iterator[type[Stack]]:
    """A factory of fresh stacks for one test; all of them torn down after it."""
    stacks: list[Stack] = []

    def factory() -> Stack:
        stack = databases.new_stack()
        stacks.append(stack)
        return stack

    yield factory  # type: ignore[misc]
    failed = request.node.stash.get(FAILED, False)
    for stack in stacks:
        stack.teardown(failed=failed)


@pytest.fixture
def stack(make_stack):  # type: ignore[no-untyped-def]
    """One fresh stack (database, broker names) for this test; start what you need."""
    return make_stack()

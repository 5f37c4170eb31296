"""The event registry: every store type defined once, and everything derived from it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from gateway.domain.revocations import access_change, revocations_in
from projector.domain.handlers import HANDLERS
from todo_api.domain import todo, todo_list
from todo_shared.channels import channels_for
from todo_shared.envelope import STORE_EVENT_TYPES, EnvelopeError, build_envelope, validate_envelope
from todo_shared.event_registry import (
    MEMBERSHIP_EVENT_TYPES,
    STORE_EVENTS,
    Access,
    check_handles_exactly,
    events_of,
)
from todo_shared.schema_files import schema_dir

LID = str(uuid.uuid4())
# The contract's table (CONTRACT.md §3), written out independently of the registry.
CONTRACT = {
    "ListCreated": ({"list_id": LID, "name": "n", "owner_id": "1"}, ["user:1"]),
    "ListRenamed": ({"list_id": LID, "name": "n"}, []),
    "ListDeleted": ({"list_id": LID, "member_ids": ["1", "2"]}, ["user:1", "user:2"]),
    "MemberAdded": ({"list_id": LID, "user_id": "3"}, ["user:3"]),
    "MemberRemoved": ({"list_id": LID, "user_id": "3"}, ["user:3"]),
    "TodoCreated": ({"todo_id": LID, "list_id": LID, "title": "t"}, []),
    "TodoRenamed": ({"todo_id": LID, "list_id": LID, "title": "t"}, []),
    "TodoCompleted": ({"todo_id": LID, "list_id": LID}, []),
    "TodoReopened": ({"todo_id": LID, "list_id": LID}, []),
    "TodoDeleted": ({"todo_id": LID, "list_id": LID}, []),
}


def test_the_registry_is_the_contracts_table():
    assert list(STORE_EVENTS) == list(CONTRACT)
    assert tuple(CONTRACT) == STORE_EVENT_TYPES
    for name, (data, users) in CONTRACT.items():
        assert channels_for(name, data) == [f"list:{LID}", *users]


def test_channels_for_refuses_a_type_the_store_does_not_record():
    with pytest.raises(KeyError):
        channels_for("PresenceChanged", {"list_id": LID})


def test_every_type_has_its_data_schema_and_no_schema_is_orphaned():
    data_dir = schema_dir().joinpath("data")
    files = {entry.name for entry in data_dir.iterdir() if entry.name.endswith(".schema.json")}
    assert files == {STORE_EVENTS[name].data_schema.removeprefix("data/") for name in CONTRACT}


@pytest.mark.parametrize("name", list(CONTRACT))
def test_each_data_schema_accepts_the_contract_example_and_refuses_a_missing_field(name):
    data, _ = CONTRACT[name]
    envelope = build_envelope(
        event_type=name,
        stream=f"list-{LID}",
        version=1,
        data=data,
        channels=channels_for(name, data),
        metadata={"actor": "1", "source": "api"},
        occurred_at=datetime.now(UTC),
        position=1,
    )
    assert validate_envelope(envelope) is envelope
    broken = {**envelope, "data": {k: v for k, v in data.items() if k != "list_id"}}
    with pytest.raises(EnvelopeError) as refused:
        validate_envelope(broken)
    assert refused.value.reason == "invalid_data"


def test_access_rules():
    assert {"ListCreated", "ListDeleted", "MemberAdded", "MemberRemoved"} == MEMBERSHIP_EVENT_TYPES
    revoking = {n for n, t in STORE_EVENTS.items() if t.access is Access.REVOKES}
    assert revoking == {"ListDeleted", "MemberRemoved"}
    deleted = {"type": "ListDeleted", "position": 9, "data": CONTRACT["ListDeleted"][0]}
    assert list(revocations_in(deleted)) == [("1", LID), ("2", LID)]
    created = {"type": "ListCreated", "position": 1, "data": CONTRACT["ListCreated"][0]}
    assert access_change(created, "1", LID) == "granted"
    assert access_change(created, "2", LID) is None
    assert access_change(deleted, "2", LID) == "revoked"
    assert access_change({"type": "Other", "data": {}}, "2", LID) is None


def test_consumers_handle_exactly_the_registry():
    check_handles_exactly(HANDLERS, "projector")  # the import-time check, repeated
    assert set(todo_list._APPLY) == events_of("list")
    assert set(todo._APPLY) == events_of("todo")
    assert events_of("list") | events_of("todo") == set(STORE_EVENTS)


def test_a_handler_table_that_misses_or_invents_a_type_is_refused():
    with pytest.raises(LookupError, match="missing \\['TodoDeleted'\\]"):
        check_handles_exactly([n for n in CONTRACT if n != "TodoDeleted"], "a table")
    with pytest.raises(LookupError, match="unknown \\['TodoArchived'\\]"):
        check_handles_exactly([*CONTRACT, "TodoArchived"], "a table")

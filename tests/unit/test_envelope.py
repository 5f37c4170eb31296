"""The envelope and its JSON Schemas (validation in and out)."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from todo_shared.envelope import (
    MAX_MESSAGE_BYTES,
    EnvelopeError,
    build_envelope,
    encode,
    parse_message,
    validate_envelope,
)

LIST_ID = str(uuid.uuid4())


def store_event(**overrides):
    envelope = build_envelope(
        event_type="TodoCreated",
        stream=f"todo-{uuid.uuid4()}",
        version=1,
        data={"todo_id": str(uuid.uuid4()), "list_id": LIST_ID, "title": "milk"},
        channels=[f"list:{LIST_ID}"],
        metadata={"actor": "1", "source": "api"},
        occurred_at=datetime(2026, 11, 23, 18, 42, tzinfo=UTC),
        position=12,
    )
    envelope.update(overrides)
    return envelope


def test_a_store_event_round_trips():
    envelope = store_event()
    assert parse_message(encode(envelope)) == envelope
    assert envelope["occurred_at"] == "2026-11-23T18:42:00.000000Z"
    assert envelope["schema_version"] == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe junk", "not_json"),
        (b"[1, 2]", "invalid_envelope"),
        (b"x" * (MAX_MESSAGE_BYTES + 1), "too_large"),
        (b"[" * 20000 + b"]" * 20000, "not_json"),
        (b'{"id": "\\ud800"}', "not_json"),
    ],
)
def test_junk_is_refused_with_a_reason(body, reason):
    with pytest.raises(EnvelopeError) as caught:
        parse_message(body)
    assert caught.value.reason == reason


def test_missing_field_and_unknown_field_are_refused():
    envelope = store_event()
    del envelope["stream"]
    with pytest.raises(EnvelopeError, match="stream"):
        validate_envelope(envelope)
    with pytest.raises(EnvelopeError):
        validate_envelope(store_event(extra=1))


def test_data_is_checked_per_type():
    bad = store_event(data={"todo_id": str(uuid.uuid4()), "list_id": LIST_ID})
    with pytest.raises(EnvelopeError) as caught:
        validate_envelope(bad)
    assert caught.value.reason == "invalid_data"


def test_events_without_position_may_not_name_list_channels():
    envelope = store_event()
    del envelope["position"]
    with pytest.raises(EnvelopeError) as caught:
        validate_envelope(envelope)
    assert caught.value.reason == "not_from_store"


def test_other_services_publish_their_own_types_to_public_and_user_channels():
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "NewsPublished",
        "schema_version": 1,
        "stream": "news-1",
        "version": 1,
        "occurred_at": "2026-11-23T18:42:00Z",
        "channels": ["public:news", "user:7"],
        "data": {"headline": "hello"},
        "metadata": {"source": "newsroom"},
    }
    assert validate_envelope(json.loads(json.dumps(envelope))) == envelope


@pytest.mark.parametrize("channel", ["list:not-a-uuid", "public:UPPER", "user:abc", "team:1", ""])
def test_bad_channel_names_are_refused(channel):
    with pytest.raises(EnvelopeError):
        validate_envelope(store_event(channels=[channel]))


def test_only_store_types_carry_a_position():
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "Announcement",
        "schema_version": 1,
        "stream": "news-1",
        "version": 1,
        "position": 332,
        "occurred_at": "2026-11-23T18:42:00Z",
        "channels": ["public:news"],
        "data": {},
        "metadata": {"source": "newsroom"},
    }
    with pytest.raises(EnvelopeError) as caught:
        validate_envelope(envelope)
    assert caught.value.reason == "not_from_store"

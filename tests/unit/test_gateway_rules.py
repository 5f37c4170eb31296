"""The gateway's pure rules: channel authorisation, revocations, request shapes, origins."""

from __future__ import annotations

import uuid

from gateway.domain.access import Allowed, Refused, authorise_channel
from gateway.domain.requests import SubscribeRequest, parse_subscribe, parse_unsubscribe
from gateway.domain.revocations import RevocationTable, access_change, revocations_in
from gateway.entrypoints.origins import origin_checker
from todo_shared.rate_limit import TokenBucket
from todo_shared.tokens import RealtimeClaims

LIST_ID = str(uuid.uuid4())
LIST = f"list:{LIST_ID}"
NOW = 1_000_000.0


def claims(
    user: str = "7",
    channels: tuple[str, ...] = (LIST,),
    position: int = 10,
    expires_at: float = NOW + 600,
) -> RealtimeClaims:
    return RealtimeClaims(user, channels, position, int(expires_at))


def decide(channel: object, tokens: list[RealtimeClaims], table: RevocationTable | None = None):
    return authorise_channel(channel, tokens, table or RevocationTable(600), NOW)


def test_public_channels_need_no_token():
    assert decide("public:news", []) == Allowed("public:news", None)


def test_invalid_names_are_bad_requests():
    for name in ("list:nope", "public:Caps", "user:x", "", None, 5, "other:1"):
        assert isinstance(decide(name, []), Refused)
        assert decide(name, []).code == "bad_request"  # type: ignore[union-attr]


def test_a_channel_needs_a_token_listing_it():
    assert decide(LIST, []).code == "forbidden"  # type: ignore[union-attr]
    assert decide("user:7", [claims()]).code == "forbidden"  # type: ignore[union-attr]
    allowed = decide(LIST, [claims()])
    assert isinstance(allowed, Allowed) and allowed.claims == claims()


def test_expired_tokens_say_so_and_a_fresh_one_wins():
    old = claims(expires_at=NOW - 1)
    assert decide(LIST, [old]).code == "token_expired"  # type: ignore[union-attr]
    fresh = claims(position=20)
    assert decide(LIST, [old, fresh]) == Allowed(LIST, fresh)


def test_service_tokens_open_nothing():
    service = RealtimeClaims("service:gateway", (LIST,), 0, int(NOW + 60))
    assert decide(LIST, [service]).code == "forbidden"  # type: ignore[union-attr]


def test_revocation_refuses_older_tokens_only():
    table = RevocationTable(600)
    table.record("7", LIST_ID, 15)
    assert decide(LIST, [claims(position=10)], table).code == "forbidden"  # type: ignore[union-attr]
    assert isinstance(decide(LIST, [claims(position=15)], table), Allowed)
    assert isinstance(decide(LIST, [claims(user="8", position=10)], table), Allowed)
    # revoked beats expired: the user must not be told to fetch a new token
    expired = claims(position=10, expires_at=NOW - 1)
    assert decide(LIST, [expired], table).code == "forbidden"  # type: ignore[union-attr]


def test_revocation_table_keeps_the_newest_and_prunes_after_the_token_lifetime():
    now = [0.0]
    table = RevocationTable(600, clock=lambda: now[0])
    table.record("7", LIST_ID, 15)
    table.record("7", LIST_ID, 12)
    assert table.is_revoked("7", LIST_ID, 14) and not table.is_revoked("7", LIST_ID, 15)
    now[0] = 601
    assert table.prune() == 1 and len(table) == 0


def test_which_events_revoke_and_grant():
    removed = {"type": "MemberRemoved", "position": 9, "data": {"list_id": LIST_ID, "user_id": "7"}}
    deleted = {
        "type": "ListDeleted",
        "position": 9,
        "data": {"list_id": LIST_ID, "member_ids": ["7", "8"]},
    }
    added = {"type": "MemberAdded", "position": 9, "data": {"list_id": LIST_ID, "user_id": "7"}}
    assert list(revocations_in(removed)) == [("7", LIST_ID)]
    assert list(revocations_in(deleted)) == [("7", LIST_ID), ("8", LIST_ID)]
    assert list(revocations_in(added)) == []
    assert access_change(removed, "7", LIST_ID) == "revoked"
    assert access_change(added, "7", LIST_ID) == "granted"
    assert access_change(added, "8", LIST_ID) is None
    table = RevocationTable(600)
    assert table.record_event(deleted) == [("7", LIST_ID), ("8", LIST_ID)]
    assert table.is_revoked("8", LIST_ID, 8)


def test_subscribe_payload_shapes():
    assert parse_subscribe({"channel": "public:a", "since": 3}) == SubscribeRequest(
        "public:a", 3, None
    )
    for bad in (
        None,
        "public:a",
        {"channel": "public:a", "since": -1},
        {"channel": "public:a", "since": True},
        {"channel": "public:a", "since": "3"},
        {"channel": "public:a", "token": 5},
        {"channel": "LIST"},
    ):
        assert isinstance(parse_subscribe(bad), Refused), bad
    assert parse_unsubscribe({"channel": "public:a"}) == "public:a"
    assert isinstance(parse_unsubscribe({}), Refused)


def test_token_bucket_limits_bursts_and_refills():
    now = [0.0]
    bucket = TokenBucket(3, 1.0, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 1.0
    assert bucket.take() and not bucket.take()


def test_origins_configured_or_same_origin():
    allowed = origin_checker(["http://localhost:8000"])
    env = {"HTTP_HOST": "gw:9000", "wsgi.url_scheme": "http"}
    assert allowed("http://localhost:8000", env)
    assert allowed("http://gw:9000", env)
    assert not allowed("http://evil.example", env)


def test_handlers_answer_extra_arguments_and_errors_with_an_ack() -> None:
    """Regression (fuzz suite): two arguments to subscribe raised TypeError and never acked."""
    from gateway.entrypoints.socketio_handlers import guarded

    def boom(sid: str, payload: object) -> dict[str, object]:
        raise RuntimeError("bug")

    ack = guarded("subscribe", "sid", ({"channel": "public:a"}, {}), lambda s, p: {"ok": True})
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    assert guarded("subscribe", "sid", (), lambda s, p: {"ok": True, "p": p}) == {
        "ok": True,
        "p": None,
    }
    assert guarded("subscribe", "sid", (1,), boom)["error"]["code"] == "unavailable"


def test_connection_caps_per_user() -> None:
    from gateway.domain.connection_caps import UserConnectionCaps

    caps = UserConnectionCaps(2)
    assert caps.admit("a", "7") and caps.admit("b", "7")
    assert not caps.admit("c", "7")
    assert caps.admit("d", "8") and caps.admit("anon", None)
    caps.release("a")
    caps.release("a")  # twice is fine
    caps.release("c")  # never admitted
    assert caps.held_by("7") == 1 and caps.admit("e", "7")
    for sid in ("b", "d", "e"):
        caps.release(sid)
    assert caps.users() == 0


def test_malformed_event_packets_are_recognised() -> None:
    """Regression (fuzz suite): ``42`` / ``42{}`` frames raised TypeError in python-socketio."""
    import socketio
    from gateway.adapters.packet_guard import is_event_data

    assert is_event_data(["subscribe", {}]) and is_event_data(["x"])
    for data in (None, {}, [], [1], "subscribe", [None, 1]):
        assert not is_event_data(data)
    # the one private method GuardedServer overrides is still there, with this signature
    import inspect

    params = list(inspect.signature(socketio.Server._handle_event).parameters)
    assert params == ["self", "eio_sid", "namespace", "id", "data"]
    params = list(inspect.signature(socketio.Server._handle_eio_message).parameters)
    assert params == ["self", "eio_sid", "data"]

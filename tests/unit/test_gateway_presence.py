"""Presence rules without I/O: state, merge, coalescing, the gateways' message format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from gateway.application.presence import PresenceService, ttl_for, username_of
from gateway.domain.presence import (
    MAX_LISTED,
    LocalPresence,
    PeerPresence,
    has_presence,
    merged_users,
    presence_payload,
)
from gateway.domain.presence_schedule import MIN_GAP, AnnouncementSchedule, Viewers
from gateway.domain.presence_wire import CHUNK_BYTES, WireError, encode, parse
from todo_shared.tokens import RealtimeClaims

LIST = "list:6f1c1f4e-8a55-4a43-9a8e-0d6a1b0c2d3e"
OTHER = "list:0b9f0a4e-1a55-4a43-9a8e-0d6a1b0c2d3e"


# -- the presence event ----------------------------------------------------------------------


def test_users_are_sorted_by_username_in_code_point_order():
    users = {"1": "bob", "2": "Zed", "3": "émile", "4": "alice", "5": "alice"}
    payload = presence_payload(LIST, users)
    assert payload["channel"] == LIST and payload["count"] == 5
    assert [(u["username"], u["id"]) for u in payload["users"]] == [
        ("Zed", "2"),
        ("alice", "4"),
        ("alice", "5"),
        ("bob", "1"),
        ("émile", "3"),
    ]


def test_at_most_100_users_are_listed_but_the_count_is_exact():
    users = {str(n): f"user{n:04d}" for n in range(250)}
    payload = presence_payload(LIST, users)
    assert payload["count"] == 250
    assert len(payload["users"]) == MAX_LISTED
    assert [u["username"] for u in payload["users"]] == [f"user{n:04d}" for n in range(100)]


def test_only_list_channels_have_presence():
    assert has_presence(LIST)
    assert not has_presence("user:7") and not has_presence("public:lobby")


# -- local connections ---------------------------------------------------------------------


def test_a_user_with_several_connections_counts_once():
    local = LocalPresence()
    assert local.join(LIST, "sid-1", "7", "alice") is True
    assert local.join(LIST, "sid-2", "7", "alice") is False  # same set
    assert local.join(LIST, "sid-1", "7", "alice") is False  # a repeated join changes nothing
    assert local.users(LIST) == {"7": "alice"}
    assert local.leave(LIST, "sid-1") is False  # sid-2 still holds it
    assert local.users(LIST) == {"7": "alice"}
    assert local.leave(LIST, "sid-2") is True
    assert local.users(LIST) == {} and local.channels() == []
    assert local.leave(LIST, "sid-2") is False  # unknown: nothing to do


def test_channels_are_independent():
    local = LocalPresence()
    local.join(LIST, "sid-1", "7", "alice")
    local.join(OTHER, "sid-1", "7", "alice")
    local.leave(LIST, "sid-1")
    assert local.users(OTHER) == {"7": "alice"} and local.users(LIST) == {}


# -- the other gateways --------------------------------------------------------------------


def test_peer_entries_expire_unless_announced_again():
    peers = PeerPresence()
    assert peers.apply("gw-b", {LIST: {"8": "bob"}}, ttl=10, now=100) == {LIST}
    assert peers.apply("gw-b", {LIST: {"8": "bob"}}, ttl=10, now=105) == set()  # refreshed only
    assert peers.expire(114) == (set(), 0)
    assert peers.users(LIST) == {"8": "bob"}
    assert peers.expire(115) == ({LIST}, 1)
    assert peers.users(LIST) == {} and peers.gateways() == set()


def test_an_empty_set_removes_and_bye_forgets_everything():
    peers = PeerPresence()
    peers.apply("gw-b", {LIST: {"8": "bob"}, OTHER: {"9": "carol"}}, ttl=10, now=0)
    assert peers.apply("gw-b", {LIST: {}}, ttl=10, now=1) == {LIST}
    assert peers.users(LIST) == {}
    assert peers.forget("gw-b") == {OTHER}
    assert peers.users(OTHER) == {} and peers.channels() == set()


def test_merge_counts_a_user_present_on_two_gateways_once():
    local, peers = LocalPresence(), PeerPresence()
    local.join(LIST, "sid-1", "7", "alice")
    peers.apply("gw-b", {LIST: {"7": "alice", "8": "bob"}}, ttl=10, now=0)
    peers.apply("gw-c", {LIST: {"8": "bob"}}, ttl=10, now=0)
    assert merged_users(local, peers, LIST) == {"7": "alice", "8": "bob"}


# -- coalescing ----------------------------------------------------------------------------


def test_the_first_presence_after_an_ack_goes_at_once_then_at_least_250_ms_apart():
    viewers = Viewers()
    viewers.acked(LIST, "sid-1")
    assert viewers.due(LIST, version=1, now=10.0) == (["sid-1"], None)
    viewers.changed(LIST)
    assert viewers.due(LIST, version=2, now=10.1) == ([], 10.0 + MIN_GAP)
    viewers.changed(LIST)
    assert viewers.due(LIST, version=3, now=10.2) == ([], 10.0 + MIN_GAP)  # coalesced
    assert viewers.due(LIST, version=3, now=10.25) == (["sid-1"], None)
    assert LIST not in viewers.pending
    assert viewers.due(LIST, version=3, now=11.0) == ([], None)  # nothing changed since


def test_an_ack_is_answered_even_right_after_another_presence():
    viewers = Viewers()
    viewers.acked(LIST, "sid-1")
    viewers.due(LIST, version=1, now=10.0)
    viewers.acked(LIST, "sid-1")  # subscribed again
    assert viewers.due(LIST, version=1, now=10.01) == (["sid-1"], None)


def test_no_presence_before_the_ack_or_after_leaving():
    viewers = Viewers()
    viewers.changed(LIST)
    assert viewers.due(LIST, version=1, now=0) == ([], None)
    viewers.acked(LIST, "sid-1")
    viewers.remove(LIST, "sid-1")
    assert viewers.due(LIST, version=2, now=1) == ([], None)
    assert viewers.pending == set()


def test_announcements_wait_for_the_gap_and_heartbeat_every_interval():
    schedule = AnnouncementSchedule(interval=3.0, gap=0.1)
    assert schedule.take(0.0, [LIST]) == ([LIST], True)  # the first is everything
    schedule.local_changed(OTHER)
    assert schedule.take(0.05, [LIST, OTHER]) == ([], False)  # too soon after the last
    assert schedule.take(0.1, [LIST, OTHER]) == ([OTHER], False)
    assert schedule.take(1.0, [LIST, OTHER]) == ([], False)
    assert schedule.take(3.0, [LIST, OTHER]) == (sorted([LIST, OTHER]), True)
    schedule.request_full()
    assert schedule.take(3.2, [LIST]) == ([LIST], True)


# -- the gateways' messages ----------------------------------------------------------------


def test_messages_round_trip():
    [body] = encode("gw-a", "state", 10, {LIST: {"7": "alice"}, OTHER: {}})
    assert json.loads(body) == {
        "v": 1,
        "gateway": "gw-a",
        "kind": "state",
        "ttl": 10,
        "channels": {LIST: [{"id": "7", "username": "alice"}], OTHER: []},
    }
    announcement = parse(body)
    assert (announcement.gateway, announcement.kind, announcement.ttl) == ("gw-a", "state", 10)
    assert announcement.channels == {LIST: {"7": "alice"}, OTHER: {}}
    assert parse(encode("gw-a", "bye", 10, {})[0]).channels == {}


def test_a_large_state_is_split_into_chunks():
    channels = {
        f"list:{n:08d}-8a55-4a43-9a8e-0d6a1b0c2d3e": {str(u): f"user-{u}" for u in range(200)}
        for n in range(200)
    }
    bodies = encode("gw-a", "state", 10, channels)
    assert len(bodies) > 1 and all(len(b) <= CHUNK_BYTES + 16 * 1024 for b in bodies)
    merged: dict[str, Any] = {}
    for body in bodies:
        merged.update(parse(body).channels)
    assert merged == channels


@pytest.mark.parametrize(
    "message",
    [
        b"not json",
        b"[]",
        json.dumps({"v": 2, "gateway": "g", "kind": "state", "ttl": 1}).encode(),
        json.dumps({"v": 1, "gateway": "", "kind": "state", "ttl": 1}).encode(),
        json.dumps({"v": 1, "gateway": "g", "kind": "shout", "ttl": 1}).encode(),
        json.dumps({"v": 1, "gateway": "g", "kind": "state", "ttl": 0}).encode(),
        json.dumps({"v": 1, "gateway": "g", "kind": "state", "ttl": True}).encode(),
        json.dumps({"v": 1, "gateway": "g", "kind": "state", "ttl": 1, "channels": []}).encode(),
        json.dumps(
            {"v": 1, "gateway": "g", "kind": "state", "ttl": 1, "channels": {"user:7": []}}
        ).encode(),
        json.dumps(
            {"v": 1, "gateway": "g", "kind": "state", "ttl": 1, "channels": {LIST: [{"id": 7}]}}
        ).encode(),
        json.dumps(
            {"v": 1, "gateway": "g", "kind": "state", "ttl": 1, "left": {LIST: ["7"]}}
        ).encode(),
        json.dumps({"v": 1, "gateway": "g", "kind": "change", "ttl": 1, "left": []}).encode(),
        json.dumps(
            {"v": 1, "gateway": "g", "kind": "change", "ttl": 1, "left": {LIST: [7]}}
        ).encode(),
        json.dumps(
            {"v": 1, "gateway": "g", "kind": "change", "ttl": 1, "left": {"public:x": ["7"]}}
        ).encode(),
    ],
)
def test_unusable_messages_are_refused(message: bytes):
    with pytest.raises(WireError):
        parse(message)


# -- the service, with a fake clock and sink -------------------------------------------------


@dataclass
class Sink:
    sent: list[tuple[list[str], dict[str, Any]]] = field(default_factory=list)

    def notify_all(self, sids: Any, event: str, data: dict[str, Any]) -> None:
        assert event == "presence"
        self.sent.append((list(sids), data))


@dataclass
class FakeSession:
    sid: str
    tokens: list[RealtimeClaims]


def session(sid: str, user_id: str, username: str | None) -> FakeSession:
    return FakeSession(sid, [RealtimeClaims(user_id, (LIST,), 0, 2**31, username)])


def service() -> tuple[PresenceService, Sink, list[float]]:
    now = [100.0]
    sink = Sink()
    return PresenceService(sink, "gw-a", interval=3.0, clock=lambda: now[0]), sink, now


def names(payload: dict[str, Any]) -> list[str]:
    return [u["username"] for u in payload["users"]]


def test_usernames_come_from_the_token():
    assert username_of(session("s", "7", "alice").tokens, "7") == "alice"
    assert username_of(session("s", "7", None).tokens, "7") == "7"
    assert ttl_for(3.0) == 10.0


def test_service_sends_after_the_ack_then_coalesced_changes():
    presence, sink, now = service()
    alice = session("sid-a", "7", "alice")
    presence.joined(alice, LIST, "7")
    presence.flush_clients(now[0])
    assert sink.sent == []  # not before the ack
    presence.acked(alice, LIST)
    presence.flush_clients(now[0])
    assert [(sids, names(p)) for sids, p in sink.sent] == [(["sid-a"], ["alice"])]

    presence.joined(session("sid-b", "8", "bob"), LIST, "8")
    presence.joined(session("sid-c", "9", "carol"), LIST, "9")
    now[0] += 0.1
    presence.flush_clients(now[0])
    assert len(sink.sent) == 1  # inside the gap
    now[0] += 0.2
    presence.flush_clients(now[0])
    assert [names(p) for _, p in sink.sent[1:]] == [["alice", "bob", "carol"]]


def test_service_leaves_on_revocation_and_ignores_other_channels():
    presence, sink, now = service()
    alice, bob = session("sid-a", "7", "alice"), session("sid-b", "8", "bob")
    presence.joined(alice, "user:7", "7")
    presence.joined(alice, LIST, "7")
    presence.joined(bob, LIST, "8")
    presence.acked(alice, LIST)
    presence.acked(alice, "user:7")
    presence.flush_clients(now[0])
    assert [names(p) for _, p in sink.sent] == [["alice", "bob"]]
    presence.left(bob, LIST)  # what a revocation does through the registry
    now[0] += 1
    presence.flush_clients(now[0])
    assert [names(p) for _, p in sink.sent[1:]] == [["alice"]]
    kind, bodies = presence.outgoing(now[0])
    assert kind == "state"  # the first is everything
    assert [body["channels"] for body in map(json.loads, bodies)] == [
        {LIST: [{"id": "7", "username": "alice"}]}
    ]


def test_service_merges_peers_and_drops_them_on_bye_or_expiry():
    presence, sink, now = service()
    alice = session("sid-a", "7", "alice")
    presence.joined(alice, LIST, "7")
    presence.acked(alice, LIST)
    presence.flush_clients(now[0])
    [hello] = presence.hello()
    assert json.loads(hello)["kind"] == "hello"
    presence.received(parse(hello), now[0])  # our own echo: ignored
    assert presence.users(LIST) == {"7": "alice"}

    peer = parse(encode("gw-b", "hello", 5, {LIST: {"8": "bob"}})[0])
    presence.received(peer, now[0])
    assert presence.schedule.full_requested  # a hello asks for our whole state
    now[0] += 1
    presence.flush_clients(now[0])
    assert names(sink.sent[-1][1]) == ["alice", "bob"]
    assert presence.channels_with_presence() == 1

    presence.expire(now[0] + 5)
    now[0] += 6
    presence.flush_clients(now[0])
    assert names(sink.sent[-1][1]) == ["alice"]

    presence.received(parse(encode("gw-c", "state", 5, {LIST: {"9": "carol"}})[0]), now[0])
    presence.received(parse(encode("gw-c", "bye", 5, {})[0]), now[0])
    assert presence.users(LIST) == {"7": "alice"}


# -- where usernames and the heartbeat come from --------------------------------------------


def test_the_token_carries_the_username_the_api_signed():
    from todo_shared.tokens import TokenError, issue_token, verify_token

    secret = "s" * 40
    token, _ = issue_token(secret, user_id="7", channels=[LIST], position=3, ttl=60, username="al")
    assert verify_token(secret, token).username == "al"
    plain, _ = issue_token(secret, user_id="7", channels=[LIST], position=3, ttl=60)
    assert verify_token(secret, plain).username is None

    import jwt

    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="realtime")
    forged = jwt.encode({**claims, "name": ["not", "a", "name"]}, secret, algorithm="HS256")
    with pytest.raises(TokenError):
        verify_token(secret, forged)


def test_the_heartbeat_interval_is_configurable_within_bounds():
    from gateway.options import load_options
    from todo_shared.config import ConfigError

    assert load_options({}).presence_interval == 3.0
    assert load_options({"GATEWAY_PRESENCE_INTERVAL": "0.5"}).presence_interval == 0.5
    for wrong in ("0", "31", "soon"):
        with pytest.raises(ConfigError):
            load_options({"GATEWAY_PRESENCE_INTERVAL": wrong})


# -- the off switch (GATEWAY_PRESENCE_ENABLED) -----------------------------------------------


def test_presence_is_on_by_default_and_can_be_turned_off() -> None:
    from gateway.options import load_options
    from todo_shared.config import ConfigError

    assert load_options({}).presence_enabled is True
    for raw in ("0", "false", "no", "OFF"):
        assert load_options({"GATEWAY_PRESENCE_ENABLED": raw}).presence_enabled is False
    for raw in ("1", "true", "yes", "on"):
        assert load_options({"GATEWAY_PRESENCE_ENABLED": raw}).presence_enabled is True
    with pytest.raises(ConfigError, match="GATEWAY_PRESENCE_ENABLED"):
        load_options({"GATEWAY_PRESENCE_ENABLED": "maybe"})


def test_with_presence_off_nothing_follows_the_registry() -> None:
    from gateway.app import build_presence
    from gateway.application.sessions import SessionRegistry
    from gateway.options import GatewayOptions

    registry = SessionRegistry()
    settings: Any = type("S", (), {"amqp_url": "amqp://x", "events_exchange": "e"})()
    on = build_presence(settings, GatewayOptions(), None, registry, lambda s: None)  # type: ignore[arg-type]
    assert on[0] is not None and on[1] is not None and registry.watchers == [on[0]]
    registry = SessionRegistry()
    off = build_presence(
        settings,
        GatewayOptions(presence_enabled=False),
        None,
        registry,
        lambda s: None,  # type: ignore[arg-type]
    )
    assert off == (None, None) and registry.watchers == []

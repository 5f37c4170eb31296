"""Presence updates at scale (CONTRACT.md §6, issue 18): per channel, not per connection.

Every viewer owed a channel's latest set gets it in the same tick (one frame written to all
of them, the way events are written), large channels at most every ``LARGE_GAP``, and a
connection still never gets two within ``MIN_GAP`` (apart from the first after an ack).
"""

from __future__ import annotations

import itertools
import json

from engineio import packet as engine_packet
from gateway.application.presence import WRITE_CHUNK
from gateway.domain.presence import PeerPresence
from gateway.domain.presence_schedule import LARGE, LARGE_GAP, MIN_GAP, Viewers, gap_for
from gateway.domain.presence_wire import encode, parse

from tests.unit.test_gateway_engine_sockets import Rooms, websocket_frame
from tests.unit.test_gateway_presence import LIST, OTHER, names, service, session


def test_large_channels_are_updated_less_often_but_within_the_contract() -> None:
    assert gap_for(1) == MIN_GAP == 0.25
    assert gap_for(LARGE - 1) == MIN_GAP
    assert gap_for(LARGE) == LARGE_GAP
    # announce (≤ 0.15 s) + next tick (0.05 s) + the gap stays well inside §6's 1 s
    assert 0.15 + 0.05 + LARGE_GAP <= 0.75


def test_viewers_acked_at_different_times_get_updates_in_the_same_tick() -> None:
    viewers = Viewers()
    viewers.acked(LIST, "early")
    assert viewers.due(LIST, version=1, now=10.0) == (["early"], None)
    viewers.acked(LIST, "late")
    assert viewers.due(LIST, version=1, now=10.1) == (["late"], None)
    viewers.changed(LIST)
    # early may have one now; late only at 10.35, and then waits for the channel's next
    # update (10.55), from where on both get every update in the same tick
    assert viewers.due(LIST, version=2, now=10.3) == (["early"], 10.55)
    assert viewers.due(LIST, version=2, now=10.5) == ([], 10.55)
    assert viewers.due(LIST, version=2, now=10.55) == (["late"], None)
    viewers.changed(LIST)
    assert viewers.due(LIST, version=3, now=10.6) == ([], 10.8)
    assert viewers.due(LIST, version=3, now=10.8) == (["early", "late"], None)


def test_a_viewer_just_acked_waits_for_the_channels_next_update() -> None:
    viewers = Viewers()
    viewers.acked(LIST, "old")
    viewers.due(LIST, version=1, now=10.0)
    viewers.changed(LIST)
    assert viewers.due(LIST, version=2, now=10.25) == (["old"], None)
    viewers.acked(LIST, "new")
    assert viewers.due(LIST, version=2, now=10.3) == (["new"], None)  # right after its ack
    viewers.changed(LIST)
    # the channel could go at 10.5, the newcomer only at 10.55: one update for both then
    assert viewers.due(LIST, version=3, now=10.5) == (["old"], 10.75)
    assert viewers.due(LIST, version=3, now=10.6) == ([], 10.75)
    assert viewers.due(LIST, version=3, now=10.75) == (["new"], None)


def test_a_large_channel_gets_at_most_one_update_per_large_gap() -> None:
    viewers = Viewers()
    sids = [f"sid-{n}" for n in range(LARGE)]
    for sid in sids:
        viewers.acked(LIST, sid)
    assert viewers.due(LIST, version=1, now=10.0) == (sids, None)
    sent_at: list[float] = []
    now, version = 10.0, 1
    while now < 13.0:  # a change every 50 ms for 3 s
        now = round(now + 0.05, 2)
        version += 1
        viewers.changed(LIST)
        due, _ = viewers.due(LIST, version=version, now=now)
        assert due in ([], sids)  # all of them together, or none
        if due:
            sent_at.append(now)
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert gaps and min(gaps) >= LARGE_GAP - 1e-9
    assert max(gaps) <= LARGE_GAP + 0.05 + 1e-9  # never later than the next tick


def test_presence_to_many_goes_the_events_way_one_frame_for_all() -> None:
    rooms = Rooms()
    first_sid, first = rooms.add()
    busy_sid, busy = rooms.add()
    polling_sid, polling = rooms.add(websocket=False)
    _, left_out = rooms.add()
    busy.engine.queue.put(engine_packet.Packet(engine_packet.MESSAGE, "older"))
    data = {"channel": LIST, "count": 1, "users": [{"id": "7", "username": "alice"}]}
    rooms.rooms.notify_all([first_sid, busy_sid, polling_sid, "gone"], "presence", data)
    text = "2" + json.dumps(["presence", data], separators=(",", ":"))
    assert first.received() == websocket_frame("4" + text)  # written at once
    assert [p.data for p in busy.queued()] == ["older", text]  # behind what was waiting
    assert [p.data for p in polling.queued()] == [text]
    assert left_out.received() == b"" and left_out.queued() == []


# -- between gateways: complete sets every interval, only the changes in between ------------


def test_a_change_message_carries_who_came_and_who_went() -> None:
    [body] = encode("gw-a", "change", 10, {LIST: {"9": "carol"}}, {LIST: ["8"]})
    assert json.loads(body) == {
        "v": 1,
        "gateway": "gw-a",
        "kind": "change",
        "ttl": 10,
        "channels": {LIST: [{"id": "9", "username": "carol"}]},
        "left": {LIST: ["8"]},
    }
    announcement = parse(body)
    assert (announcement.kind, announcement.channels, announcement.left) == (
        "change",
        {LIST: {"9": "carol"}},
        {LIST: ["8"]},
    )
    assert parse(encode("gw-a", "state", 10, {LIST: {}})[0]).left == {}


def test_peers_apply_changes_to_what_they_were_told() -> None:
    peers = PeerPresence()
    peers.apply("gw-b", {LIST: {"7": "alice", "8": "bob"}}, ttl=10, now=0)
    assert peers.change("gw-b", {LIST: {"9": "carol"}}, {LIST: ["8"]}, ttl=10, now=5) == {LIST}
    assert peers.users(LIST) == {"7": "alice", "9": "carol"}
    assert peers.expire(12) == (set(), 0)  # a change renews the entry's ttl
    assert peers.change("gw-b", {}, {LIST: ["8"]}, ttl=10, now=6) == set()  # already gone
    assert peers.change("gw-b", {}, {LIST: ["7", "9"]}, ttl=10, now=6) == {LIST}
    assert peers.channels() == set() and peers.gateways() == set()
    assert peers.change("gw-c", {OTHER: {"5": "eve"}}, {}, ttl=10, now=6) == {OTHER}
    assert peers.change("gw-c", {}, {LIST: ["5"]}, ttl=10, now=6) == set()  # unknown


def test_between_heartbeats_a_gateway_announces_only_the_changes() -> None:
    presence, _, now = service()
    alice, bob = session("sid-a", "7", "alice"), session("sid-b", "8", "bob")
    presence.joined(alice, LIST, "7")
    presence.joined(bob, LIST, "8")
    kind, [body] = presence.outgoing(now[0])
    assert kind == "state" and set(parse(body).channels[LIST]) == {"7", "8"}
    presence.joined(session("sid-c", "9", "carol"), LIST, "9")
    presence.left(bob, LIST)
    presence.joined(session("sid-d", "5", "eve"), OTHER, "5")
    now[0] += 0.2
    kind, [body] = presence.outgoing(now[0])
    change = parse(body)
    assert kind == "change"
    assert change.channels == {LIST: {"9": "carol"}, OTHER: {"5": "eve"}}
    assert change.left == {LIST: ["8"]}
    presence.left(session("sid-d", "5", "eve"), OTHER)
    now[0] += 0.2
    kind, [body] = presence.outgoing(now[0])
    assert (kind, parse(body).channels, parse(body).left) == ("change", {}, {OTHER: ["5"]})
    now[0] += 0.2
    assert presence.outgoing(now[0]) == ("change", [])  # nothing changed
    now[0] += 3.0
    kind, [body] = presence.outgoing(now[0])  # the heartbeat: complete sets again
    assert kind == "state" and parse(body).channels == {LIST: {"7": "alice", "9": "carol"}}


def test_changes_received_reach_the_viewers() -> None:
    presence, sink, now = service()
    alice = session("sid-a", "7", "alice")
    presence.joined(alice, LIST, "7")
    presence.acked(alice, LIST)
    presence.received(parse(encode("gw-b", "state", 10, {LIST: {"8": "bob"}})[0]), now[0])
    presence.flush_clients(now[0])
    assert names(sink.sent[-1][1]) == ["alice", "bob"]
    change = encode("gw-b", "change", 10, {LIST: {"9": "carol"}}, {LIST: ["8"]})[0]
    presence.received(parse(change), now[0])
    now[0] += MIN_GAP
    presence.flush_clients(now[0])
    assert names(sink.sent[-1][1]) == ["alice", "carol"]


def test_a_large_update_yields_between_chunks_and_skips_who_left_meanwhile() -> None:
    presence, sink, now = service()
    viewers = [session(f"sid-{n:03d}", str(n), f"user{n:03d}") for n in range(250)]
    for viewer in viewers:
        presence.joined(viewer, LIST, viewer.tokens[0].user_id)
        presence.acked(viewer, LIST)
    leaving = viewers[-1]

    def pause() -> None:  # another green thread runs: someone unsubscribes
        presence.left(leaving, LIST)

    sent = presence.flush_clients(now[0], pause=pause)
    assert [len(sids) for sids, _ in sink.sent] == [WRITE_CHUNK, WRITE_CHUNK, 49]
    assert sent == 249 and leaving.sid not in sink.sent[-1][0]
    assert all(payload["count"] == 250 for _, payload in sink.sent)  # one set for all chunks

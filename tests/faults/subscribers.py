"""Socket.IO clients that stay subscribed through a fault, and the check of what they got.

Each :class:`Subscriber` is one user's connection (WebSocket or polling) holding that user's
``user:`` channel and the lists they belong to. It remembers, per channel, the position its
subscription started from (the first ack) and where access ended (an ``unsubscribed``
notice, or a resubscribe refused after a reconnect), so :func:`audit` can compare what
arrived with the store's sequence for that channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.api import ApiClient
from tests.support.gateway import GatewayClient


@dataclass
class Subscriber:
    user: ApiClient
    transport: str
    channels: list[str]
    client: GatewayClient = field(init=False)
    start: dict[str, int] = field(default_factory=dict)  # channel -> first ack position
    ended: dict[str, str] = field(default_factory=dict)  # channel -> why access ended
    reconnects: int = 0
    resumed: dict[str, tuple[int, int]] = field(default_factory=dict)  # channel -> since, ack

    def connect(self, url: str) -> Subscriber:
        token = self.user.realtime_token(self.channels)
        self.client = GatewayClient(token, transports=[self.transport])
        self.client.connect(url)
        for channel in self.channels:
            ack = self.client.subscribe(channel)
            assert ack["ok"], ack
            self.start[channel] = ack["position"]
        return self

    def connected(self) -> bool:
        return bool(self.client.sio.connected)

    def revoked(self) -> set[str]:
        return {
            data["channel"] for name, data in self.client.notices if name == "unsubscribed"
        } | set(self.ended)

    def resume(self, url: str) -> None:
        """Reconnect (to any gateway) and resubscribe every channel still held with ``since``.

        A refusal (``forbidden``: access was lost while disconnected) ends that channel.
        """
        old = self.client
        old.close()
        fresh = GatewayClient(old.token, transports=[self.transport])
        fresh.events, fresh.notices, fresh.lock = old.events, old.notices, old.lock
        fresh.connect(url)
        self.client = fresh
        self.reconnects += 1
        gone = self.revoked()
        for channel in self.channels:
            if channel in gone:
                continue
            since = old.positions.get(channel, self.start[channel])
            ack = fresh.subscribe(channel, since=since)
            self.resumed[channel] = (since, ack.get("position", -1))
            if not ack["ok"]:
                assert ack["error"]["code"] == "forbidden", ack
                self.ended[channel] = "refused on resume"

    def close(self) -> None:
        self.client.close()


def start_subscribers(
    url: str, users: list[ApiClient], lists: dict[str, set[str]], transport: str
) -> list[Subscriber]:
    """One connection per user on ``user:<id>`` and the lists they belong to."""
    subscribers = []
    for user in users:
        channels = [f"user:{user.id}"] + [f"list:{lid}" for lid, m in lists.items() if user.id in m]
        subscribers.append(Subscriber(user, transport, channels).connect(url))
    return subscribers


@dataclass
class Audit:
    deliveries: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    after_revocation: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.lost + self.doubled + self.reordered + self.after_revocation


def audit(subscribers: list[Subscriber], store: list[dict[str, Any]]) -> Audit:
    """Per subscriber and channel: exactly the store's sequence after the first ack, up to the
    end of access (the revoking event itself may or may not arrive); nothing of a list after
    that which did not also come through another channel still held."""
    result = Audit()
    for sub in subscribers:
        with sub.client.lock:
            received = list(sub.client.events)
        stored = [e for e in received if isinstance(e.get("position"), int)]
        ids = [e["id"] for e in stored]
        result.deliveries += len(ids)
        if len(ids) != len(set(ids)):
            result.doubled.append(f"{sub.user.username}/{sub.transport}: an id twice")
        gone = sub.revoked()
        for channel, start in sub.start.items():
            want = [e for e in store if channel in e["channels"] and e["position"] > start]
            got = [e for e in stored if channel in e["channels"]]
            _audit_channel(result, f"{sub.user.username}/{sub.transport} {channel}", want, got,
                           channel in gone, sub, channel)  # fmt: skip
    return result


def _audit_channel(
    result: Audit,
    who: str,
    want: list[dict[str, Any]],
    got: list[dict[str, Any]],
    revoked: bool,
    sub: Subscriber,
    channel: str,
) -> None:
    positions = [e["position"] for e in got]
    if positions != sorted(positions):
        result.reordered.append(f"{who}: {positions[:20]}")
    if revoked:
        end = _revocation_position(want, sub, channel)
        others = {c for c in sub.start if c != channel and c not in sub.revoked()}
        late = [e for e in got if e["position"] > end and not others & set(e["channels"])]
        if late:
            result.after_revocation.append(f"{who}: {[e['type'] for e in late]}")
        got = [e for e in got if e["position"] <= end]
        want = [e for e in want if e["position"] <= end]
        if sub.ended.get(channel) == "refused on resume":
            # access was lost while disconnected: the resume could not fill the rest
            want = want[: len(got)]
        elif want and [e["id"] for e in got[-1:]] != [want[-1]["id"]]:
            want = want[:-1]  # the revoking event itself need not arrive
    want_ids = [e["id"] for e in want]
    got_ids = [e["id"] for e in got]
    if got_ids != want_ids:
        missing = [e["position"] for e in want if e["id"] not in set(got_ids)]
        if missing:
            result.lost.append(f"{who}: positions {missing[:20]} never arrived; "
                               + _context(missing, want, got, sub, channel))  # fmt: skip
        elif len(got_ids) != len(set(got_ids)):
            result.doubled.append(f"{who}: duplicates")
        else:
            result.reordered.append(
                f"{who}: got {[e['position'] for e in got][:20]}, "
                f"store {[e['position'] for e in want][:20]}"
            )


def _revocation_position(want: list[dict[str, Any]], sub: Subscriber, channel: str) -> int:
    """The store position of the first event that took ``channel`` away from ``sub``'s user."""
    list_id = channel.split(":", 1)[1]
    for e in want:
        data = e["data"]
        if data.get("list_id") != list_id:
            continue
        if e["type"] == "ListDeleted" or (
            e["type"] == "MemberRemoved" and str(data.get("user_id")) == sub.user.id
        ):
            return int(e["position"])
    return 1 << 62  # never revoked in the store: an unsubscribed notice was wrong


def _context(
    missing: list[int],
    want: list[dict[str, Any]],
    got: list[dict[str, Any]],
    sub: Subscriber,
    channel: str,
) -> str:
    """What a post-mortem of a lost delivery needs: the lost events, the positions received
    around them, and where the subscription started and resumed."""
    first = missing[0]
    lost = [(e["position"], e["type"], e["channels"]) for e in want if e["position"] in missing]
    near = [e["position"] for e in got if abs(e["position"] - first) <= 40]
    return (
        f"lost {lost[:5]}; received near {near}; start {sub.start.get(channel)}; "
        f"resumed (since, ack) {sub.resumed.get(channel)}; ended {sub.ended.get(channel)}"
    )

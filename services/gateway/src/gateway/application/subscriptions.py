"""``subscribe`` and ``unsubscribe`` (CONTRACT.md §5), including catch-up with ``since``.

A catch-up marks the channel *pending* for the connection (live events of it are buffered
by the fan-out), streams the API's pages to the client, then — without yielding to any
other green thread — sends the buffered live events not yet delivered, joins the room and
answers the ack. Because nothing else runs between the last buffered event and the join,
no live event can fall between the two.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from todo_shared.tokens import RealtimeClaims, TokenError, verify_token

from gateway import metrics
from gateway.adapters.events_api import EventsUnavailable
from gateway.application.fanout import Fanout
from gateway.application.ports import EventsSource, Rooms
from gateway.application.sessions import CatchUp, Session, SessionRegistry
from gateway.domain.access import Allowed, Refused, authorise_channel, list_id_of
from gateway.domain.ordering import StreamCursor, already_delivered, merge_live_buffer
from gateway.domain.requests import parse_subscribe, parse_unsubscribe
from gateway.domain.revocations import RevocationTable, access_change
from gateway.options import GatewayOptions

log = logging.getLogger(__name__)

Ack = dict[str, Any]


def refuse(code: str, message: str) -> Ack:
    metrics.SUBSCRIBE_REFUSED.labels(code).inc()
    return {"ok": False, "error": {"code": code, "message": message}}


class Revoked(Exception):
    """The connection's user lost the list while it was being caught up."""


class CatchUpAborted(Exception):
    """The catch-up was stopped: ``reason`` is ``slow_consumer`` or ``closed``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"catch-up stopped: {reason}")
        self.reason = reason


class Subscriptions:
    """The subscribe/unsubscribe use cases of one gateway process."""

    def __init__(
        self,
        *,
        registry: SessionRegistry,
        rooms: Rooms,
        fanout: Fanout,
        api: EventsSource,
        cursor: StreamCursor,
        revocations: RevocationTable,
        options: GatewayOptions,
        secret: str,
        on_slow: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.rooms = rooms
        self.fanout = fanout
        self.api = api
        self.cursor = cursor
        self.revocations = revocations
        self.options = options
        self.secret = secret
        self.on_slow = on_slow
        self.clock = clock

    # -- entry points ----------------------------------------------------------------------

    def subscribe(self, sid: str, payload: object) -> Ack:
        """Handle ``subscribe``; returns the ack of §5."""
        session = self.registry.sessions.get(sid)
        if session is None or session.closing:
            return refuse("unavailable", "the connection is closing")
        if not session.bucket.take():
            return refuse("rate_limited", "too many subscribe requests; slow down")
        request = parse_subscribe(payload)
        if isinstance(request, Refused):
            return refuse(request.code, request.message)
        if request.token is not None:
            try:
                claims = verify_token(self.secret, request.token)
            except TokenError as exc:
                code = "token_expired" if exc.code == "token_expired" else "forbidden"
                return refuse(code, str(exc))
            if claims.is_service:
                return refuse("forbidden", "service tokens cannot subscribe")
            session.add_token(claims)
        decision = authorise_channel(
            request.channel, session.tokens, self.revocations, self.clock()
        )
        if isinstance(decision, Refused):
            return refuse(decision.code, decision.message)
        with self.registry.locks.hold(session.sid):
            if session.closing:
                return refuse("unavailable", "the connection is closing")
            if (
                decision.channel not in session.joined
                and len(session.joined) >= self.options.max_subscriptions
            ):
                return refuse("bad_request", "too many subscriptions on one connection")
            try:
                ack = self._subscribe(session, decision, request.since)
            except EventsUnavailable as exc:
                log.warning("catch-up failed", extra={"sid": sid, "error": str(exc)})
                return refuse("unavailable", "missed events cannot be fetched now; retry")
            except CatchUpAborted as exc:
                log.info("catch-up aborted", extra={"sid": sid, "reason": exc.reason})
                return refuse("unavailable", f"the catch-up was stopped ({exc.reason}); retry")
            except Revoked:
                return refuse("forbidden", "access to this list was revoked")
            self.registry.acked(session, decision.channel)  # presence follows the ack
            return ack

    def unsubscribe(self, sid: str, payload: object) -> Ack:
        """Handle ``unsubscribe``; unknown channels are fine (already unsubscribed)."""
        session = self.registry.sessions.get(sid)
        if session is None:
            return refuse("unavailable", "the connection is closing")
        if not session.bucket.take():
            return refuse("rate_limited", "too many subscribe requests; slow down")
        channel = parse_unsubscribe(payload)
        if isinstance(channel, Refused):
            return refuse(channel.code, channel.message)
        with self.registry.locks.hold(session.sid):
            self._leave(session, channel)
        return {"ok": True}

    # -- the steps -------------------------------------------------------------------------

    def _subscribe(self, session: Session, decision: Allowed, since: int | None) -> Ack:
        channel, claims = decision.channel, decision.claims
        if channel in session.joined:
            if since is None:
                return self._ok(channel, self.cursor.position or 0)
            self._leave(session, channel)
        list_id = list_id_of(channel)
        if claims is not None and list_id is not None:
            self._check_history(claims, channel, list_id)
        start = since
        if start is None and claims is not None and self.cursor.position is None:
            # Nothing passed through yet, so "from now" is unknown: cover from the token.
            start = claims.position
        if start is None or claims is None:
            # Public channels carry no store events: nothing to fetch.
            frontier = self.cursor.position or 0
            self._join(session, channel, claims, max(frontier, start or 0), ahead=None)
            return self._ok(channel, max(frontier, start or 0))
        return self._catch_up(session, channel, claims, start)

    def _check_history(self, claims: RealtimeClaims, channel: str, list_id: str) -> None:
        """Refuse a token a revocation covers, scanning history this process did not see.

        After a restart the revocation table starts empty, so for a token issued before
        the first event this process passed on, the list's events since the token's issue
        are read from the API and any revocation in them is recorded first.
        """
        if not self.cursor.covers_history_after(claims.position):
            stop_at = self.cursor.history_start
            for page in self.api.pages(claims.position, channel, self.options.catch_up_page):
                for envelope in page.events:
                    self.revocations.record_event(envelope)
                if stop_at is not None and page.last_position >= stop_at:
                    break
        user_id = claims.user_id
        if user_id is not None and self.revocations.is_revoked(user_id, list_id, claims.position):
            raise Revoked

    def _catch_up(self, session: Session, channel: str, claims: RealtimeClaims, start: int) -> Ack:
        sid = session.sid
        catch_up = self.registry.begin_catch_up(sid, channel, claims.user_id, start)
        delivered, examined = start, start
        limit = self.options.client_queue_limit
        try:
            for page in self.api.pages(start, channel, self.options.catch_up_page):
                self._check_aborted(catch_up)
                delivered = self._send(session, channel, claims, page.events, delivered)
                examined = max(examined, page.last_position)
                if not self.rooms.wait_for_room(sid, limit // 2, timeout=30.0):
                    catch_up.aborted = "slow_consumer"
                    self.on_slow(sid)
            # From here to the join nothing yields, so no live event can slip between.
            self._check_aborted(catch_up)
            held = merge_live_buffer(catch_up.buffer, delivered)
            delivered = self._send(session, channel, claims, held, delivered)
            self.registry.end_catch_up(sid, channel)
            self._join(session, channel, claims, start, ahead=delivered)
            return self._ok(channel, max(examined, delivered, self.cursor.position or 0))
        finally:
            self.registry.end_catch_up(sid, channel)

    def _check_aborted(self, catch_up: CatchUp) -> None:
        if catch_up.aborted == "revoked":
            raise Revoked
        if catch_up.aborted is not None:
            raise CatchUpAborted(catch_up.aborted)

    def _send(
        self,
        session: Session,
        channel: str,
        claims: RealtimeClaims,
        events: Iterable[Mapping[str, Any]],
        delivered: int,
    ) -> int:
        """Send catch-up events the connection does not have; returns the new high mark."""
        list_id = list_id_of(channel)
        member = True
        for envelope in events:
            position = envelope.get("position")
            if isinstance(position, int) and position <= delivered:
                continue
            change = None
            if list_id is not None and claims.user_id is not None:
                change = access_change(envelope, claims.user_id, list_id)
            if change == "granted":
                member = True
            if member and not already_delivered(
                envelope,
                channel,
                session.joined,
                self.registry.reach(session.sid, envelope.get("channels", ())),
                self.cursor.position,
            ):
                self.fanout.deliver_catch_up(session.sid, envelope)
            if isinstance(position, int):
                delivered = position
                self.registry.set_ahead(channel, session.sid, position)
                if change == "revoked":
                    self.revocations.record_event(envelope)
                    if position > claims.position:
                        raise Revoked
                    member = False  # removed before this token: skip until added again
        return delivered

    def _join(
        self,
        session: Session,
        channel: str,
        claims: RealtimeClaims | None,
        start: int,
        ahead: int | None,
    ) -> None:
        if session.closing:
            raise CatchUpAborted("closed")
        self.registry.join(session, channel, start, claims.user_id if claims else None)
        self.rooms.join(session.sid, channel)
        if ahead is not None and ahead > (self.cursor.position or 0):
            self.registry.set_ahead(channel, session.sid, ahead)
        else:
            self.registry.clear_ahead(channel, session.sid)
        metrics.SUBSCRIPTIONS.inc()

    def _leave(self, session: Session, channel: str) -> None:
        if self.registry.leave(session, channel):
            self.rooms.leave(session.sid, channel)
            metrics.SUBSCRIPTIONS.dec()

    @staticmethod
    def _ok(channel: str, position: int) -> Ack:
        return {"ok": True, "channel": channel, "position": position}

"""How many connections each user holds on this gateway, and the cap on them.

A user who opens more than ``GATEWAY_MAX_CONNECTIONS_PER_USER`` connections (with tokens of
theirs) is refused at connect with ``too_many_connections``, so one account cannot use up
the process's connection slots. Anonymous connections are not counted here; they are
bounded by ``GATEWAY_MAX_CONNECTIONS`` and can only read ``public:*`` channels.
"""

from __future__ import annotations


class UserConnectionCaps:
    """Per-user connection counts of one process (no I/O; the caller serialises)."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._owner: dict[str, str] = {}  # sid -> user id
        self._count: dict[str, int] = {}  # user id -> connections

    def admit(self, sid: str, user_id: str | None) -> bool:
        """Count ``sid`` for ``user_id``; False (and nothing counted) when at the cap."""
        if user_id is None:
            return True
        held = self._count.get(user_id, 0)
        if held >= self.per_user:
            return False
        self._count[user_id] = held + 1
        self._owner[sid] = user_id
        return True

    def release(self, sid: str) -> None:
        """Forget ``sid`` (unknown sids are fine: anonymous, or refused at connect)."""
        user_id = self._owner.pop(sid, None)
        if user_id is None:
            return
        left = self._count.get(user_id, 1) - 1
        if left > 0:
            self._count[user_id] = left
        else:
            self._count.pop(user_id, None)

    def held_by(self, user_id: str) -> int:
        return self._count.get(user_id, 0)

    def users(self) -> int:
        return len(self._count)

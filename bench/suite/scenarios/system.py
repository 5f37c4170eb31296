"""This system's processes for a scenario, pinned to the server core, and its users."""

from __future__ import annotations

from typing import Any

import requests

from bench.suite.context import GATEWAY_ENV, Context, start_pinned
from tests.support.stack import Stack


def start_system(
    ctx: Context,
    names: tuple[str, ...] = ("api", "relay", "projector", "gateway"),
    api_env: dict[str, str] | None = None,
) -> tuple[Stack, dict[str, int]]:
    """``api_env``: extra environment of the API and of the relay, which is the API's own
    ``manage.py relay`` with the same settings (the write path runs both as compose does)."""
    stack = ctx.factory.new_stack()
    pids = {}
    try:
        for name in names:
            env = (
                GATEWAY_ENV
                if name == "gateway"
                else (api_env or {})
                if name in ("api", "relay")
                else {}
            )
            pids[name] = start_pinned(stack, name, env)
    except Exception:
        stack.teardown(failed=True)
        raise
    return stack, pids


def user_with_lists(api_url: str, lists: int = 1) -> dict[str, Any]:
    """Register a user and create ``lists`` lists; returns {token, user_id, list_ids}."""
    import uuid

    session = requests.Session()
    reply = session.post(
        f"{api_url}/api/auth/register",
        json={"username": f"b{uuid.uuid4().hex[:10]}", "password": "bench-pass-123!"},
        timeout=30,
    )
    reply.raise_for_status()
    body = reply.json()
    session.headers["Authorization"] = f"Bearer {body['token']}"
    ids = []
    for i in range(lists):
        created = session.post(f"{api_url}/api/lists", json={"name": f"bench {i}"}, timeout=30)
        created.raise_for_status()
        ids.append(created.json()["id"])
    return {"token": body["token"], "user_id": str(body["id"]), "list_ids": ids, "session": session}


def realtime_token(user: dict[str, Any], api_url: str, channels: list[str]) -> str:
    reply = user["session"].post(
        f"{api_url}/api/realtime/token", json={"channels": channels}, timeout=30
    )
    reply.raise_for_status()
    return str(reply.json()["token"])

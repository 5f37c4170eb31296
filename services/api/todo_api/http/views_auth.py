"""Handlers for identity: register, token, me, logout."""

from __future__ import annotations

from todo_api.http.api import Call, Reply
from todo_api.http.ratelimit import limit_auth
from todo_api.identity import services


def register(call: Call) -> Reply:
    limit_auth(call.request)
    user, token = services.register(call.body["username"], call.body["password"])
    return Reply(201, {"id": str(user.pk), "username": user.username, "token": token})


def token(call: Call) -> Reply:
    limit_auth(call.request, call.body["username"])  # security: per address and per account
    user, key = services.login(call.body["username"], call.body["password"])
    return Reply(200, {"id": str(user.pk), "username": user.username, "token": key})


def me(call: Call) -> Reply:
    assert call.user is not None
    return Reply(200, {"id": str(call.user.pk), "username": call.user.username})


def logout(call: Call) -> Reply:
    if call.bearer:
        services.revoke_token(call.bearer)
    else:
        from django.contrib.auth import logout as session_logout

        session_logout(call.request)
    return Reply(204)

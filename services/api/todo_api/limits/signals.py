"""Failed sign-ins counted per account, from Django's own ``user_login_failed`` signal.

Both the API's ``POST /api/auth/token`` and the web page's sign-in go through
``django.contrib.auth.authenticate``, which sends the signal on every failure; a success
clears the account's count.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed

from todo_api.limits import counters
from todo_api.limits.config import load


def account_key(username: object) -> str:
    return str(username).strip().lower()[:150]


def _failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = credentials.get("username")
    if username:
        counters.hit(load().signin_failures, account_key(username))


def _succeeded(sender: Any, user: Any, **kwargs: Any) -> None:
    counters.reset(load().signin_failures, account_key(user.get_username()))


def connect() -> None:
    user_login_failed.connect(_failed, dispatch_uid="limits.failed_signin")
    user_logged_in.connect(_succeeded, dispatch_uid="limits.signin_ok")

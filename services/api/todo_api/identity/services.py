"""Accounts and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from todo_api.application.errors import ApplicationError
from todo_api.application.rate_limit import check_credential_attempt, enforce_write
from todo_api.identity.models import ApiToken
from todo_api.limits import counters
from todo_api.limits.config import load as load_limits


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user: User) -> str:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(key_hash=_hash(key), user=user)
    return key


@cache
def _token_user_sql() -> tuple[str, list[str]]:
    fields = User._meta.concrete_fields
    columns = ", ".join(f'u."{f.column}"' for f in fields)
    sql = (
        f"SELECT {columns} FROM {ApiToken._meta.db_table} t "  # noqa: S608 - model metadata
        f'JOIN {User._meta.db_table} u ON u."id" = t."user_id" '
        'WHERE t."key_hash" = %s AND u."is_active"'
    )
    return sql, [f.attname for f in fields]


def user_for_token(key: str) -> User | None:
    """The active user whose bearer token ``key`` is (one plain SQL query on PostgreSQL,
    the hot path of every API call; the ORM elsewhere)."""
    if not key or len(key) > 200:
        return None
    if connection.vendor != "postgresql":
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        return token.user if token is not None and token.user.is_active else None
    sql, names = _token_user_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [_hash(key)])
        row = cursor.fetchone()
    return None if row is None else User.from_db(connection.alias, names, row)


def user_for_token_writing(key: str) -> tuple[User | None, bool]:
    """:func:`user_for_token` for a write, and whether the user's hit of the per-user write
    limit was counted with it: on PostgreSQL the two are one statement (``rate_limited``
    when over the limit); elsewhere, or with the limit off, the caller counts it
    (:func:`~todo_api.application.rate_limit.check_user_call`)."""
    limit = load_limits().writes
    # Not inside a caller's transaction: the statement commits without waiting for the WAL
    # flush, which must not spread to the caller's writes.
    alone = connection.vendor == "postgresql" and not connection.in_atomic_block
    if not alone or not limit.enabled or not key or len(key) > 200:
        return user_for_token(key), False
    sql, names = _token_user_sql()
    row, decision = counters.hit_found(limit, sql, [_hash(key)], "id")
    if row is None or decision is None:
        return None, True
    enforce_write(decision)
    return User.from_db(connection.alias, names, row), True


def revoke_token(key: str) -> None:
    ApiToken.objects.filter(key_hash=_hash(key)).delete()


def register(username: str, password: str, address: str) -> tuple[User, str]:
    """Create a user and their first bearer token (the API's sign-up)."""
    user = create_account(username, password, address)
    return user, issue_token(user)


def create_account(username: str, password: str, address: str) -> User:
    """Create a user (password hashed by Django) after the account rules.

    ``address`` is the client's: every credential attempt (here and in
    :func:`check_credentials`) takes one from its rate-limit bucket.
    """
    check_credential_attempt(address)
    fields: dict[str, str] = {}
    username = username.strip()
    if not 1 <= len(username) <= 150:
        fields["username"] = "must be 1-150 characters"
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            fields["username"] = "letters, digits and @ . + - _ only"
    try:
        password_validation.validate_password(password, User(username=username))
    except ValidationError as exc:
        fields["password"] = " ".join(exc.messages)
    if fields:
        raise ApplicationError("invalid_input", "the account cannot be created", fields)
    try:
        with transaction.atomic():
            if User.objects.filter(username__iexact=username).exists():
                raise IntegrityError
            return User.objects.create_user(username=username, password=password)
    except IntegrityError:
        raise ApplicationError(
            "username_taken", "that username is taken", {"username": "taken"}
        ) from None


def check_credentials(username: str, password: str, address: str) -> User:
    """The user with these credentials, or ``invalid_credentials``.

    Rate-limited per client ``address``, and refused while the account has too many recent
    failed sign-ins (counted from Django's ``user_login_failed`` signal, ``todo_api.limits``).
    """
    check_credential_attempt(address, username)
    user = authenticate(username=username, password=password)
    if user is None or not isinstance(user, User):
        raise ApplicationError("invalid_credentials", "wrong username or password")
    return user


def login(username: str, password: str, address: str) -> tuple[User, str]:
    """Sign in for the API: check the credentials, then issue a bearer token."""
    user = check_credentials(username, password, address)
    return user, issue_token(user)

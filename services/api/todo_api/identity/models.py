"""Tables the API owns besides the event store."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is kept; logout deletes the row."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "api_token"


class IdempotencyRecord(models.Model):
    """The first answer to a POST with ``Idempotency-Key``, replayed for 24 h."""

    id = models.BigAutoField(primary_key=True)
    user_id = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    write_position = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "api_idempotency"
        constraints = [models.UniqueConstraint(fields=["user_id", "key"], name="api_idem_key")]


class ListAccess(models.Model):
    """Who belongs to which list, kept in the same transaction as the command.

    The write side's own index (not a read model): it answers access checks for the
    catch-up endpoint and realtime tokens without waiting for the projector.
    """

    id = models.BigAutoField(primary_key=True)
    list_id = models.UUIDField()
    user_id = models.CharField(max_length=20, db_index=True)

    class Meta:
        db_table = "api_list_access"
        constraints = [models.UniqueConstraint(fields=["list_id", "user_id"], name="api_access")]

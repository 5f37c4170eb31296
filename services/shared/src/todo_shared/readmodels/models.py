"""The read models. Each row remembers the store ``position`` that last changed it.

They can be dropped and rebuilt from the event store at any time (``python -m projector
rebuild``); the projector's checkpoint lives in the same database and is written in the same
transaction as the rows it covers.
"""

from __future__ import annotations

from django.db import models


class ListView(models.Model):
    list_id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    owner_id = models.CharField(max_length=20)
    open_count = models.IntegerField(default=0)
    done_count = models.IntegerField(default=0)
    version = models.IntegerField()
    position = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "rm_list"


class ListMemberView(models.Model):
    id = models.BigAutoField(primary_key=True)
    list_id = models.UUIDField()
    user_id = models.CharField(max_length=20)
    username = models.CharField(max_length=150)
    position = models.BigIntegerField()

    class Meta:
        db_table = "rm_list_member"
        constraints = [
            models.UniqueConstraint(fields=["list_id", "user_id"], name="rm_list_member_unique")
        ]
        indexes = [models.Index(fields=["user_id"], name="rm_list_member_user")]


class TodoView(models.Model):
    todo_id = models.UUIDField(primary_key=True)
    list_id = models.UUIDField(db_index=True)
    title = models.CharField(max_length=200)
    completed = models.BooleanField(default=False)
    version = models.IntegerField()
    position = models.BigIntegerField()
    created_position = models.BigIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "rm_todo"


class ActivityView(models.Model):
    position = models.BigIntegerField(primary_key=True)
    list_id = models.UUIDField()
    type = models.CharField(max_length=100)
    actor = models.CharField(max_length=150)
    summary = models.CharField(max_length=600)
    occurred_at = models.DateTimeField()

    class Meta:
        db_table = "rm_activity"
        indexes = [models.Index(fields=["list_id", "-position"], name="rm_activity_list")]


class ProjectorCheckpoint(models.Model):
    """The last store position the projector applied (one row per projection name)."""

    name = models.CharField(max_length=100, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rm_checkpoint"

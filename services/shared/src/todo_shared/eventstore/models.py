"""Tables of the event store. Only the API appends; nothing ever updates or deletes."""

from __future__ import annotations

from django.db import models


class StoredEvent(models.Model):
    """One event. ``position`` is global and gap-free; ``(stream, version)`` is unique."""

    position = models.BigIntegerField(primary_key=True)
    event_id = models.UUIDField(unique=True)
    stream = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    type = models.CharField(max_length=100)
    schema_version = models.PositiveSmallIntegerField(default=1)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    channels = models.JSONField()
    data = models.JSONField()
    metadata = models.JSONField()

    class Meta:
        db_table = "event_store"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "version"], name="event_store_stream_version")
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.stream} v{self.version}"


class StoredEventChannel(models.Model):
    """Index of which channels each event goes to, for ``GET /api/events?channel=``."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(max_length=100)
    position = models.BigIntegerField()

    class Meta:
        db_table = "event_store_channel"
        constraints = [
            models.UniqueConstraint(fields=["channel", "position"], name="event_store_channel_pos")
        ]

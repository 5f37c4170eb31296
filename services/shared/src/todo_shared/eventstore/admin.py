"""Django admin: browse streams and events, read-only (the store is append-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from todo_shared.eventstore.models import StoredEvent


@admin.register(StoredEvent)
class StoredEventAdmin(admin.ModelAdmin):
    list_display = ("position", "type", "stream", "version", "occurred_at", "actor")
    list_filter = ("type",)
    search_fields = ("stream", "=event_id")
    ordering = ("-position",)
    list_per_page = 100
    readonly_fields = (
        "position",
        "event_id",
        "stream",
        "version",
        "type",
        "schema_version",
        "occurred_at",
        "recorded_at",
        "channels",
        "data",
        "metadata",
    )

    @admin.display(description="actor")
    def actor(self, event: StoredEvent) -> str:
        return str(event.metadata.get("actor", ""))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

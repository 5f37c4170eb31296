"""The access index port on the API's ``api_list_access`` table (``ListAccess``)."""

from __future__ import annotations

from todo_shared.event_registry import event_type

from todo_api.domain.events import DomainEvent
from todo_api.identity.models import ListAccess


class DjangoAccessIndex:
    """Who belongs to which list, written in the command's transaction."""

    def record(self, event: DomainEvent) -> None:
        """Grant or revoke what the event registry says the event grants or revokes."""
        known = event_type(event.type)
        if known is None:
            return
        for user_id, list_id in known.revoked(event.data):
            ListAccess.objects.filter(list_id=list_id, user_id=user_id).delete()
        for user_id, list_id in known.granted(event.data):
            ListAccess.objects.create(list_id=list_id, user_id=user_id)

    def can_read(self, user_id: str, list_id: str) -> bool:
        return ListAccess.objects.filter(list_id=list_id, user_id=user_id).exists()

    def list_ids_of(self, user_id: str) -> list[str]:
        rows = ListAccess.objects.filter(user_id=user_id).values_list("list_id", flat=True)
        return [str(i) for i in rows]

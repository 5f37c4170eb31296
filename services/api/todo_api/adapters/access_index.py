"""The access index port on the API's ``api_list_access`` table (``ListAccess``)."""

from __future__ import annotations

from todo_api.domain.events import DomainEvent
from todo_api.identity.models import ListAccess


class DjangoAccessIndex:
    """Who belongs to which list, written in the command's transaction."""

    def record(self, event: DomainEvent) -> None:
        data = event.data
        if event.type == "ListCreated":
            ListAccess.objects.create(list_id=data["list_id"], user_id=data["owner_id"])
        elif event.type == "MemberAdded":
            ListAccess.objects.create(list_id=data["list_id"], user_id=data["user_id"])
        elif event.type == "MemberRemoved":
            ListAccess.objects.filter(list_id=data["list_id"], user_id=data["user_id"]).delete()
        elif event.type == "ListDeleted":
            ListAccess.objects.filter(list_id=data["list_id"]).delete()

    def can_read(self, user_id: str, list_id: str) -> bool:
        return ListAccess.objects.filter(list_id=list_id, user_id=user_id).exists()

    def list_ids_of(self, user_id: str) -> list[str]:
        rows = ListAccess.objects.filter(user_id=user_id).values_list("list_id", flat=True)
        return [str(i) for i in rows]

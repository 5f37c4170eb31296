"""POST /api/lists/<id>/todos the plain Django way: a JSON view, a token lookup, one ORM
insert in a transaction; with PEER_BROADCAST, a channels_redis group_send after commit."""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benchpeer.models import Todo, TodoList, Token


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def _broadcast(todo: Todo) -> None:
    envelope = {
        "type": "TodoCreated",
        "channels": [f"list:{todo.todo_list_id}"],
        "data": {"todo_id": str(todo.id), "list_id": str(todo.todo_list_id), "title": todo.title},
    }
    async_to_sync(get_channel_layer().group_send)(
        f"list_{todo.todo_list_id}", {"type": "todo.event", "text": json.dumps(envelope)}
    )


@csrf_exempt
@require_POST
def create_todo(request: HttpRequest, list_id: str) -> JsonResponse:
    key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None:
        return _error(401, "unauthorized", "bad token")
    try:
        body = json.loads(request.body)
        title = str(body["title"]).strip()
    except (ValueError, KeyError, TypeError):
        return _error(400, "invalid_input", "a JSON body with a title is needed")
    if not 1 <= len(title) <= 200:
        return _error(400, "invalid_input", "title must be 1-200 characters")
    if not TodoList.objects.filter(id=list_id, owner=token.user).exists():
        return _error(404, "not_found", "no such list")
    with transaction.atomic():
        todo = Todo.objects.create(todo_list_id=list_id, title=title)
        if settings.BROADCAST:
            transaction.on_commit(lambda: _broadcast(todo))
    return JsonResponse(
        {"id": str(todo.id), "list_id": list_id, "title": todo.title, "completed": False},
        status=201,
    )

"""The peer's tables: API tokens, lists and todos, as a plain Django project has them."""

import uuid

from django.conf import settings
from django.db import models


class Token(models.Model):
    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


class TodoList(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


class Todo(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    todo_list = models.ForeignKey(TodoList, on_delete=models.CASCADE, related_name="todos")
    title = models.CharField(max_length=200)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

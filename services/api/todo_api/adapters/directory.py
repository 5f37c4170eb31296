"""The directory port on Django's ``auth_user``."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User

from todo_api.application.ports import UserRef


class DjangoDirectory:
    def find(self, username: str) -> UserRef | None:
        user = User.objects.filter(username=username).first()
        return UserRef(str(user.pk), user.username) if user else None

    def usernames(self, user_ids: Iterable[str]) -> dict[str, str]:
        ids = [int(i) for i in user_ids if i.isdigit()]
        rows = User.objects.filter(pk__in=ids).values_list("pk", "username")
        return {str(pk): name for pk, name in rows}

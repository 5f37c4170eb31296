"""Create one user, one list and a token; print {"token", "list_ids"} as JSON."""

import json
import secrets

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from benchpeer.models import TodoList, Token


class Command(BaseCommand):
    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--lists", type=int, default=16)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        user = User.objects.create_user(f"peer{secrets.token_hex(4)}", password=None)
        token = Token.objects.create(key=secrets.token_hex(20), user=user)
        lists = [TodoList.objects.create(name=f"l{i}", owner=user) for i in range(options["lists"])]
        self.stdout.write(json.dumps({"token": token.key, "list_ids": [str(x.id) for x in lists]}))

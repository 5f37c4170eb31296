"""The composition root: the one place that builds the projector's adapters.

Every argument has the real default — settings from the environment (exit 2 with one line if
wrong), JSON logs, Django on ``DATABASE_URL``, the recorder for its vendor, the read-model
tables and ``auth_user`` usernames — so production calls ``bootstrap()`` and a test passes
in-memory pieces: ``bootstrap(settings, recorder=InMemoryRecorder(),
tables=InMemoryReadModelTables(), usernames=FixedUsernames({...}))``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from todo_shared.config import Settings, load_or_exit
from todo_shared.eventstore.interface import Recorder
from todo_shared.logs import configure_logging
from todo_shared.observability import register_build_info

from projector.adapters.store import StoreReader
from projector.application.applier import Applier
from projector.application.ports import ReadModelTables, UsernameLookup


@dataclass
class Projector:
    """The wired parts every command of ``python -m projector`` works with."""

    settings: Settings
    store: StoreReader
    tables: ReadModelTables
    usernames: UsernameLookup

    def applier(self, **options: Any) -> Applier:
        """An :class:`Applier` on these parts (``chunk_size``, ``max_failures``, ``on_chunk``)."""
        return Applier(self.store, self.tables, self.usernames, **options)


def bootstrap(
    settings: Settings | None = None,
    recorder: Recorder | None = None,
    tables: ReadModelTables | None = None,
    usernames: UsernameLookup | None = None,
    configure_logs: bool = True,
) -> Projector:
    """Build the projector; Django is set up only if a default adapter needs it."""
    if settings is None:
        settings = load_or_exit()
    if configure_logs:
        configure_logging("projector")
        register_build_info("projector", "todo-projector")
        for warning in settings.warnings:
            logging.getLogger("projector").warning(warning)
    if recorder is None or tables is None or usernames is None:
        from projector.adapters.django_setup import setup_django

        setup_django(settings)
    if recorder is None:
        from todo_shared.eventstore.recorder import recorder_for

        recorder = recorder_for()
    if tables is None:
        from projector.adapters.django_tables import DjangoReadModelTables

        tables = DjangoReadModelTables()
    if usernames is None:
        from projector.adapters.usernames import UsernameCache

        usernames = UsernameCache()
    return Projector(settings, StoreReader(recorder), tables, usernames)

"""The application layer: use cases between the HTTP/web edge and the pure domain.

- :mod:`.commands` — what a caller asks for, as small dataclasses (``CreateTodo`` …);
- :mod:`.handlers` — one plain function per command, ``handler(cmd, uow) -> result``;
- :mod:`.unit_of_work` — load aggregates, decide, append atomically (with retry);
- :mod:`.queries` — what the read endpoints show, from the read models;
- :mod:`.access` — who may read which channel; realtime tokens; the events page;
- :mod:`.ports` — what the layer needs from outside (recorder, access index, users);
- :mod:`.errors` — :class:`ApplicationError`, keyed by the contract's error code.

Nothing here knows HTTP: the edge (``todo_api.entrypoints.http``) maps codes to statuses.
"""

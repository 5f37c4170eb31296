"""The event store: an append-only table with a gap-free global ``position``.

A Django app (tables and migrations) plus :mod:`todo_shared.eventstore.recorder`, the small
recorder interface the API appends through and the projector reads from.
"""

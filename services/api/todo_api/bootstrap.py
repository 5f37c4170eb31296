"""The API process's composition root: builds the adapters and hands them to the application.

``bootstrap()`` takes every dependency as an argument with the real default, so a test can
pass in-memory ones (``bootstrap(recorder=InMemoryRecorder(), access=…, atomic=nullcontext)``).
The HTTP and web edges reach the wiring through :func:`wired`, built once, on first use
(nothing connects at import time).
"""

from __future__ import annotations

from dataclasses import dataclass

from todo_api.application.access import TokenSettings
from todo_api.application.ports import AccessIndex, Atomic, Clock, Directory, Recorder
from todo_api.application.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Services:
    """Everything the edges call into, wired."""

    uow: UnitOfWork
    directory: Directory
    tokens: TokenSettings

    @property
    def recorder(self) -> Recorder:
        return self.uow.recorder

    @property
    def access(self) -> AccessIndex:
        return self.uow.access


def bootstrap(
    *,
    recorder: Recorder | None = None,
    access: AccessIndex | None = None,
    directory: Directory | None = None,
    atomic: Atomic | None = None,
    clock: Clock | None = None,
    tokens: TokenSettings | None = None,
) -> Services:
    """Wire the API; every argument left out gets its real (Django) implementation."""
    if recorder is None:
        from todo_shared.eventstore.recorder import EventRecorder

        recorder = EventRecorder()
    if access is None:
        from todo_api.adapters.access_index import DjangoAccessIndex

        access = DjangoAccessIndex()
    if directory is None:
        from todo_api.adapters.directory import DjangoDirectory

        directory = DjangoDirectory()
    if atomic is None:
        from django.db import transaction

        atomic = transaction.atomic
    if clock is None:
        from django.utils import timezone

        clock = timezone.now
    if tokens is None:
        from django.conf import settings

        tokens = TokenSettings(
            settings.SETTINGS.realtime_secret, settings.SETTINGS.realtime_token_ttl
        )
    return Services(UnitOfWork(recorder, access, atomic, clock), directory, tokens)


_wired: Services | None = None


def wired() -> Services:
    """The process's wiring (built by :func:`bootstrap` with the real adapters, once)."""
    global _wired
    if _wired is None:
        _wired = bootstrap()
    return _wired

"""The composition root: settings, logging and Django, once per process."""

from __future__ import annotations

import logging

from todo_shared.config import Settings, load_or_exit
from todo_shared.logs import configure_logging
from todo_shared.observability import register_build_info

from projector.adapters.django_setup import setup_django


def bootstrap() -> Settings:
    """Load the settings (exit 2 with one line if wrong), configure logs and the ORM."""
    settings = load_or_exit()
    configure_logging("projector")
    register_build_info("projector", "todo-projector")
    for warning in settings.warnings:
        logging.getLogger("projector").warning(warning)
    setup_django(settings)
    return settings

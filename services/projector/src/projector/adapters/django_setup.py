"""The projector's minimal Django settings: the ORM only, no migrations, no views.

The API's ``manage.py migrate`` owns the schema; the projector only reads the event store and
``auth_user`` and writes the read models, so it installs just the apps whose models it uses.
"""

from __future__ import annotations

from typing import Any

from todo_shared.config import Settings, database_config


def django_settings(settings: Settings) -> dict[str, Any]:
    """Django settings for the projector, from the service settings."""
    return {
        "DEBUG": False,  # True would keep every SQL query in memory
        "SECRET_KEY": settings.secret_key,
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "todo_shared.eventstore",
            "todo_shared.readmodels",
        ],
        "DATABASES": {"default": database_config(settings.database_url)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "LOGGING_CONFIG": None,  # todo_shared.logs owns the handlers
    }


def setup_django(settings: Settings) -> None:
    """Configure and start Django once for this process (connects lazily, not here)."""
    import django
    from django.conf import settings as django_conf

    if not django_conf.configured:
        django_conf.configure(**django_settings(settings))
    django.setup()

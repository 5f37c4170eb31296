"""Settings of the peer: todo creation the plain Django way, optionally broadcast through
Django Channels (channels_redis ``group_send``). Env: PEER_DATABASE_URL (postgres://…),
PEER_BROADCAST (1 = group_send each created todo), PEER_REDIS_PREFIX."""

import os
from urllib.parse import urlsplit

_db = urlsplit(
    os.environ.get("PEER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/benchpeer")
)

SECRET_KEY = "bench-peer-not-secret-0123456789abcdef0123456789"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "channels",
    "benchpeer",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "benchpeer.urls"
WSGI_APPLICATION = "benchpeer.wsgi.application"
ASGI_APPLICATION = "benchpeer.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # channels_redis pools its Redis connections; the default pool is too small for
            # hundreds of concurrent consumers ("Too many connections").
            "hosts": [
                {
                    "address": os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/0"),
                    "max_connections": 4000,
                    "socket_timeout": 60,
                }
            ],
            "prefix": os.environ.get("PEER_REDIS_PREFIX", "benchpeer"),
            "capacity": 1000,
        },
    }
}
BROADCAST = os.environ.get("PEER_BROADCAST", "0") == "1"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

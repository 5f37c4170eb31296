"""gunicorn settings for the API (compose, and the test stack). Env: API_PORT, WEB_CONCURRENCY."""

import os

bind = f"0.0.0.0:{os.environ.get('API_PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
backlog = 2048
timeout = 30
graceful_timeout = 20
accesslog = None
loglevel = "info"
wsgi_app = "todo_api.wsgi:application"
chdir = os.path.dirname(os.path.abspath(__file__))

# gunicorn's own lines as JSON too (CONTRACT.md §1); Django's loggers are set up by settings.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "todo_shared.logs.JsonFormatter", "service": "api"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}

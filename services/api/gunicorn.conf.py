"""gunicorn settings for the API (compose, and the test stack).

Env: API_PORT, WEB_CONCURRENCY (workers), GUNICORN_THREADS, FORWARDED_ALLOW_IPS (which peers
may set X-Forwarded-*: the proxy in front; default 127.0.0.1), PROMETHEUS_MULTIPROC_DIR.

Metrics are true across workers: before any worker starts, ``PROMETHEUS_MULTIPROC_DIR`` is
set (a fresh private directory unless the environment names one, which is then emptied),
every worker writes its values there, ``/metrics`` merges them, and ``child_exit`` marks a
dead worker's live gauges gone. Access lines are JSON and come from the API's middleware
(``todo_api.observability``: route, status, duration, request id, user id), so gunicorn's
own access log stays off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
if _metrics_dir:
    for stale in Path(_metrics_dir).glob("*.db"):  # values of an earlier run are not ours
        stale.unlink()
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)
    _own_dir = False
else:
    _metrics_dir = tempfile.mkdtemp(prefix="todo-api-metrics-")
    _own_dir = True
# Set before prometheus_client is first imported (below, and in every forked worker).
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

from prometheus_client import multiprocess  # noqa: E402

bind = f"0.0.0.0:{os.environ.get('API_PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
backlog = 2048
timeout = 30
graceful_timeout = 20  # compose's stop_grace_period (25 s) leaves room for it
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None
loglevel = "info"
wsgi_app = "todo_api.wsgi:application"
chdir = os.path.dirname(os.path.abspath(__file__))


def child_exit(server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _own_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


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

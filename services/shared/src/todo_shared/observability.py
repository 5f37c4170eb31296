"""``/healthz`` and ``/metrics`` for every process, as one small WSGI app.

The relay and the projector serve it on their own port from a background thread
(:func:`serve_in_thread`); the gateway mounts it behind its Socket.IO app; the API has
Django views that call :func:`health_response` and :func:`metrics_payload`.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import threading
from collections.abc import Callable, Iterable
from importlib import metadata
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

log = logging.getLogger(__name__)


def metrics_payload() -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type.

    Under gunicorn (``PROMETHEUS_MULTIPROC_DIR`` set by ``gunicorn.conf.py``) the values of
    every worker, live or dead, are merged from that directory, so a scrape is the whole
    API, not one random worker; otherwise this process's default registry.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


_build_info: dict[str, Gauge] = {}


def register_build_info(service: str, distribution: str) -> None:
    """Expose ``<service>_build_info{version, revision, python} 1`` (once per process).

    ``version`` is the installed ``distribution``'s; ``revision`` comes from
    ``BUILD_REVISION`` (the image's build argument), ``unknown`` when unset.
    """
    if service in _build_info:
        return
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = "unknown"
    gauge = Gauge(
        f"{service}_build_info",
        f"Build of the {service} process (always 1)",
        ["version", "revision", "python"],
        multiprocess_mode="max",
    )
    revision = os.environ.get("BUILD_REVISION", "").strip() or "unknown"
    gauge.labels(version, revision, platform.python_version()).set(1)
    _build_info[service] = gauge


def health_response(check: HealthCheck) -> tuple[int, bytes]:
    """Run ``check`` and render it: 200 when healthy, 503 otherwise."""
    try:
        ok, details = check()
    except Exception as exc:  # a broken check is an unhealthy process, not a crash
        ok, details = False, {"error": str(exc)}
    body = {"status": "ok" if ok else "unavailable", **details}
    return (200 if ok else 503), json.dumps(body, default=str).encode()


def health_app(check: HealthCheck) -> WSGIApp:
    """A WSGI app answering ``GET /healthz`` and ``GET /metrics``; 404 for anything else."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            status, body = health_response(check)
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(f"{status} {reason}", [("Content-Type", "application/json")])
            return [body]
        if path == "/metrics":
            payload, content_type = metrics_payload()
            start_response("200 OK", [("Content-Type", content_type)])
            return [payload]
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": {"code": "not_found", "message": "no such path"}}']

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_in_thread(port: int, check: HealthCheck, host: str = "0.0.0.0") -> WSGIServer:
    """Serve :func:`health_app` on ``port`` from a daemon thread; returns the server.

    Binding fails loudly (``OSError``) when the port is taken, so a stale process is noticed.
    """
    server = make_server(
        host, port, health_app(check), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="health-http", daemon=True)
    thread.start()
    log.info("health and metrics listening", extra={"port": port})
    return server

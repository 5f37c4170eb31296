"""Fail with one line naming whichever of PostgreSQL and RabbitMQ does not answer."""

import os
import socket
import sys
from urllib.parse import urlsplit

CHECKS = {
    "PostgreSQL": os.environ.get(
        "TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "RabbitMQ": os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
}


def main() -> int:
    missing = []
    for name, url in CHECKS.items():
        parts = urlsplit(url)
        try:
            socket.create_connection((parts.hostname, parts.port), timeout=3).close()
        except OSError as exc:
            missing.append(f"{name} at {parts.hostname}:{parts.port} ({exc.strerror or exc})")
    if missing:
        print("make test needs running services; not answering: " + "; ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write ``.env`` for ``docker compose up`` with a new random value for every secret.

    python3 scripts/new_env.py            # writes ./.env (mode 600); refuses if it exists
    python3 scripts/new_env.py --output PATH

The file is ``.env.example`` (every variable, with its comment) with each secret filled in
by ``secrets.token_urlsafe``: 384 random bits (64 characters) for the two signing keys,
256 bits (43 characters) for each password, all of ``A-Z a-z 0-9 _ -``, so they go into
connection URLs unchanged and pass every length check, Django's ``check --deploy``
included (50+ characters for ``SECRET_KEY``; docs/compose.md). An
existing file is never overwritten: it holds the passwords the volumes were created with.
Standard library only, so it runs before ``make`` or any virtual environment.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / ".env.example"
SIGNING_KEYS = ("SECRET_KEY", "REALTIME_SECRET")  # 48 random bytes each; passwords 32
SECRETS = (
    "SECRET_KEY",
    "REALTIME_SECRET",
    "POSTGRES_PASSWORD",
    "RABBITMQ_ADMIN_PASSWORD",
    "RABBITMQ_RELAY_PASSWORD",
    "RABBITMQ_PROJECTOR_PASSWORD",
    "RABBITMQ_GATEWAY_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
)


def render(example: str) -> str:
    """``example`` with a fresh secret after each ``NAME=`` of :data:`SECRETS`."""
    lines = []
    missing = set(SECRETS)
    for line in example.splitlines():
        name, sep, _value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and name.strip() in SECRETS:
            size = 48 if name.strip() in SIGNING_KEYS else 32
            line = f"{name.strip()}={secrets.token_urlsafe(size)}"
            missing.discard(name.strip())
        lines.append(line)
    if missing:
        raise SystemExit(f".env.example lacks {', '.join(sorted(missing))}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=REPO / ".env")
    args = parser.parse_args(argv)
    text = render(EXAMPLE.read_text())
    try:
        # O_EXCL: refuses atomically if the file appeared meanwhile; 0600: secrets.
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(
            f"{args.output} exists; not overwriting it (its passwords are the ones the "
            "volumes were created with). Move it away first to start afresh.",
            file=sys.stderr,
        )
        return 1
    with os.fdopen(fd, "w") as out:
        out.write(text)
    print(f"wrote {args.output} with new random secrets; next: docker compose up --build")
    return 0


if __name__ == "__main__":
    sys.exit(main())

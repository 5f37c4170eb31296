"""``python -m projector [rebuild | dead-letters ...]`` (see ``--help``)."""

from __future__ import annotations

import sys

from projector.entrypoints.cli import main

if __name__ == "__main__":
    sys.exit(main())

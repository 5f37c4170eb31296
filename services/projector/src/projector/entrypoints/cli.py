"""Argument parsing for ``python -m projector``; each command lives in its own module."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

DESCRIPTION = """\
Keep the read models (lists, members, todos, activity) a faithful replay of the event store.

Without a command, run the projector: catch up with the store, then consume the
PROJECTOR_QUEUE bound to EVENTS_EXCHANGE, serving /healthz and /metrics on PROJECTOR_PORT.
Configuration comes from the environment (DATABASE_URL, AMQP_URL, EVENTS_EXCHANGE, ...).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m projector",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the projector (the default)")

    rebuild = commands.add_parser(
        "rebuild",
        help="drop the read models and replay them from the event store",
        description=(
            "Empty the read models and replay every stored event, in batches. Safe while the "
            "API takes writes and the projector runs: the projector pauses while the rebuild "
            "holds the read models and goes on from the rebuilt checkpoint afterwards."
        ),
    )
    rebuild.add_argument(
        "--batch-size",
        type=int,
        default=1000,
        metavar="N",
        help="events per transaction (default: 1000)",
    )
    rebuild.add_argument(
        "--progress",
        choices=("auto", "bar", "lines", "none"),
        default="auto",
        help="a progress bar (auto: on a terminal), plain lines (auto: otherwise), or nothing",
    )

    dead = commands.add_parser(
        "dead-letters",
        help="list dead letters, or re-publish / discard chosen ones",
        description=(
            "Messages the projector refused wait in <EVENTS_EXCHANGE>.dead with the reason in "
            "the x-dead-letter-reason header. List them, then re-publish (to the projector "
            "queue, or the events exchange) or discard those chosen by id or reason."
        ),
    )
    actions = dead.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="show dead letters without removing them")
    listing.add_argument("--limit", type=int, default=100, help="at most N (default: 100)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for name, verb in (("republish", "re-publish"), ("discard", "delete")):
        action = actions.add_parser(name, help=f"{verb} chosen dead letters")
        chosen = action.add_mutually_exclusive_group(required=True)
        chosen.add_argument(
            "--id",
            dest="ids",
            action="append",
            metavar="KEY",
            help="a message's key as `list` shows it (message id, or #n for one without); repeat",
        )
        chosen.add_argument("--reason", help="every dead letter with this reason")
        chosen.add_argument("--all", action="store_true", help="every dead letter")
        action.add_argument(
            "--limit", type=int, default=10000, help="look at most at N messages (default: 10000)"
        )
        if name == "republish":
            action.add_argument(
                "--to",
                choices=("queue", "exchange"),
                default="queue",
                help="the projector's queue only (default) or the events exchange (all consumers)",
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, then bootstrap and run the chosen command."""
    args = build_parser().parse_args(argv)
    from projector.bootstrap import bootstrap

    projector = bootstrap()
    if args.command == "rebuild":
        from projector.entrypoints.rebuild import run_rebuild

        return run_rebuild(projector, args.batch_size, args.progress)
    if args.command == "dead-letters":
        from projector.entrypoints.dead_letters import run_dead_letters

        return run_dead_letters(projector.settings, args)
    from projector.entrypoints.run import run_projector

    return run_projector(projector)

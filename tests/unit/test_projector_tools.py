"""Small pure pieces: progress text, dead-letter headers, the command line."""

from __future__ import annotations

import io

import pika
import pytest
from projector.adapters.dead_letters import dead_letter_properties, reason_of
from projector.entrypoints.cli import build_parser
from projector.entrypoints.progress import ProgressReporter, describe, format_duration


def test_rate_and_eta() -> None:
    fraction, rate, eta = describe(500, 1000, 2.0)
    assert (fraction, rate, eta) == (0.5, "250 ev/s", "0:00:02")
    assert describe(0, 0, 0.0) == (1.0, "0 ev/s", "?")
    assert format_duration(3725) == "1:02:05"


def test_plain_lines_off_a_terminal() -> None:
    out = io.StringIO()
    reporter = ProgressReporter("rebuild", "auto", out, every=0)
    reporter.update(10, 100)
    reporter.finish("done")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("rebuild: 10/100 events (10.0%)")
    assert "ETA" in lines[0]
    assert lines[-1] == "rebuild: done"


def test_bar_redraws_in_place() -> None:
    out = io.StringIO()
    reporter = ProgressReporter("rebuild", "bar", out)
    reporter.update(50, 100)
    assert out.getvalue().startswith("\rrebuild [###############---------------] 50/100")


def test_dead_letter_headers_keep_the_original_and_say_why() -> None:
    original = pika.BasicProperties(message_id="m1", type="TodoCreated", headers={"a": 1})
    props = dead_letter_properties(original, "not_json", "line 1")
    assert props.message_id == "m1" and props.delivery_mode == 2
    assert props.headers["a"] == 1
    assert reason_of(props.headers) == ("not_json", "line 1")
    assert reason_of({"x-death": [{"reason": b"delivery_limit"}]}) == ("broker:delivery_limit", "")
    assert reason_of(None) == ("unknown", "")


def test_command_line() -> None:
    parser = build_parser()
    assert parser.parse_args([]).command is None
    args = parser.parse_args(["rebuild", "--batch-size", "50"])
    assert (args.command, args.batch_size, args.progress) == ("rebuild", 50, "auto")
    args = parser.parse_args(["dead-letters", "republish", "--id", "a", "--id", "b"])
    assert (args.ids, args.to) == (["a", "b"], "queue")
    with pytest.raises(SystemExit):
        parser.parse_args(["dead-letters", "republish"])  # choose what

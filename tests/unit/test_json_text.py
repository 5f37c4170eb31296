"""The one surrogate-safe JSON decoder (request bodies and AMQP messages)."""

import pytest
from todo_shared.json_text import JsonTextError, decode_json_text


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'{"a": ', "syntax"),
        (b'{"a": "\\ud800"}', "encoding"),  # a lone surrogate escape
        (b'{"a": "\xff"}', "encoding"),  # not UTF-8
        (b"[" * 100_000 + b"]" * 100_000, "depth"),
    ],
)
def test_refused(raw, problem):
    with pytest.raises(JsonTextError) as refused:
        decode_json_text(raw)
    assert refused.value.problem == problem
    assert refused.value.detail


def test_text_including_a_surrogate_pair_is_accepted():
    assert decode_json_text(b'{"a": "\\ud83d\\ude00", "b": [1, 2.5, null]}') == {
        "a": "\U0001f600",
        "b": [1, 2.5, None],
    }

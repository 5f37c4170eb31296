"""The compiled validator (jsonschema-rs) accepts exactly what ``jsonschema`` accepts.

``todo_shared.envelope`` checks every message with jsonschema-rs first and asks ``jsonschema``
only to word a refusal; these generated envelopes, valid and broken one field at a time,
must get the same verdict from both, for the envelope and for every event type's data.
"""

from __future__ import annotations

import copy
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from todo_shared.envelope import _data_validator, _envelope_validator
from todo_shared.event_registry import STORE_EVENTS

from tests.unit.test_envelope import store_event

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["", "x" * 201, str(uuid.uuid4()), "list:nope", "2026-11-23T18:42:00Z"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _agree(checker, instance) -> None:  # type: ignore[no-untyped-def]
    assert checker.fast.is_valid(instance) == checker.slow.is_valid(instance), instance


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(sorted(store_event())), value=JUNK, drop=st.booleans())
def test_the_envelope_verdicts_agree(field: str, value: object, drop: bool) -> None:
    envelope = store_event()
    _agree(_envelope_validator(), envelope)
    broken = copy.deepcopy(envelope)
    if drop:
        broken.pop(field)
    else:
        broken[field] = value
    _agree(_envelope_validator(), broken)
    _agree(_envelope_validator(), {**envelope, "metadata": {"source": value}})
    _agree(_envelope_validator(), {**envelope, "channels": [value]})


@settings(max_examples=300, deadline=None)
@given(
    event_type=st.sampled_from(sorted(STORE_EVENTS)),
    field=st.sampled_from(["todo_id", "list_id", "title", "name", "user_id", "owner_id", "x"]),
    value=JUNK,
)
def test_the_data_verdicts_agree(event_type: str, field: str, value: object) -> None:
    checker = _data_validator(event_type)
    data = {"todo_id": str(uuid.uuid4()), "list_id": str(uuid.uuid4()), "title": "milk"}
    _agree(checker, data)
    _agree(checker, {**data, field: value})
    _agree(checker, {field: value})

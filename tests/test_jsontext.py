"""detente.jsontext: the run record's JSON text reads back as json.dumps's does."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.jsontext import dumps

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
keys = st.text() | st.integers() | st.booleans() | st.none()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(values, st.integers(min_value=0, max_value=8))
def test_the_text_reads_back_as_json_dumps_writes_it(value: object, depth: int) -> None:
    text = dumps(value, depth=depth)
    assert json.loads(text) == json.loads(json.dumps(value, ensure_ascii=False))


def test_structure_is_indented_and_lists_of_numbers_are_one_line() -> None:
    text = dumps({"a": {"b": [1.0, 2.0, 3.0]}, "c": [{"d": 1}]})
    assert text.splitlines() == ['{', '  "a": {', '    "b": [1.0, 2.0, 3.0]', '  },', '  "c": [',
                                 '    {', '      "d": 1', '    }', '  ]', '}']
    assert dumps({"a": {"b": {"c": 1}}}, depth=1) == '{\n  "a": {"b": {"c": 1}}\n}'


def test_non_ascii_is_kept_and_nan_refused() -> None:
    assert dumps({"name": "Zaporizhzhia – Запоріжжя"}) == '{\n  "name": "Zaporizhzhia – Запоріжжя"\n}'
    with pytest.raises(ValueError):
        dumps({"x": [math.nan]})
    with pytest.raises(ValueError):
        dumps(math.inf)

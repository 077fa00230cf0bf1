"""Bounded-depth JSON: deep nesting is refused before the parser recurses; strings never count."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.protocol import jsondepth
from tether.protocol.jsondepth import JsonDepthError, too_deep


def test_depth_limit_is_exact() -> None:
    assert jsondepth.loads("[" * 32 + "]" * 32, max_depth=32) is not None
    with pytest.raises(JsonDepthError):
        jsondepth.loads("[" * 33 + "]" * 33, max_depth=32)
    with pytest.raises(JsonDepthError):
        jsondepth.loads('{"a":' * 40 + "1" + "}" * 40)


def test_unclosed_nesting_is_refused_not_recursed() -> None:
    with pytest.raises(JsonDepthError):
        jsondepth.loads("[" * 100_000)
    with pytest.raises(JsonDepthError):
        jsondepth.loads(b"{\"a\":" * 5000)


def test_brackets_in_strings_do_not_count() -> None:
    text = json.dumps({"a\"[[[": "[" * 500, "b": ["\\" + "{" * 100]})
    assert not too_deep(text)
    assert jsondepth.loads(text)["a\"[[["] == "[" * 500


def test_malformed_text_is_a_value_error() -> None:
    for text in ("[}", "{", '"unterminated', "\xff"):
        with pytest.raises(ValueError):
            jsondepth.loads(text)
    with pytest.raises(ValueError):
        jsondepth.loads(b"\xff\xfe")


def _nested(depth: int) -> object:
    value: object = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@given(st.integers(min_value=0, max_value=60))
def test_depth_matches_structure(depth: int) -> None:
    text = json.dumps(_nested(depth))
    assert too_deep(text, 32) == (depth > 32)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_shallow_documents_parse_like_json(value: object) -> None:
    text = json.dumps(value)
    assert jsondepth.loads(text, max_depth=1000) == json.loads(text)

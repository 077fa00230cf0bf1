"""Wildcard matching: `?` is one character, `*` any run (across `/` and `:`), everything else literal, no blow-ups."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.auth.policy.matching import compile_patterns, literal_hint, match_wildcard


def reference(pattern: str, value: str) -> bool:
    """Textbook dynamic-programming glob match, slow but obviously right."""
    row = [True] + [False] * len(value)
    for char in pattern:
        if char == "*":
            new = [row[0]]
            for j in range(1, len(value) + 1):
                new.append(new[j - 1] or row[j])
        else:
            new = [False]
            for j in range(1, len(value) + 1):
                new.append(row[j - 1] and (char == "?" or char == value[j - 1]))
        row = new
    return row[-1]


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("ecs:Start?", "ecs:Starts", True),
        ("ecs:Start?", "ecs:Start", False),  # ? is exactly one character, not zero
        ("ecs:Start?", "ecs:Startss", False),  # ... and not two
        ("a??c", "abbc", True),
        ("?", "/", True),
        ("?", ":", True),
        ("*", "", True),
        ("a*", "a", True),  # * may be empty
        ("*", "acs:ecs:cn:1:instance/mi-1", True),
        ("acs:ecs:*", "acs:ecs:cn:1:instance/mi-1", True),  # * crosses : and /
        ("acs:ecs:*:1:instance/mi-1", "acs:ecs:a:b:1:instance/mi-1", True),
        ("instance/*/x", "instance/a/b/x", True),
        ("*/x", "a/b/x/y", False),
        ("a.b", "a.b", True),
        ("a.b", "axb", False),  # dots are literal
        ("a+b", "aab", False),
        ("a+b", "a+b", True),
        ("(x)|y", "y", False),
        ("(x)|y", "(x)|y", True),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("^a$", "^a$", True),
        ("a\\b", "a\\b", True),
        ("a{2}", "aa", False),
        ("*", "line\nbreak", True),
        ("a?b", "a\nb", True),
        ("Mi-*", "mi-1", False),  # case-sensitive
        ("**a**", "xay", True),
        ("*ab*b", "abb", True),
        ("*aab", "aaab", True),
        ("a*b*c*d", "abcabcd", True),
        ("a*b*c*d", "abcabc", False),
        ("*.json", "x.json", True),
        ("*.json", "xjson", False),
    ],
)
def test_wildcard_table(pattern: str, value: str, expected: bool) -> None:
    assert match_wildcard(pattern, value) is expected
    assert reference(pattern, value) is expected


def test_pattern_set_buckets() -> None:
    patterns = compile_patterns(["lit", "pre*", "*suf", "a?c", "x*y*z"])
    assert patterns.literals == frozenset({"lit"})
    assert patterns.prefixes == ("pre",)
    assert patterns.suffixes == ("suf",)
    assert patterns.regex is not None
    for value in ("lit", "prefix", "a suf", "abc", "x-y-z"):
        assert patterns.matches(value), value
    for value in ("lit2", "xpre", "sufx", "ac", "x-z"):
        assert not patterns.matches(value), value
    assert not compile_patterns([]).matches("")


def test_literal_hint() -> None:
    assert literal_hint("acs:ecs:*:*:instance/mi-00*") == ":instance/mi-00"
    assert literal_hint("*") == ""
    assert literal_hint("?*") == ""


@pytest.mark.parametrize(
    "pattern",
    ["*a*a*a*a*a*a*a*a*b", "a*a*a*a*a*a*a*a*a*a*", "*a?a*a?a*a?a*a?a*b", "*aaaa*aaaa*aaaa*c*d"],
)
def test_no_catastrophic_backtracking(pattern: str) -> None:
    matcher = compile_patterns([pattern])
    value = "a" * 20000
    start = time.perf_counter()
    matcher.matches(value)
    matcher.matches(value + "x")
    assert time.perf_counter() - start < 1.0


alphabet = st.text(alphabet="ab:/", max_size=10)


@given(st.text(alphabet="ab*?:", max_size=8), alphabet)
def test_agrees_with_reference(pattern: str, value: str) -> None:
    assert match_wildcard(pattern, value) is reference(pattern, value)


@given(st.lists(st.text(alphabet="ab*?", max_size=6), max_size=4), alphabet)
def test_set_is_any_of_its_patterns(patterns: list[str], value: str) -> None:
    assert compile_patterns(patterns).matches(value) is any(reference(p, value) for p in patterns)


@given(st.text(alphabet="ab*?:", max_size=8), alphabet)
def test_hint_is_necessary(pattern: str, value: str) -> None:
    if match_wildcard(pattern, value):
        assert literal_hint(pattern) in value

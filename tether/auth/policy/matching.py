r"""Wildcard patterns for actions, resources and `StringLike`, compiled once when a policy is parsed.

Grammar: `*` matches any run of characters (including none, and including `:` and `/`), `?` matches exactly one
character, everything else is literal (a `.` is a dot, `[` is a bracket; there is no escape). Matching is
case-sensitive; callers that want case-insensitive matching (actions) lower-case both the patterns and the value.

Why not `fnmatch`, or a naive translation to a regex: a naive regex for `*a*a*a*b` backtracks exponentially on a long
value without a `b`, and the values come from requests. Here a pattern `first*m1*...*mk*last` becomes
`(?=.*last\Z)first(?>.*?m1)...(?>.*?m[k-1]).*mk.*last`: every segment has a fixed length, so the leftmost
occurrence of each middle segment but the last is always the best choice and the atomic group commits to it; only the
last middle segment backtracks (greedy `.*` is three times faster than lazy in `re`), and the lookahead has already
checked the suffix, so a match costs O(len(value) * len(pattern)), never more.

Why a `PatternSet` rather than one regex per pattern: most policies list literal actions or plain prefixes
(`ecs:Describe*`), and a set lookup or `str.startswith(tuple)` is several times faster than any regex. Only patterns
with an inner wildcard reach the (single, combined) regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_STARS = re.compile(r"\*+")


def has_wildcard(pattern: str) -> bool:
    """True if `pattern` contains `*` or `?`."""
    return "*" in pattern or "?" in pattern


def _segment(text: str) -> str:
    """Regex for a star-free segment: `?` is one character, the rest is literal."""
    return ".".join(re.escape(part) for part in text.split("?"))


def wildcard_regex(pattern: str) -> str:
    """Regex source that, used with `fullmatch` and `re.DOTALL`, matches exactly what `pattern` matches."""
    segments = _STARS.sub("*", pattern).split("*")
    if len(segments) == 1:
        return _segment(pattern)
    first, *middle, last = segments
    if not middle:
        return f"{_segment(first)}.*{_segment(last)}"
    *committed, final = middle
    guard = f"(?=.*{_segment(last)}\\Z)" if last else ""
    inner = "".join(f"(?>.*?{_segment(seg)})" for seg in committed)
    return f"{guard}{_segment(first)}{inner}.*{_segment(final)}.*{_segment(last)}"


def literal_hint(pattern: str) -> str:
    """The longest wildcard-free run of `pattern`: any value the pattern matches contains it ("" means no hint)."""
    return max(re.split(r"[*?]", pattern), key=len)


@dataclass(frozen=True, slots=True)
class PatternSet:
    """A list of wildcard patterns; `matches(value)` is true when any of them matches the whole value.

    The patterns are sorted into buckets, cheapest first: a bare `*` (matches everything), literals (a frozenset),
    plain prefixes `abc*` and suffixes `*abc` (one `str.startswith`/`str.endswith` call with a tuple) and the rest
    (one combined regex).
    """

    match_all: bool
    literals: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    regex: re.Pattern[str] | None

    def matches(self, value: str) -> bool:
        """True if any pattern matches all of `value`."""
        if self.match_all or value in self.literals:
            return True
        if self.prefixes and value.startswith(self.prefixes):
            return True
        if self.suffixes and value.endswith(self.suffixes):
            return True
        return self.regex is not None and self.regex.fullmatch(value) is not None


def compile_patterns(patterns: Iterable[str]) -> PatternSet:
    """Build a `PatternSet`; done once at parse time so evaluation never compiles anything."""
    match_all = False
    literals: set[str] = set()
    prefixes: dict[str, None] = {}  # dicts as ordered sets: duplicates are common across statements
    suffixes: dict[str, None] = {}
    sources: dict[str, None] = {}
    for pattern in patterns:
        collapsed = _STARS.sub("*", pattern)
        if collapsed == "*":
            match_all = True
        elif not has_wildcard(collapsed):
            literals.add(collapsed)
        elif collapsed.endswith("*") and not has_wildcard(collapsed[:-1]):
            prefixes[collapsed[:-1]] = None
        elif collapsed.startswith("*") and not has_wildcard(collapsed[1:]):
            suffixes[collapsed[1:]] = None
        else:
            sources[wildcard_regex(collapsed)] = None
    regex = None
    if sources:
        regex = re.compile("|".join(f"(?:{source})" for source in sources), re.DOTALL)
    return PatternSet(match_all, frozenset(literals), tuple(prefixes), tuple(suffixes), regex)


def match_wildcard(pattern: str, value: str) -> bool:
    """One-off, case-sensitive match of a single pattern (compiles each call: for tools and tests, not the hot path)."""
    return compile_patterns([pattern]).matches(value)

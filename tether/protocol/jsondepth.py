"""JSON parsing with a bound on nesting depth, checked before the parser runs.

Python's `json` recurses once per nested array or object, so a body of a few thousand `[` ends in a
`RecursionError` deep inside the parser (a 500 and a traceback) instead of a clear refusal. Nothing tether accepts
needs more than a handful of levels, so every JSON body a peer sends is measured first and refused beyond
`MAX_DEPTH` levels with `JsonDepthError`.

The measure never recurses and runs at C speed: string literals (which may hold brackets) are removed with one
regular expression, everything but brackets with another, and the depth is the largest running sum of the brackets
left (+1 opening, -1 closing). Unclosed brackets count too: the parser recurses on each `[` before it could notice
that the text is cut short.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonDepthError(ValueError):
    """The JSON text nests arrays and objects deeper than allowed."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def too_deep(text: str, max_depth: int = MAX_DEPTH) -> bool:
    """True if some point of `text` is inside more than `max_depth` arrays/objects (closed or not)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= max_depth:
        return False
    return max(accumulate(map(_STEP.__getitem__, brackets))) > max_depth


def loads(data: str | bytes | bytearray, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """`json.loads` that raises `JsonDepthError` (a ValueError) for text nested deeper than `max_depth`.

    Bytes must be UTF-8 (a UnicodeDecodeError, also a ValueError, otherwise); `kwargs` go to `json.loads`.
    """
    text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    if too_deep(text, max_depth):
        raise JsonDepthError(max_depth)
    try:
        return json.loads(text, **kwargs)
    except RecursionError:  # a parse hook that recurses on its own; never the nesting, which was measured
        raise JsonDepthError(max_depth) from None

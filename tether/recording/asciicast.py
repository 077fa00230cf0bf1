"""asciicast v2 encoding and reading, pure and synchronous so it can be tested byte for byte.

A terminal's output is bytes, asciicast events are JSON strings. Each direction keeps an incremental UTF-8 decoder
so a character split across two DATA frames is joined instead of mangled, and `errors="surrogateescape"` turns
bytes that are not UTF-8 into lone surrogates U+DC80..U+DCFF. `json.dumps(ensure_ascii=True)` writes those as
`\\udcXX` escapes: the file stays valid JSON that players render (a replacement glyph at worst), and
`text.encode("utf-8", "surrogateescape")` gives back exactly the bytes that were sent (see `output_bytes`).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

VERSION = 2
DEFAULT_COLS = 80
DEFAULT_ROWS = 24


_escape = encode_basestring_ascii  # the C function json.dumps(ensure_ascii=True) uses for each string


TRUNCATED_MARKER = "recording truncated"  # how the marker of a recording recovered after a server crash begins

def _line(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=True, separators=(", ", ": ")).encode("ascii") + b"\n"


def _time(seconds: float) -> float:
    return round(max(seconds, 0.0), 6)


def header_line(
    *,
    width: int,
    height: int,
    timestamp: int,
    title: str,
    shell: str,
    command: str | None = None,
) -> bytes:
    """The first line of a cast: terminal size, wall-clock start and what was run."""
    header: dict[str, Any] = {"version": VERSION, "width": width, "height": height, "timestamp": timestamp}
    if command is not None:
        header["command"] = command
    header["title"] = title
    header["env"] = {"TERM": "xterm-256color", "SHELL": shell}
    return _line(header)


class CastEncoder:
    """Turns one session's byte streams into event lines; holds only the decoders' pending partial characters."""

    def __init__(self) -> None:
        self._decoders = {
            "o": codecs.getincrementaldecoder("utf-8")("surrogateescape"),
            "i": codecs.getincrementaldecoder("utf-8")("surrogateescape"),
        }

    def _parts(self, code: str, t: float, data: bytes, final: bool = False) -> tuple[bytes, ...]:
        """One event line in three pieces (head, escaped text, tail), or () while a character is incomplete.

        The relay's hot path: the same bytes as `_line([t, code, text])` without json.dumps building and joining
        another copy of a string that can be 6 times the frame (each NUL is "\\u0000"); the recorder writes the
        pieces with writev, so the escaped text is never copied again."""
        text = self._decoders[code].decode(data, final)
        if not text:
            return ()
        return b"[%r, \"%s\", " % (_time(t), code.encode("ascii")), _escape(text).encode("ascii"), b"]\n"

    def _data(self, code: str, t: float, data: bytes, final: bool = False) -> bytes:
        return b"".join(self._parts(code, t, data, final))

    def output(self, t: float, data: bytes) -> bytes:
        """An "o" event, or b"" while the bytes so far end inside a multi-byte character."""
        return self._data("o", t, data)

    def output_parts(self, t: float, data: bytes) -> tuple[bytes, ...]:
        """`output` as pieces to write one after the other (see `_parts`)."""
        return self._parts("o", t, data)

    def input(self, t: float, data: bytes) -> bytes:
        """An "i" event (keystrokes), or b"" while a character is incomplete."""
        return self._data("i", t, data)

    def resize(self, t: float, cols: int, rows: int) -> bytes:
        return _line([_time(t), "r", f"{cols}x{rows}"])

    def marker(self, t: float, label: str) -> bytes:
        """An "m" event; pending partial characters are written first so no byte is lost or reordered."""
        return self.flush(t) + _line([_time(t), "m", label])

    def flush(self, t: float) -> bytes:
        """Whatever partial characters are pending, as surrogate-escaped events (the stream is ending)."""
        return self._data("o", t, b"", final=True) + self._data("i", t, b"", final=True)


def read_header(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        value = json.loads(f.readline())
    if not isinstance(value, dict) or value.get("version") != VERSION:
        raise ValueError(f"{path} is not an asciicast v2 file")
    return value


def iter_events(path: Path) -> Iterator[tuple[float, str, str]]:
    """The events of a cast (header skipped), one line at a time so large files are never loaded whole."""
    with path.open("rb") as f:
        f.readline()
        for raw in f:
            t, code, text = json.loads(raw)
            yield float(t), str(code), str(text)


def output_bytes(path: Path) -> bytes:
    """The exact bytes the terminal printed, rebuilt from the "o" events."""
    return b"".join(text.encode("utf-8", "surrogateescape") for _, code, text in iter_events(path) if code == "o")

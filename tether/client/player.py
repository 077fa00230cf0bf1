"""Reading and replaying asciicast v2 recordings in the terminal.

The relay writes output text decoded with `surrogateescape` and JSON-escaped (docs/recording.md), so
`text.encode("utf-8", "surrogateescape")` gives back exactly the bytes the program printed, invalid UTF-8 included.
Replay therefore writes the original bytes, not a re-encoding, and a recording of `cat` of a binary file replays
the same screen as the live session did.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tether.client.rawmode import RawMode, is_tty
from tether.recording.asciicast import TRUNCATED_MARKER


class RecordingError(ValueError):
    """The file is not an asciicast v2 recording (or is damaged); the message says where."""


@dataclass(frozen=True, slots=True)
class Event:
    """One event: seconds since the start, the type ("o", "i", "r", "m") and its data."""

    time: float
    kind: str
    data: str

    @property
    def raw(self) -> bytes:
        """The event's bytes as they crossed the relay."""
        return self.data.encode("utf-8", "surrogateescape")


def read_recording(lines: Iterable[str]) -> tuple[dict[str, Any], Iterator[Event]]:
    """The header and a lazy iterator of events; a 1 GB recording is never held in memory."""
    it = iter(lines)
    try:
        header = json.loads(next(it))
    except (StopIteration, ValueError):
        raise RecordingError("the file does not start with an asciicast header line") from None
    if not isinstance(header, dict) or header.get("version") != 2:
        raise RecordingError("not an asciicast v2 recording (the header's version is not 2)")

    def events() -> Iterator[Event]:
        for number, line in enumerate(it, start=2):
            if not line.strip():
                continue
            try:
                t, kind, data = json.loads(line)
            except ValueError:
                # a recording sealed after a crash may end in a partial line: stop there, as players do
                return
            if not isinstance(t, int | float) or not isinstance(kind, str) or not isinstance(data, str):
                raise RecordingError(f"line {number} is not an event [time, type, data]")
            yield Event(float(t), kind, data)

    return header, events()


def output_bytes(events: Iterable[Event]) -> Iterator[bytes]:
    """The output of a recording, as bytes (what `tether recordings cat` prints)."""
    for event in events:
        if event.kind == "o":
            yield event.raw


def truncation(path: Path) -> str | None:
    """The "recording truncated" marker of a recording its server never closed (recovered after a crash), if any:
    `tether recordings cat` and `play` show it so nobody takes a cut-off recording for the whole session."""
    found = None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        _, events = read_recording(f)
        for event in events:
            if event.kind == "m" and event.data.startswith(TRUNCATED_MARKER):
                found = event.data
    return found


def schedule(
    events: Iterable[Event], speed: float = 1.0, idle_limit: float | None = None
) -> Iterator[tuple[float, Event]]:
    """(delay before this event, event) with the speed factor and long pauses cut to `idle_limit` seconds."""
    previous = 0.0
    for event in events:
        gap = max(0.0, event.time - previous)
        previous = event.time
        if idle_limit is not None:
            gap = min(gap, idle_limit)
        yield gap / speed, event


def play(
    path: Path,
    *,
    speed: float = 1.0,
    idle_limit: float | None = None,
    out: IO[bytes] | None = None,
    keys_fd: int | None = None,
) -> bool:
    """Replay `path` to `out` with its timing; `q` on `keys_fd` (the terminal) stops it. True if it played to the end.

    Only output events are shown (input is the user's keystrokes, echoed in the output already); resize events
    are announced in the title bar rather than resizing the viewer's own terminal.
    """
    out = out or sys.stdout.buffer
    raw = RawMode(keys_fd) if keys_fd is not None and is_tty(keys_fd) else None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        _, events = read_recording(f)
        if raw is not None:
            raw.enter()
        try:
            for delay, event in schedule(events, speed, idle_limit):
                if _wait_for_quit(keys_fd, delay):
                    return False
                if event.kind == "o":
                    out.write(event.raw)
                    out.flush()
                elif event.kind == "r":
                    out.write(f"\x1b]2;tether replay ({event.data})\x07".encode())
                    out.flush()
            return True
        finally:
            if raw is not None:
                raw.restore()


def _wait_for_quit(keys_fd: int | None, delay: float) -> bool:
    """Sleep `delay` seconds, returning early (True) if `q` or Ctrl-C is pressed."""
    deadline = time.monotonic() + delay
    while True:
        left = deadline - time.monotonic()
        if keys_fd is None:
            if left > 0:
                time.sleep(left)
            return False
        ready, _, _ = select.select([keys_fd], [], [], max(0.0, left))
        if ready:
            key = os.read(keys_fd, 64)
            if not key or b"q" in key or b"\x03" in key:
                return True
        elif left <= 0:
            return False

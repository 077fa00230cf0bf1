"""The recording reader and player: exact bytes back, timing, idle limit, `q` stops, damaged files named."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.client.player import Event, RecordingError, output_bytes, play, read_recording, schedule


def write_cast(path: Path, events: list[tuple[float, str, bytes | str]], partial: str = "") -> None:
    lines = [json.dumps({"version": 2, "width": 80, "height": 24})]
    for t, kind, data in events:
        text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
        lines.append(json.dumps([t, kind, text], ensure_ascii=True))
    path.write_text("\n".join(lines) + "\n" + partial, encoding="utf-8")


@given(st.lists(st.binary(min_size=1, max_size=64), max_size=20))
def test_output_bytes_are_exactly_what_was_recorded(chunks: list[bytes]) -> None:
    joined = b"".join(chunks)
    text = joined.decode("utf-8", "surrogateescape")
    line = json.dumps([0.5, "o", text], ensure_ascii=True)
    header = json.dumps({"version": 2, "width": 80, "height": 24})
    _, events = read_recording([header, line])
    assert b"".join(output_bytes(events)) == joined


def test_partial_last_line_ends_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "r.cast"
    write_cast(path, [(0.1, "o", b"one "), (0.2, "o", b"two")], partial='[0.3, "o", "thr')
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        _, events = read_recording(f)
        assert b"".join(output_bytes(events)) == b"one two"


@pytest.mark.parametrize("first", ["", "not json", json.dumps({"version": 1}), json.dumps([1, 2])])
def test_not_a_recording(first: str) -> None:
    with pytest.raises(RecordingError):
        read_recording([first])


def test_schedule_speed_and_idle_limit() -> None:
    events = [Event(1.0, "o", "a"), Event(11.0, "o", "b"), Event(11.5, "o", "c")]
    delays = [d for d, _ in schedule(events, speed=2.0, idle_limit=2.0)]
    assert delays == [0.5, 1.0, 0.25]


def test_play_writes_output_with_timing(tmp_path: Path) -> None:
    path = tmp_path / "r.cast"
    write_cast(path, [(0.0, "o", b"\x1b[1mhi\x1b[0m "), (0.3, "r", "100x30"), (0.6, "i", "ignored"),
                      (0.6, "o", "日本".encode() + b"\xff")])
    out = io.BytesIO()
    start = time.monotonic()
    assert play(path, out=out, keys_fd=None)
    assert time.monotonic() - start >= 0.55
    data = out.getvalue()
    assert data.startswith(b"\x1b[1mhi\x1b[0m ")
    assert data.endswith("日本".encode() + b"\xff")
    assert b"ignored" not in data


def test_q_stops_playback(tmp_path: Path) -> None:
    path = tmp_path / "r.cast"
    write_cast(path, [(0.0, "o", b"first"), (30.0, "o", b"never")])
    read_fd, write_fd = os.pipe()
    threading.Timer(0.3, os.write, (write_fd, b"q")).start()
    out = io.BytesIO()
    start = time.monotonic()
    assert play(path, out=out, keys_fd=read_fd) is False
    assert time.monotonic() - start < 5
    assert out.getvalue() == b"first"
    os.close(read_fd)
    os.close(write_fd)

"""The asciicast encoder: lossless for any byte chunking, split characters joined, valid asciicast v2 lines."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tether.recording.asciicast import CastEncoder, header_line, iter_events, output_bytes, read_header


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def _cast(tmp: Path, chunks: list[bytes], name: str = "t.cast") -> Path:
    enc = CastEncoder()
    lines = [header_line(width=80, height=24, timestamp=0, title="i as u", shell="/bin/sh")]
    lines += [enc.output(float(i), chunk) for i, chunk in enumerate(chunks)]
    lines.append(enc.marker(9.0, "exit 0"))
    return _write(tmp / name, lines)


@given(st.lists(st.binary(min_size=1, max_size=64), max_size=20))
def test_any_byte_chunks_round_trip_losslessly(tmp_path_factory, chunks: list[bytes]) -> None:
    path = _cast(tmp_path_factory.mktemp("cast"), chunks)
    assert output_bytes(path) == b"".join(chunks)
    for raw in path.read_bytes().splitlines():
        raw.decode("ascii")  # ensure_ascii: every line is plain ASCII JSON
        json.loads(raw)


def test_multibyte_character_split_across_frames_is_joined(tmp_path: Path) -> None:
    text = "日本語".encode()
    path = _cast(tmp_path, [text[:1], text[1:4], text[4:]])
    events = list(iter_events(path))
    assert [e for e in events if e[1] == "o"] == [(1.0, "o", "日"), (2.0, "o", "本語")]
    assert events[-1] == (9.0, "m", "exit 0")


def test_invalid_bytes_become_surrogate_escapes(tmp_path: Path) -> None:
    path = _cast(tmp_path, [b"ok \xff\xfe end", b"\xe6\x97"])  # the last is a truncated character at the end
    body = path.read_text("ascii")
    assert "\\udcff\\udcfe" in body and "\\udce6\\udc97" in body
    assert output_bytes(path) == b"ok \xff\xfe end\xe6\x97"


def test_header_and_events_are_asciicast_v2(tmp_path: Path) -> None:
    enc = CastEncoder()
    header = header_line(
        width=120, height=40, timestamp=1700000000, title="mi-1 as root", shell="/bin/sh", command="top"
    )
    path = _write(tmp_path / "h.cast", [header, enc.resize(1.5, 100, 30), enc.input(2.0, b"ls\r")])
    assert read_header(path) == {
        "version": 2,
        "width": 120,
        "height": 40,
        "timestamp": 1700000000,
        "command": "top",
        "title": "mi-1 as root",
        "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"},
    }
    assert list(iter_events(path)) == [(1.5, "r", "100x30"), (2.0, "i", "ls\r")]

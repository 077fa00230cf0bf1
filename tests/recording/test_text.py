"""Searchable text of a recording: escapes stripped, redraws resolved, lines timed, floods bounded."""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tether.recording.asciicast import CastEncoder, header_line
from tether.recording.text import MAX_LINE, LineExtractor, TextLine, extract_lines

# escape sequences a shell session is full of; none of them may leave a trace in the text
ESCAPES = [
    "\x1b[0m",
    "\x1b[01;32m",
    "\x1b[38;5;208m",
    "\x1b[?2004h",
    "\x1b[?2004l\r",
    "\x1b[K",
    "\x1b[2J\x1b[H",
    "\x1b[12;40H",
    "\x1b]0;alice@web-1: ~/src\x07",
    "\x1b]2;title\x1b\\",
    "\x1b]8;;https://example.com\x1b\\",
    "\x1b(B",
    "\x1b)0",
    "\x1b7",
    "\x1b8",
    "\x1b=",
    "\x1bP+q544e\x1b\\",
    "\x9b1m",
]


def lines_of(*events: tuple[float, str], **limits: int) -> list[TextLine]:
    extractor = LineExtractor(**limits)
    out: list[TextLine] = []
    for t, text in events:
        out += extractor.feed(t, text)
    return out + extractor.finish()


def texts(lines: list[TextLine]) -> list[str]:
    return [line.text for line in lines]


def expected(raw_lines: list[str], max_line: int = MAX_LINE) -> list[str]:
    """What the extractor should produce for plain lines: stripped, cut, blank ones gone, repeats once."""
    out: list[str] = []
    for line in raw_lines:
        text = line[:max_line].strip()
        if text and (not out or out[-1] != text):
            out.append(text)
    return out


def test_colours_titles_and_prompt_redraws_leave_the_words() -> None:
    got = lines_of(
        (0.25, "\x1b[?2004h\x1b]0;alice@web-1: ~\x07\x1b[01;32malice@web-1\x1b[00m:\x1b[01;34m~\x1b[00m$ "),
        (1.5, "ls --color\r\n\x1b[?2004l\r"),
        (1.75, "\x1b[0m\x1b[01;34mbin\x1b[0m  \x1b[01;32mrun.sh\x1b[0m  notes.txt\r\n"),
        (3.0, "\x1b[01;31m\x1b[Kerror\x1b[m\x1b[K: disk full\r\n"),
    )
    assert got == [
        TextLine(0.25, "alice@web-1:~$ ls --color"),
        TextLine(1.75, "bin  run.sh  notes.txt"),
        TextLine(3.0, "error: disk full"),
    ]


def test_escape_split_across_events_is_still_removed() -> None:
    got = lines_of((0.0, "before \x1b"), (0.5, "[1;3"), (0.6, "1mred\x1b]0;ti"), (0.7, "tle\x07 after\n"))
    assert texts(got) == ["before red after"]


def test_carriage_return_keeps_what_the_redraw_shows_last() -> None:
    got = lines_of((0.0, "copying  10%\r"), (1.0, "copying  55%\r"), (2.0, "copying 100%\r\n"), (3.0, "next\r\n"))
    assert got == [TextLine(2.0, "copying 100%"), TextLine(3.0, "next")]


def test_backspace_erases_what_was_echoed() -> None:
    assert texts(lines_of((0.0, "echo helo\b\b\bello\r\n"), (0.1, "ab\b \bc\n"))) == ["echo hello", "ac"]


def test_bytes_that_were_not_utf8_and_controls_are_dropped() -> None:
    assert texts(lines_of((0.0, "a\udcffb\x00c\x07d\x7fe\tf\n"))) == ["abcde f"]


def test_time_is_that_of_the_first_character_of_the_line() -> None:
    got = lines_of((1.0, "\x1b[0m"), (2.0, "par"), (3.0, "tial\nwhole\n"), (4.0, "tail"))
    assert got == [TextLine(2.0, "partial"), TextLine(3.0, "whole"), TextLine(4.0, "tail")]


def test_a_yes_flood_becomes_one_line() -> None:
    events = [(float(i), "y\r\n" * 5000) for i in range(50)] + [(60.0, "y\r\ndone\r\n")]
    assert lines_of(*events) == [TextLine(0.0, "y"), TextLine(60.0, "done")]


def test_lines_are_cut_and_text_is_capped() -> None:
    got = lines_of((0.0, "x" * 5000 + "\n"), max_line=100)
    assert texts(got) == ["x" * 100]
    extractor = LineExtractor(max_text=1000)
    out = [line for i in range(1000) for line in extractor.feed(float(i), f"line {i:06d}\n")]
    assert sum(len(line.text) for line in out) <= 1000 and extractor.truncated
    assert texts(out)[:2] == ["line 000000", "line 000001"]
    extractor = LineExtractor(max_lines=10)
    out = [line for i in range(100) for line in extractor.feed(float(i), "a\nb\n")]
    assert len(out) == 10 and extractor.truncated


def test_a_long_unterminated_title_does_not_leak_into_the_text() -> None:
    got = lines_of((0.0, "\x1b]0;" + "t" * 10000), (1.0, "t" * 10000), (2.0, "\x07visible\n"))
    assert texts(got) == ["visible"]


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a]


_printable = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FF).filter(lambda ch: not 0x7F <= ord(ch) <= 0x9F), max_size=40
)


@settings(max_examples=300)
@given(
    raw=st.lists(_printable, max_size=15),
    escapes=st.lists(st.sampled_from(ESCAPES[:-1]), max_size=30),
    positions=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_plain_lines_survive_any_escapes_and_any_chunking(
    raw: list[str], escapes: list[str], positions: list[int], cuts: list[int]
) -> None:
    """Escapes inserted between characters and the stream cut anywhere: the same lines come out."""
    plain = "\n".join(raw) + "\n"
    inserts = sorted(
        (position % (len(plain) + 1), escape)
        for escape, position in zip(escapes, positions, strict=False)
        if "\r" not in escape  # a carriage return is not only a decoration
    )
    text, done = "", 0
    for at, escape in inserts:
        text += plain[done:at] + escape
        done = at
    text += plain[done:]
    got = lines_of(*((float(i), chunk) for i, chunk in enumerate(_chunks(text, cuts))))
    assert texts(got) == expected(raw)
    assert [line.t for line in got] == sorted(line.t for line in got)


@settings(max_examples=300)
@given(st.lists(st.text(max_size=80), max_size=20))
def test_any_output_gives_clean_bounded_lines(events: list[str]) -> None:
    got = lines_of(*((float(i), text) for i, text in enumerate(events)), max_line=50)
    for line in got:
        assert line.text and line.text == line.text.strip() and len(line.text) <= 50
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0xDC80 <= ord(ch) <= 0xDCFF for ch in line.text)
    assert all(a.text != b.text for a, b in itertools.pairwise(got))


def _cast(path: Path, chunks: list[bytes]) -> Path:
    enc = CastEncoder()
    lines = [header_line(width=80, height=24, timestamp=0, title="i as u", shell="/bin/sh")]
    lines += [enc.output(0.5 * i, chunk) for i, chunk in enumerate(chunks)]
    lines += [enc.resize(99.0, 100, 30), enc.marker(99.0, "exit 0")]
    path.write_bytes(b"".join(lines))
    return path


def test_real_coloured_output_of_ls_and_grep(tmp_path: Path) -> None:
    """What GNU ls and grep print with colours on, read back from a cast file."""
    work = tmp_path / "w"
    work.mkdir()
    (work / "subdir").mkdir()
    (work / "script.sh").write_text("#!/bin/sh\n")
    (work / "script.sh").chmod(0o755)
    (work / "notes.txt").write_text("alpha\nthe needle is here\nomega\n")
    env = {**os.environ, "LS_COLORS": "di=01;34:ex=01;32", "LC_ALL": "C"}
    ls = subprocess.run(["ls", "--color=always", "-1"], cwd=work, env=env, capture_output=True, check=True).stdout
    grep = subprocess.run(
        ["grep", "--color=always", "-n", "needle", "notes.txt"], cwd=work, env=env, capture_output=True, check=True
    ).stdout
    assert b"\x1b[" in ls and b"\x1b[" in grep
    prompt = b"\x1b]0;alice@web-1: ~\x07\x1b[01;32malice@web-1\x1b[00m:\x1b[01;34m~\x1b[00m$ "
    cast = _cast(
        tmp_path / "s.cast",
        [
            prompt,
            b"ls\r\n",
            ls.replace(b"\n", b"\r\n"),
            prompt,
            b"grep needle\r\n",
            grep.replace(b"\n", b"\r\n"),
            "café 日本".encode() + b"\xff\r\n",
            prompt,
        ],
    )
    got = list(extract_lines(cast))
    assert texts(got) == [
        "alice@web-1:~$ ls",
        "notes.txt",
        "script.sh",
        "subdir",
        "alice@web-1:~$ grep needle",
        "2:the needle is here",
        "café 日本",
        "alice@web-1:~$",
    ]
    assert got[0].t == 0.0 and got[5].t == 2.5


def test_a_file_cut_short_gives_what_was_readable(tmp_path: Path) -> None:
    cast = _cast(tmp_path / "s.cast", [b"first line\r\n", b"second line\r\n"])
    cast.write_bytes(cast.read_bytes() + b'[9.0, "o", "never fini')
    assert texts(list(extract_lines(cast))) == ["first line", "second line"]

"""The escape-sequence state machine, table-driven: what is sent and what is done for each input."""

from __future__ import annotations

import pytest

from tether.client.escape import EscapeAction, EscapeParser

D = EscapeAction.DISCONNECT
H = EscapeAction.HELP


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"ls\r"], [b"ls\r"]),
        ([b"~."], [D]),  # at session start
        ([b"ls\r~."], [b"ls\r", D]),
        ([b"ls\n~."], [b"ls\n", D]),
        ([b"a~."], [b"a~."]),  # not at line start: plain bytes
        ([b"~~"], [b"~"]),
        ([b"~~."], [b"~."]),  # the literal tilde is not an escape any more
        ([b"~x"], [b"~x"]),
        ([b"~?"], [H]),
        ([b"~?~."], [H, D]),  # after help we are at line start again
        ([b"\r~?x"], [b"\r", H, b"x"]),
        ([b"~.more"], [D]),  # nothing after disconnect
        ([b"~", b"."], [D]),  # split across reads
        ([b"~", b"~"], [b"~"]),
        ([b"x\r", b"~", b"a"], [b"x\r~a"]),
        ([b"~\r~."], [b"~\r", D]),  # ~ then Enter sends both and a new line starts
        ([b"\x03\x04"], [b"\x03\x04"]),  # control bytes pass through untouched
        ([bytes(range(256))], [bytes(range(256))]),  # no ~ at line start (0x7e follows 0x7d)
    ],
)
def test_escape_table(chunks: list[bytes], expected: list[bytes | EscapeAction]) -> None:
    parser = EscapeParser()
    result: list[bytes | EscapeAction] = []
    for chunk in chunks:
        result.extend(parser.feed(chunk))
    assert _coalesce(result) == expected


def test_trailing_tilde_is_sent_at_end_of_input() -> None:
    parser = EscapeParser()
    assert parser.feed(b"~") == []
    assert parser.finish() == b"~"
    assert parser.finish() == b""


def test_disabled_escape_passes_everything() -> None:
    parser = EscapeParser(None)
    assert parser.feed(b"~.") == [b"~."]
    assert parser.finish() == b""


def test_other_escape_char() -> None:
    parser = EscapeParser(b"%")
    assert _coalesce(parser.feed(b"~.%%\r%%%.")) == [b"~.%%\r%%."]  # %% sends one %, then mid-line
    assert parser.feed(b"\r%.") == [b"\r", D]


def test_escape_char_must_be_one_byte() -> None:
    with pytest.raises(ValueError):
        EscapeParser(b"ab")


def _coalesce(items: list[bytes | EscapeAction]) -> list[bytes | EscapeAction]:
    out: list[bytes | EscapeAction] = []
    for item in items:
        if isinstance(item, bytes) and out and isinstance(out[-1], bytes):
            out[-1] = out[-1] + item
        else:
            out.append(item)
    return out

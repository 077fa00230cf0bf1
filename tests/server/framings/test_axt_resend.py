"""The 1.02 resend buffer: bounded, trimmed by the client's position, and a renumbering notice for lost output."""

from __future__ import annotations

from tether.server.framings.resend import ResendBuffer


def test_numbers_frames_and_resends_after_a_position() -> None:
    buffer = ResendBuffer(limit=100)
    assert [buffer.add(b"a"), buffer.add(b"b"), buffer.add(b"c")] == [1, 2, 3]
    assert buffer.since(1) == [(2, b"b"), (3, b"c")]
    assert buffer.since(3) == []


def test_confirmed_frames_are_forgotten() -> None:
    buffer = ResendBuffer(limit=100)
    for data in (b"aa", b"bb", b"cc"):
        buffer.add(data)
    buffer.confirm(2)
    assert len(buffer) == 2 and buffer.since(2) == [(3, b"cc")]
    buffer.confirm(1)  # never backwards
    assert buffer.confirmed == 2


def test_the_buffer_is_bounded() -> None:
    buffer = ResendBuffer(limit=1000)
    for _ in range(100):
        buffer.add(b"x" * 100)
    assert len(buffer) <= 1000


def test_a_position_no_longer_buffered_gets_a_notice_and_renumbering() -> None:
    buffer = ResendBuffer(limit=250)
    for i in range(1, 6):
        buffer.add(bytes([48 + i]) * 100)  # frames 1..5 of 100 bytes; only the last two (and a half) fit
    frames = buffer.since(1)
    assert frames[0][0] == 2 and b"200 bytes of output were lost" in frames[0][1]
    assert [seq for seq, _ in frames] == [2, 3, 4]
    assert [data for _, data in frames[1:]] == [b"4" * 100, b"5" * 100]
    assert buffer.add(b"next") == 5, "numbering goes on from the renumbered frames"
    assert buffer.since(4) == [(5, b"next")]

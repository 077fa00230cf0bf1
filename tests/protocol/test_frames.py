"""Frame codec: round trips, every malformed shape, and arbitrary bytes never raising anything but ProtocolError."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.protocol import (
    MAX_DATA,
    MAX_MESSAGE,
    Ack,
    Close,
    Data,
    Eof,
    Error,
    Exit,
    Hello,
    Open,
    OpenFail,
    OpenOk,
    ProtocolError,
    Resize,
    decode,
    decode_header,
    encode,
)

streams = st.integers(min_value=0, max_value=0xFFFFFFFF)
nonzero_streams = st.integers(min_value=1, max_value=0xFFFFFFFF)
texts = st.text(max_size=200).filter(lambda t: len(t.encode()) <= 1024)

frames = st.one_of(
    st.builds(Hello, st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)),
    st.builds(Data, streams, st.binary(min_size=1, max_size=2048)),
    st.builds(Ack, streams, st.integers(0, (1 << 64) - 1)),
    st.builds(Resize, st.integers(1, 0xFFFF), st.integers(1, 0xFFFF)),
    st.builds(Open, nonzero_streams, texts),
    st.builds(OpenOk, nonzero_streams),
    st.builds(OpenFail, nonzero_streams, texts),
    st.builds(Eof, streams),
    st.builds(Close, streams, texts),
    st.builds(Exit, st.integers(-(1 << 31), (1 << 31) - 1)),
    st.builds(Error, st.text(alphabet="abcdefghijklmnopqrstuvwxyz.ABC", min_size=1, max_size=40), texts),
)


@given(frames)
def test_round_trip(frame: object) -> None:
    assert decode(encode(frame)) == frame  # type: ignore[arg-type]


@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_frame_or_protocol_error(data: bytes) -> None:
    try:
        decode(data)
    except ProtocolError as exc:
        assert exc.code
        assert str(exc)


@given(st.integers(0, 255), streams, st.binary(max_size=64))
def test_any_header_and_payload_decode_or_fail_cleanly(ftype: int, stream: int, payload: bytes) -> None:
    try:
        decode(struct.pack(">BI", ftype, stream) + payload)
    except ProtocolError:
        pass


def test_data_of_max_size_round_trips() -> None:
    frame = Data(7, b"\xff" * MAX_DATA)
    message = encode(frame)
    assert len(message) == MAX_MESSAGE
    assert decode(message) == frame


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (b"", "short-frame"),
        (b"\x01\x00\x00", "short-frame"),
        (b"\x63\x00\x00\x00\x00", "unknown-type"),
        (b"\x01\x00\x00\x00\x00", "bad-data"),
        (b"\x01\x00\x00\x00\x00" + b"x" * (MAX_DATA + 1), "frame-too-large"),
        (b"\x02\x00\x00\x00\x00" + b"\x00" * 7, "bad-length"),
        (b"\x00\x00\x00\x00\x01" + b"\x00" * 6, "bad-stream"),
        (b"\x03\x00\x00\x00\x00" + b"\x00\x00\x00\x18", "bad-resize"),
        (b"\x04\x00\x00\x00\x00" + b"host:1", "bad-stream"),
        (b"\x04\x00\x00\x00\x01" + b"\xff\xfe", "bad-text"),
        (b"\x08\x00\x00\x00\x01" + b"x" * 1025, "text-too-long"),
        (b"\x0a\x00\x00\x00\x00", "bad-error"),
        (b"\x0a\x00\x00\x00\x00\x05abc", "bad-error"),
        (b"\x09\x00\x00\x00\x00\x00", "bad-length"),
    ],
)
def test_malformed_frames_are_named(message: bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(message)
    assert info.value.code == code


@pytest.mark.parametrize(
    "frame",
    [Data(0, b""), Data(0, b"x" * (MAX_DATA + 1)), Resize(0, 10), Exit(1 << 31), Error("", "x"), Close(0, "x" * 2000)],
)
def test_encoding_refuses_invalid_frames(frame: object) -> None:
    with pytest.raises(ProtocolError):
        encode(frame)  # type: ignore[arg-type]


def test_decode_header_does_not_need_the_payload() -> None:
    assert decode_header(encode(Data(9, b"abc"))) == (1, 9)


def test_non_utf8_terminal_bytes_are_carried_exactly() -> None:
    raw = bytes(range(256)) + "日本語".encode()
    assert decode(encode(Data(0, raw))) == Data(0, raw)

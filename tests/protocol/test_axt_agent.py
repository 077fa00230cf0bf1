"""The Cloud Assistant agent's back-end frame: exact layout, round trips, every malformed shape refused, and
arbitrary bytes never raising anything but ProtocolError."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.protocol import ProtocolError
from tether.protocol.axt import MessageType
from tether.protocol.axt.agent import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    decode,
    encode,
    parse_resize,
    resize_payload,
)

channel_ids = st.text(alphabet="abcdef0123456789-s", min_size=1, max_size=32)
types = st.sampled_from(list(MessageType))


def test_layout_is_the_agents() -> None:
    frame = encode(MessageType.OUTPUT, "s-0123456789abcdef0", 7, b"hi", created=1234)
    assert len(frame) == HEADER_SIZE + 2 == 62
    assert frame[0:4] == b"\x01\x00\x00\x00"
    assert frame[4:8] == b"1.01"
    assert frame[8:40] == b"s-0123456789abcdef0" + b"\x00" * 13
    assert struct.unpack_from("<Q", frame, 40)[0] == 1234
    assert struct.unpack_from("<q", frame, 48)[0] == 7
    assert struct.unpack_from("<I", frame, 56)[0] == 2
    assert frame[60:] == b"hi"


@given(types, channel_ids, st.integers(0, 2**62), st.binary(max_size=4096))
def test_round_trip(mtype: MessageType, channel_id: str, sequence: int, payload: bytes) -> None:
    frame = decode(encode(mtype, channel_id, sequence, payload))
    assert (frame.type, frame.channel_id, frame.sequence, frame.payload) == (mtype, channel_id, sequence, payload)
    assert frame.created > 0


def _with(frame: bytes, offset: int, fmt: str, value: int) -> bytes:
    raw = bytearray(frame)
    struct.pack_into(fmt, raw, offset, value)
    return bytes(raw)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (b"", "short-frame"),
        (encode(MessageType.INPUT, "c", 0)[:59], "short-frame"),
        (encode(MessageType.INPUT, "c", 0).replace(b"1.01", b"1.02"), "bad-version"),
        (_with(encode(MessageType.INPUT, "c", 0, b"abc"), 56, "<I", 2), "bad-length"),
        (_with(encode(MessageType.INPUT, "c", 0, b"abc"), 56, "<I", 4), "bad-length"),
        (_with(encode(MessageType.INPUT, "c", 0), 56, "<I", MAX_PAYLOAD + 1), "payload-too-large"),
        (_with(encode(MessageType.INPUT, "c", 0), 40, "<Q", 0), "no-created-date"),
        (_with(encode(MessageType.INPUT, "c", 0), 0, "<I", 99), "unknown-type"),
        (
            encode(MessageType.INPUT, "c", 0)[:8] + b"\xff" * 32 + encode(MessageType.INPUT, "c", 0)[40:],
            "bad-channel-id",
        ),
    ],
)
def test_malformed_frames_are_refused(message: bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(message)
    assert info.value.code == code


@pytest.mark.parametrize("channel_id", ["", "x" * 33, "é", "a\x00b"])
def test_bad_channel_ids_cannot_be_encoded(channel_id: str) -> None:
    with pytest.raises(ProtocolError):
        encode(MessageType.INPUT, channel_id, 0)


def test_payload_cap_on_encode() -> None:
    with pytest.raises(ProtocolError):
        encode(MessageType.OUTPUT, "c", 0, bytes(MAX_PAYLOAD + 1))
    assert decode(encode(MessageType.OUTPUT, "c", 0, bytes(MAX_PAYLOAD))).payload == bytes(MAX_PAYLOAD)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_protocol_errors(data: bytes) -> None:
    try:
        decode(data)
    except ProtocolError:
        pass


@given(st.binary(min_size=HEADER_SIZE, max_size=HEADER_SIZE + 64))
def test_arbitrary_headers_raise_only_protocol_errors(data: bytes) -> None:
    raw = bytearray(data)
    raw[4:8] = b"1.01"
    try:
        decode(bytes(raw))
    except ProtocolError:
        pass


@given(st.integers(1, 0xFFFF), st.integers(1, 0xFFFF))
def test_resize_is_json_cols_rows(cols: int, rows: int) -> None:
    payload = resize_payload(cols, rows)
    assert payload == f'{{"cols":{cols},"rows":{rows}}}'.encode()
    assert parse_resize(payload) == (cols, rows)


@pytest.mark.parametrize("payload", [b"", b"[]", b'{"cols": 0, "rows": 5}', b'{"cols": true, "rows": 5}', b"{"])
def test_bad_resize_payloads(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_resize(payload)

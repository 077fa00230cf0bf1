"""The 1.01 and 1.02 client frame codecs: layouts byte for byte, round trips, malformed shapes, fuzzed garbage."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.protocol import ProtocolError
from tether.protocol.axt import ChannelState, MessageType
from tether.protocol.axt.client import (
    MAX_PAYLOAD,
    PASTE_SLICE,
    Frame101,
    Frame102,
    decode_101,
    decode_102,
    encode_101,
    encode_102,
    parse_resize,
    parse_status,
    pasted_slice,
    resize_payload,
    status_payload,
    stream_rate_payload,
)

ids = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)


def test_101_layout_is_the_cli_one() -> None:
    raw = encode_101(Frame101(MessageType.OUTPUT, b"hi", created=0x0102030405060708, sequence=7))
    assert len(raw) == 32
    assert raw[:4] == b"\x01\x00\x00\x00" and raw[4:8] == b"1.01" and raw[8:10] == b"\x00\x00"
    assert struct.unpack_from("<QqI", raw, 10) == (0x0102030405060708, 7, 2)
    assert raw[30:] == b"hi"


def test_102_layout_is_the_browser_one() -> None:
    raw = encode_102(Frame102(MessageType.OUTPUT, b"ok", channel_id="s-1", timestamp=5, input_seq=3, output_seq=9))
    assert raw[:8] == b"\x01\x00\x00\x001.02" and raw[8:12] == b"\x03s-1" and raw[12] == 0
    assert struct.unpack_from("<QIIHBB", raw, 13) == (5, 3, 9, 2, 0, 0)
    assert raw[33:] == b"ok"


@given(st.integers(0, 6), st.binary(max_size=3000), st.integers(1, 2**63 - 1), st.integers(-(2**63), 2**63 - 1),
       ids, ids)
def test_101_round_trip(mtype: int, payload: bytes, created: int, seq: int, channel: str, instance: str) -> None:
    frame = Frame101(mtype, payload, created, seq, channel, instance)
    assert decode_101(encode_101(frame)) == frame


@given(st.integers(0, 6), st.binary(max_size=3000), ids, ids, st.integers(0, 2**64 - 1),
       st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_102_round_trip(mtype: int, payload: bytes, channel: str, instance: str, ts: int, iseq: int, oseq: int) -> None:
    frame = Frame102(mtype, payload, channel, instance, ts, iseq, oseq)
    assert decode_102(encode_102(frame)) == frame


@given(st.binary(max_size=200))
def test_garbage_raises_only_protocol_error(raw: bytes) -> None:
    for decode in (decode_101, decode_102):
        try:
            decode(raw)
        except ProtocolError as exc:
            assert exc.code
    for version in (b"1.01", b"1.02"):
        for decode in (decode_101, decode_102):
            try:
                decode(raw[:4] + version + raw[4:])
            except ProtocolError as exc:
                assert exc.code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x00\x00\x00", "short-frame"),
        (b"\x00\x00\x00\x001.01", "short-frame"),
        (b"\x00\x00\x00\x001.03" + bytes(22), "bad-version"),
        (b"\x00\x00\x00\x001.01\x05ab", "short-frame"),
        (b"\x00\x00\x00\x001.01\x00\x00" + struct.pack("<QqI", 1, 0, 5) + b"abc", "length-mismatch"),
        (b"\x00\x00\x00\x001.01\x00\x00" + struct.pack("<QqI", 1, 0, 0) + b"abc", "length-mismatch"),
        (b"\x00\x00\x00\x001.01\x01\xff\x00" + struct.pack("<QqI", 1, 0, 0), "bad-id"),
    ],
)
def test_malformed_101(raw: bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_101(raw)
    assert caught.value.code == code


def test_oversize_frames_are_refused() -> None:
    big = bytes(MAX_PAYLOAD + 1)
    raw = b"\x00\x00\x00\x001.01\x00\x00" + struct.pack("<QqI", 1, 0, len(big)) + big
    with pytest.raises(ProtocolError) as caught:
        decode_101(raw)
    assert caught.value.code == "oversize"
    with pytest.raises(ProtocolError):
        encode_101(Frame101(0, big, created=1))
    with pytest.raises(ProtocolError):
        encode_102(Frame102(0, bytes(0x10000)))


def _with_length(frame: Frame102, declared: int) -> bytes:
    raw = bytearray(encode_102(frame))
    struct.pack_into("<H", raw, 26, declared)  # msgLength: after 8 + 2 + 8 + 4 + 4 bytes
    return bytes(raw)


@pytest.mark.parametrize(
    ("frame", "declared"),
    [
        (Frame102(MessageType.RESIZE, b"abcd"), 2),  # shorter, not an Input
        (Frame102(MessageType.INPUT, b"abc"), 7),  # longer than the payload
        (Frame102(MessageType.SYNC, b"abc"), 0),
    ],
)
def test_102_length_must_match(frame: Frame102, declared: int) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_102(_with_length(frame, declared))
    assert caught.value.code == "length-mismatch"


@pytest.mark.parametrize("size", [1025, 2048, 2500, 10_000, 0xFFFF])
def test_a_long_browser_paste_arrives_once(size: int) -> None:
    """The browser client sends a paste over 1 KiB as slices that each carry the whole paste and the slice's end
    offset as msgLength (AxtSession.onInput with bytebuffer's slice): the slices decode to the paste, once."""
    paste = bytes((i * 7 + 3) % 251 for i in range(size))
    ends = [min(i + PASTE_SLICE, size) for i in range(0, size, PASTE_SLICE)]
    frames = [decode_102(_with_length(Frame102(MessageType.INPUT, paste), end)) for end in ends]
    # every slice but the last is cut by the codec and names the paste; the last one looks like an ordinary frame
    # (its end is the paste's end) and is cut by its receiver, which knows the paste from the slices before it
    assert all(f.paste == paste for f in frames[:-1]) and frames[-1].paste == b""
    assert frames[-1].payload == paste
    slices = [f.payload for f in frames[:-1]] + [pasted_slice(paste, len(paste))]
    assert b"".join(slices) == paste
    assert all(0 < len(piece) <= PASTE_SLICE for piece in slices)


def test_frames_to_the_cli_need_a_created_date() -> None:
    with pytest.raises(ProtocolError) as caught:
        encode_101(Frame101(MessageType.OUTPUT, b"x"))
    assert caught.value.code == "no-created-date"


def test_payload_helpers() -> None:
    assert parse_status(status_payload(ChannelState.CLOSED, "Exit")) == (5, b"Exit")
    assert stream_rate_payload(0x01020304) == b"\x07\x01\x02\x03\x04"
    assert parse_resize(resize_payload(24, 80)) == (24, 80)
    with pytest.raises(ProtocolError):
        parse_resize(b"\x00")
    with pytest.raises(ProtocolError):
        parse_status(b"")

"""Sans-I/O codec of the frames Alibaba's session clients speak on the session WebSocket.

Two layouts share their first ten bytes (u32 message type, four ASCII version bytes, u8 channel-id length), all
integers little-endian:

- "1.01" (`ali-instance-cli`): `u32 type | "1.01" | u8 n, n bytes channel id | u8 m, m bytes instance id |
  u64 CreatedDate (ms) | i64 sequence | u32 payload length | payload`. The CLI sends both ids empty (a 30-byte
  header) and reads the payload length at the fixed offset 26, so frames we send carry no ids; it aborts on a frame
  whose CreatedDate is 0, so `encode_101` refuses to build one.
- "1.02" (the browser client of cloud-assistant-starter): `u32 type | "1.02" | u8 n, channel id | u8 m,
  instance id | u64 timestamp (ms) | u32 inputSeq | u32 outputSeq | u16 msgLength | u8 encoding | u8 reserved |
  payload`.

Decoding trusts nothing: a short frame, an unknown version, a declared length that is not the payload's, or a
payload over MAX_PAYLOAD raises `ProtocolError` (with a code) and nothing else. MAX_PAYLOAD is 64 KiB: the CLI sends
at most 2 KiB per frame and the browser 1 KiB, and a 1.02 length cannot exceed 65535 anyway.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tether.protocol.axt import VERSION_101, VERSION_102, ChannelState, MessageType
from tether.protocol.errors import ProtocolError

MAX_PAYLOAD = 65536  # bytes of payload in one frame we accept or build
MAX_ID = 255  # a u8 length prefix
PASTE_SLICE = 1024  # the browser client sends a longer paste as Input frames of at most this many bytes each
HEADER_101 = 30  # with both ids empty
HEADER_102 = 30
MAX_FRAME = HEADER_101 + 2 * MAX_ID + MAX_PAYLOAD  # the largest frame either layout can carry

_PREFIX = struct.Struct("<I4s")
_TAIL_101 = struct.Struct("<QqI")  # CreatedDate, sequence, payload length
_TAIL_102 = struct.Struct("<QIIHBB")  # timestamp, inputSeq, outputSeq, msgLength, encoding, reserved
_RATE = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class Frame101:
    """One frame of `ali-instance-cli` (schema 1.01)."""

    type: int
    payload: bytes = b""
    created: int = 0  # ms since the epoch; must be non-zero in frames sent to the CLI
    sequence: int = 0
    channel_id: str = ""
    instance_id: str = ""


@dataclass(frozen=True, slots=True)
class Frame102:
    """One frame of the browser client (schema 1.02)."""

    type: int
    payload: bytes = b""
    channel_id: str = ""
    instance_id: str = ""
    timestamp: int = 0
    input_seq: int = 0
    output_seq: int = 0
    encoding: int = 0
    paste: bytes = b""  # set when this Input is one slice of a long paste: the whole paste (see `pasted_slice`)


def version_of(message: bytes) -> bytes | None:
    """The four version bytes at offset 4 if the message is long enough to have them (framing detection)."""
    return message[4:8] if len(message) >= 8 else None


def _ids(message: bytes, offset: int) -> tuple[str, str, int]:
    """The channel id and instance id starting at `offset`, and the offset after them."""
    names: list[str] = []
    for _ in range(2):
        if len(message) < offset + 1:
            raise ProtocolError("short-frame", f"frame of {len(message)} bytes ends inside its id fields")
        n = message[offset]
        raw = message[offset + 1 : offset + 1 + n]
        if len(raw) != n:
            raise ProtocolError("short-frame", f"frame of {len(message)} bytes ends inside an id of {n} bytes")
        try:
            names.append(raw.decode("ascii"))
        except UnicodeDecodeError:
            raise ProtocolError("bad-id", "a channel or instance id is not ASCII") from None
        offset += 1 + n
    return names[0], names[1], offset


def _prefix(message: bytes, version: bytes) -> int:
    if len(message) < 8:
        raise ProtocolError("short-frame", f"frame of {len(message)} bytes is shorter than its 8-byte prefix")
    if len(message) > MAX_FRAME:
        raise ProtocolError("oversize", f"frame of {len(message)} bytes exceeds {MAX_FRAME}")
    mtype, got = _PREFIX.unpack_from(message)
    if got != version:
        raise ProtocolError("bad-version", f"schema version {got!r}, expected {version.decode()}")
    return int(mtype)


def _check_payload(payload: bytes, declared: int) -> None:
    if declared != len(payload):
        raise ProtocolError(
            "length-mismatch", f"the header declares {declared} payload bytes but the frame carries {len(payload)}"
        )
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError("oversize", f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")


def decode_101(message: bytes) -> Frame101:
    mtype = _prefix(message, VERSION_101)
    channel_id, instance_id, offset = _ids(message, 8)
    if len(message) < offset + _TAIL_101.size:
        raise ProtocolError("short-frame", f"frame of {len(message)} bytes ends inside its header")
    created, sequence, declared = _TAIL_101.unpack_from(message, offset)
    payload = message[offset + _TAIL_101.size :]
    _check_payload(payload, declared)
    return Frame101(mtype, payload, created, sequence, channel_id, instance_id)


def pasted_slice(whole: bytes, end: int) -> bytes:
    """One slice of a paste longer than PASTE_SLICE, from the browser client's own framing of it.

    The client cuts a long paste into slices of PASTE_SLICE bytes, but each frame carries the whole paste as its
    payload and the slice's *end offset* as msgLength (its buffer library's view keeps the backing buffer and an
    absolute limit). Read literally, the shell would get the paste once per slice. The slice a frame means is the
    PASTE_SLICE-aligned run that ends at msgLength, which is what this returns. The last slice ends at the paste's
    end, so its msgLength matches its payload and it decodes as an ordinary frame: only its receiver, which saw the
    earlier slices carry that same paste, can tell (tether/server/framings/shell.py).
    """
    return whole[(end - 1) // PASTE_SLICE * PASTE_SLICE : end]


def decode_102(message: bytes) -> Frame102:
    mtype = _prefix(message, VERSION_102)
    channel_id, instance_id, offset = _ids(message, 8)
    if len(message) < offset + _TAIL_102.size:
        raise ProtocolError("short-frame", f"frame of {len(message)} bytes ends inside its header")
    timestamp, input_seq, output_seq, declared, encoding, _reserved = _TAIL_102.unpack_from(message, offset)
    payload = message[offset + _TAIL_102.size :]
    if mtype == MessageType.INPUT and 0 < declared < len(payload) <= 0xFFFF:
        # one slice of a long paste, as the browser client frames it: the slice it means, and the whole paste so
        # that the receiver can recognise the last slice, which looks like an ordinary frame
        sliced = pasted_slice(payload, declared)
        return Frame102(mtype, sliced, channel_id, instance_id, timestamp, input_seq, output_seq, encoding, payload)
    _check_payload(payload, declared)
    return Frame102(mtype, payload, channel_id, instance_id, timestamp, input_seq, output_seq, encoding)


def _encode_ids(channel_id: str, instance_id: str) -> bytes:
    out = b""
    for name in (channel_id, instance_id):
        raw = name.encode("ascii")
        if len(raw) > MAX_ID:
            raise ProtocolError("bad-id", f"an id of {len(raw)} bytes does not fit its u8 length")
        out += bytes([len(raw)]) + raw
    return out


def encode_101(frame: Frame101) -> bytes:
    if frame.created <= 0:
        raise ProtocolError("no-created-date", "a 1.01 frame needs a non-zero CreatedDate (the CLI aborts on 0)")
    if len(frame.payload) > MAX_PAYLOAD:
        raise ProtocolError("oversize", f"payload of {len(frame.payload)} bytes exceeds {MAX_PAYLOAD}")
    return (
        _PREFIX.pack(frame.type, VERSION_101)
        + _encode_ids(frame.channel_id, frame.instance_id)
        + _TAIL_101.pack(frame.created, frame.sequence, len(frame.payload))
        + frame.payload
    )


def encode_102(frame: Frame102) -> bytes:
    if len(frame.payload) > 0xFFFF:
        raise ProtocolError("oversize", f"payload of {len(frame.payload)} bytes exceeds the u16 msgLength")
    return (
        _PREFIX.pack(frame.type, VERSION_102)
        + _encode_ids(frame.channel_id, frame.instance_id)
        + _TAIL_102.pack(frame.timestamp, frame.input_seq, frame.output_seq, len(frame.payload), frame.encoding, 0)
        + frame.payload
    )


# -- payloads ------------------------------------------------------------------------------------------------------


def status_payload(state: ChannelState, reason: str = "") -> bytes:
    """A Status payload: the state byte and an ASCII reason (non-ASCII is replaced: the clients read ASCII)."""
    return bytes([state]) + reason.encode("ascii", "replace")[:1024]


def stream_rate_payload(bits_per_second: int) -> bytes:
    """A Status(Stream) payload: the rate (big-endian u32 bits per second) both ends apply to what they send."""
    return bytes([ChannelState.STREAM]) + _RATE.pack(bits_per_second)


def parse_status(payload: bytes) -> tuple[int, bytes]:
    """The state and the rest of a Status payload."""
    if not payload:
        raise ProtocolError("bad-status", "an empty Status payload")
    return payload[0], payload[1:]


def parse_resize(payload: bytes) -> tuple[int, int]:
    """(rows, cols) of a Resize payload: i16 rows, i16 cols."""
    if len(payload) != 4:
        raise ProtocolError("bad-resize", f"a Resize payload is 4 bytes, not {len(payload)}")
    rows, cols = struct.unpack("<hh", payload)
    return rows, cols


def resize_payload(rows: int, cols: int) -> bytes:
    return struct.pack("<hh", rows, cols)


__all__ = [
    "HEADER_101",
    "HEADER_102",
    "MAX_FRAME",
    "MAX_PAYLOAD",
    "ChannelState",
    "Frame101",
    "Frame102",
    "MessageType",
    "decode_101",
    "decode_102",
    "encode_101",
    "encode_102",
    "parse_resize",
    "parse_status",
    "resize_payload",
    "status_payload",
    "stream_rate_payload",
    "version_of",
]

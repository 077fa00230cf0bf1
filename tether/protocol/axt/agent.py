"""The Cloud Assistant agent's session back-end frame ("1.01", 60-byte header), without I/O.

The agent (`aliyun-service`) dials `GET /luban/session/backend?channelId=ID` and speaks one frame per binary
WebSocket message, all integers little-endian:

    offset  size  field
         0     4  u32 message type (tether.protocol.axt.MessageType)
         4     4  schema version, ASCII "1.01"
         8    32  session (channel) id, ASCII, padded with NUL bytes (or spaces) to 32
        40     8  u64 CreatedDate, ms since the epoch; the agent drops a frame whose CreatedDate is 0
        48     8  i64 sequence number
        56     4  u32 payload length
        60     n  payload

`decode` accepts exactly that and nothing else (a frame shorter than the header, another schema, a length that
disagrees with the frame, a payload over MAX_PAYLOAD, a non-ASCII channel id) and raises ProtocolError otherwise, so
the server's translator never acts on a frame it only half understood. Resize is sent to the agent as JSON
`{"cols": C, "rows": R}` (its PTY code unmarshals exactly these two names).
"""

from __future__ import annotations

import json
import struct
import time
from dataclasses import dataclass

from tether.protocol.axt import VERSION_101, MessageType
from tether.protocol.errors import ProtocolError

HEADER = struct.Struct("<I4s32sQqI")
HEADER_SIZE = HEADER.size  # 60
CHANNEL_ID_SIZE = 32
# The agent reads its PTY and sockets in chunks of a few KiB; a frame far above that is not one it sends. The cap
# bounds what one message may make the server hold (the WebSocket layer refuses larger messages before buffering).
MAX_PAYLOAD = 256 * 1024
MAX_MESSAGE = HEADER_SIZE + MAX_PAYLOAD


@dataclass(frozen=True, slots=True)
class AgentFrame:
    """One decoded back-end frame."""

    type: int
    channel_id: str
    created: int
    sequence: int
    payload: bytes


def now_ms() -> int:
    """A CreatedDate: never 0 (the agent discards such frames)."""
    return max(1, time.time_ns() // 1_000_000)


def check_channel_id(channel_id: str) -> bytes:
    """The channel id as its 32 header bytes; ProtocolError if it cannot be one (empty, too long, not ASCII)."""
    try:
        raw = channel_id.encode("ascii")
    except UnicodeEncodeError:
        raise ProtocolError("bad-channel-id", "a channel id is ASCII") from None
    if not 0 < len(raw) <= CHANNEL_ID_SIZE or b"\x00" in raw:
        raise ProtocolError("bad-channel-id", f"a channel id has 1..{CHANNEL_ID_SIZE} characters")
    return raw


def encode(mtype: int, channel_id: str, sequence: int, payload: bytes = b"", *, created: int | None = None) -> bytes:
    """One frame for the agent (or, in tests, from it)."""
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError("payload-too-large", f"{len(payload)} bytes exceed the {MAX_PAYLOAD}-byte cap")
    raw_id = check_channel_id(channel_id)
    header = HEADER.pack(
        int(mtype), VERSION_101, raw_id, created if created is not None else now_ms(), sequence, len(payload)
    )
    return header + payload


def decode(message: bytes) -> AgentFrame:
    """Parse one frame; ProtocolError says what is wrong with it."""
    if len(message) < HEADER_SIZE:
        raise ProtocolError("short-frame", f"a frame has at least {HEADER_SIZE} bytes, got {len(message)}")
    mtype, version, raw_id, created, sequence, length = HEADER.unpack_from(message)
    if version != VERSION_101:
        raise ProtocolError("bad-version", f"schema version {version!r} is not {VERSION_101!r}")
    if length > MAX_PAYLOAD:
        raise ProtocolError("payload-too-large", f"payload length {length} exceeds {MAX_PAYLOAD}")
    if length != len(message) - HEADER_SIZE:
        raise ProtocolError(
            "bad-length", f"payload length says {length} bytes, the frame carries {len(message) - HEADER_SIZE}"
        )
    if created == 0:
        raise ProtocolError("no-created-date", "CreatedDate is 0")
    if mtype not in MessageType.__members__.values():
        raise ProtocolError("unknown-type", f"message type {mtype} is unknown")
    try:
        channel_id = raw_id.strip(b"\x00 ").decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("bad-channel-id", "the channel id is not ASCII") from None
    return AgentFrame(mtype, channel_id, created, sequence, message[HEADER_SIZE:])


def resize_payload(cols: int, rows: int) -> bytes:
    """What a terminal resize looks like to the agent."""
    return json.dumps({"cols": cols, "rows": rows}, separators=(",", ":")).encode()


def parse_resize(payload: bytes) -> tuple[int, int]:
    """(cols, rows) from a Resize payload (the test agent's side); ProtocolError if it is not one."""
    try:
        value = json.loads(payload)
    except ValueError:
        raise ProtocolError("bad-resize", "a resize is a JSON object") from None
    if not isinstance(value, dict):
        raise ProtocolError("bad-resize", "a resize is a JSON object")
    cols, rows = value.get("cols"), value.get("rows")
    for item in (cols, rows):
        if not isinstance(item, int) or isinstance(item, bool) or not 0 < item <= 0xFFFF:
            raise ProtocolError("bad-resize", "cols and rows are integers 1..65535")
    assert isinstance(cols, int) and isinstance(rows, int)
    return cols, rows

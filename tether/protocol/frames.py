"""Data-channel frame codec: `u8 type | u32 stream (big-endian) | payload`, one frame per WebSocket message.

Frames are frozen dataclasses; `encode` and `decode` are pure functions. `decode` never trusts its input: anything
malformed raises `ProtocolError` and nothing else, which the hypothesis tests check with arbitrary bytes.
The data path (DATA, ACK) is kept cheap: one struct unpack for the header and a slice for the payload.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from tether.protocol.errors import ProtocolError

PROTOCOL_VERSION = 1
HEADER_SIZE = 5
MAX_DATA = 65536
MAX_MESSAGE = HEADER_SIZE + MAX_DATA
# The DATA payload tether's own bulk senders put in one frame (any size 1..MAX_DATA is valid on the wire). With the
# frame header and a WebSocket header (4 bytes, 8 with a client's mask) a message then fits in exactly four full
# 16 KiB TLS records instead of four plus a tiny fifth one (which costs its own AEAD pass and, at the receiver, its
# own decrypt call).
SEND_CHUNK = MAX_DATA - 16
MAX_TEXT = 1024
MAX_STREAM = 0xFFFFFFFF
DEFAULT_WINDOW = 1 << 20
MIN_WINDOW = 4096
MAX_WINDOW = 64 << 20

_HEADER = struct.Struct(">BI")
_HELLO = struct.Struct(">HI")
_ACK = struct.Struct(">Q")
_RESIZE = struct.Struct(">HH")
_EXIT = struct.Struct(">i")
_RESUME = struct.Struct(">QIB")


class FrameType(IntEnum):
    """Frame type byte values (docs/protocol.md section 1)."""

    HELLO = 0
    DATA = 1
    ACK = 2
    RESIZE = 3
    OPEN = 4
    OPEN_OK = 5
    OPEN_FAIL = 6
    EOF = 7
    CLOSE = 8
    EXIT = 9
    ERROR = 10
    RESUME = 11
    TOKEN = 12


@dataclass(frozen=True, slots=True)
class Hello:
    """First frame from each endpoint: protocol version and the sender's per-stream receive window."""

    version: int = PROTOCOL_VERSION
    window: int = DEFAULT_WINDOW
    stream: int = 0


@dataclass(frozen=True, slots=True)
class Data:
    """Bytes of a stream: stdin, PTY output or TCP payload (1..MAX_DATA bytes)."""

    stream: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Ack:
    """Cumulative count of the stream's DATA bytes the receiver has consumed; grants credit."""

    stream: int
    offset: int


@dataclass(frozen=True, slots=True)
class Resize:
    """Terminal size in character cells."""

    cols: int
    rows: int
    stream: int = 0


@dataclass(frozen=True, slots=True)
class Open:
    """Open a TCP stream to `target` ("host:port")."""

    stream: int
    target: str


@dataclass(frozen=True, slots=True)
class OpenOk:
    """The stream is open."""

    stream: int


@dataclass(frozen=True, slots=True)
class OpenFail:
    """The stream could not be opened; it is gone."""

    stream: int
    reason: str


@dataclass(frozen=True, slots=True)
class Eof:
    """The sender will send no more DATA on this stream (half-close)."""

    stream: int


@dataclass(frozen=True, slots=True)
class Close:
    """The stream is reset in both directions."""

    stream: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Exit:
    """The shell exited with this status."""

    status: int
    stream: int = 0


@dataclass(frozen=True, slots=True)
class Error:
    """A fatal session error to show the user; the sender closes the channel after it."""

    code: str
    message: str
    stream: int = 0


@dataclass(frozen=True, slots=True)
class Resume:
    """After a reconnect: the sender has received `offset` bytes of the peer's stream; resend from there
    (docs/protocol.md section 6). `attempt` numbers the reconnecting side's tries; an `answer` echoes it."""

    stream: int
    offset: int
    attempt: int
    answer: bool = False


@dataclass(frozen=True, slots=True)
class Token:
    """Relay to endpoint: the resume token for this session's next reattach (single use)."""

    token: str
    stream: int = 0


MAX_TOKEN = 128

Frame = Hello | Data | Ack | Resize | Open | OpenOk | OpenFail | Eof | Close | Exit | Error | Resume | Token


def _header(ftype: FrameType, stream: int) -> bytes:
    return _HEADER.pack(ftype, stream)


def _text(value: str, field: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > MAX_TEXT:
        raise ProtocolError("text-too-long", f"{field} is {len(raw)} bytes; at most {MAX_TEXT} are allowed")
    return raw


def _check_stream(stream: int) -> None:
    if not 0 <= stream <= MAX_STREAM:
        raise ProtocolError("bad-stream", f"stream id {stream} is outside 0..{MAX_STREAM}")


def encode_data(stream: int, payload: bytes | memoryview) -> bytes:
    """`encode(Data(stream, payload))` for the hot path: a memoryview slice is copied once, into the frame itself."""
    _check_stream(stream)
    if not 0 < len(payload) <= MAX_DATA:
        raise ProtocolError("bad-data", f"DATA payload must be 1..{MAX_DATA} bytes, not {len(payload)}")
    return _HEADER.pack(FrameType.DATA, stream) + payload


def encode(frame: Frame) -> bytes:
    """Serialise one frame to the bytes of one binary WebSocket message.

    Encoding validates too, so a bug on our side fails loudly here instead of as a confusing error at the peer.
    """
    _check_stream(frame.stream)
    match frame:
        case Data(stream, data):
            if not 0 < len(data) <= MAX_DATA:
                raise ProtocolError("bad-data", f"DATA payload must be 1..{MAX_DATA} bytes, not {len(data)}")
            return _HEADER.pack(FrameType.DATA, stream) + data
        case Ack(stream, offset):
            if not 0 <= offset < 1 << 64:
                raise ProtocolError("bad-ack", f"ACK offset {offset} out of range")
            return _HEADER.pack(FrameType.ACK, stream) + _ACK.pack(offset)
        case Hello(version, window, _):
            return _header(FrameType.HELLO, 0) + _HELLO.pack(version, window)
        case Resize(cols, rows, _):
            if not (1 <= cols <= 0xFFFF and 1 <= rows <= 0xFFFF):
                raise ProtocolError("bad-resize", f"terminal size {cols}x{rows} out of range 1..65535")
            return _header(FrameType.RESIZE, 0) + _RESIZE.pack(cols, rows)
        case Open(stream, target):
            return _header(FrameType.OPEN, stream) + _text(target, "OPEN target")
        case OpenOk(stream):
            return _header(FrameType.OPEN_OK, stream)
        case OpenFail(stream, reason):
            return _header(FrameType.OPEN_FAIL, stream) + _text(reason, "OPEN_FAIL reason")
        case Eof(stream):
            return _header(FrameType.EOF, stream)
        case Close(stream, reason):
            return _header(FrameType.CLOSE, stream) + _text(reason, "CLOSE reason")
        case Exit(status, _):
            if not -(1 << 31) <= status < 1 << 31:
                raise ProtocolError("bad-exit", f"exit status {status} does not fit in i32")
            return _header(FrameType.EXIT, 0) + _EXIT.pack(status)
        case Error(code, message, _):
            raw_code = code.encode("ascii", "strict") if code.isascii() else b""
            if not 0 < len(raw_code) <= 255:
                raise ProtocolError("bad-error", "ERROR code must be 1..255 ASCII characters")
            return _header(FrameType.ERROR, 0) + bytes([len(raw_code)]) + raw_code + _text(message, "ERROR message")
        case Resume(stream, offset, attempt, answer):
            if not (0 <= offset < 1 << 64 and 0 <= attempt < 1 << 32):
                raise ProtocolError("bad-resume", f"RESUME offset {offset} or attempt {attempt} out of range")
            return _HEADER.pack(FrameType.RESUME, stream) + _RESUME.pack(offset, attempt, int(answer))
        case Token(token, _):
            if not token.isascii() or not 0 < len(token) <= MAX_TOKEN:
                raise ProtocolError("bad-token", f"TOKEN must be 1..{MAX_TOKEN} ASCII characters")
            return _header(FrameType.TOKEN, 0) + token.encode("ascii")
    raise ProtocolError("bad-frame", f"cannot encode {type(frame).__name__}")


def _decode_text(payload: bytes, what: str) -> str:
    if len(payload) > MAX_TEXT:
        raise ProtocolError("text-too-long", f"{what} is {len(payload)} bytes; at most {MAX_TEXT} are allowed")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("bad-text", f"{what} is not valid UTF-8") from None


def _fixed(payload: bytes, size: int, name: str) -> None:
    if len(payload) != size:
        raise ProtocolError("bad-length", f"{name} payload must be {size} bytes, got {len(payload)}")


def _stream_zero(stream: int, name: str) -> None:
    if stream != 0:
        raise ProtocolError("bad-stream", f"{name} must use stream 0, not {stream}")


def _stream_nonzero(stream: int, name: str) -> None:
    if stream == 0:
        raise ProtocolError("bad-stream", f"{name} needs a stream id above 0")


def decode_header(message: bytes) -> tuple[int, int]:
    """Return (type byte, stream id) without touching the payload: what the relay needs on its hot path."""
    if len(message) < HEADER_SIZE:
        raise ProtocolError("short-frame", f"frame of {len(message)} bytes is shorter than the 5-byte header")
    if len(message) > MAX_MESSAGE:
        raise ProtocolError("frame-too-large", f"frame of {len(message)} bytes exceeds {MAX_MESSAGE}")
    return _HEADER.unpack_from(message)


_STREAM = struct.Struct(">I")
STREAM_ZERO = b"\x00\x00\x00\x00"  # the stream field of every frame on stream 0 (a shell's terminal)


def stream_of(message: bytes) -> int:
    """The stream id of a frame whose header was already checked (by `decode_header` or `FlowMonitor.check`)."""
    return int(_STREAM.unpack_from(message, 1)[0])


def on_stream_zero(message: bytes) -> bool:
    """Whether a checked frame belongs to stream 0: a slice compare, cheaper than unpacking the stream id."""
    return message[1:HEADER_SIZE] == STREAM_ZERO


def payload_of(message: bytes) -> bytes:
    """The payload of a checked frame (a copy: the bytes after the 5-byte header)."""
    return message[HEADER_SIZE:]


def payload_size(message: bytes) -> int:
    return len(message) - HEADER_SIZE


def resize_of(message: bytes) -> tuple[int, int]:
    """(cols, rows) of a RESIZE frame that `FlowMonitor.check` or `decode` already validated."""
    cols, rows = _RESIZE.unpack_from(message, HEADER_SIZE)
    return int(cols), int(rows)


def decode(message: bytes) -> Frame:
    """Parse one WebSocket message into a frame, or raise `ProtocolError` saying what is wrong with it."""
    ftype, stream = decode_header(message)
    payload = message[HEADER_SIZE:]
    if ftype == FrameType.DATA:
        if not payload:
            raise ProtocolError("bad-data", "DATA frame with an empty payload")
        return Data(stream, bytes(payload))
    if ftype == FrameType.ACK:
        _fixed(payload, 8, "ACK")
        return Ack(stream, _ACK.unpack(payload)[0])
    if ftype == FrameType.HELLO:
        _stream_zero(stream, "HELLO")
        _fixed(payload, 6, "HELLO")
        version, window = _HELLO.unpack(payload)
        return Hello(version, window)
    if ftype == FrameType.RESIZE:
        _stream_zero(stream, "RESIZE")
        _fixed(payload, 4, "RESIZE")
        cols, rows = _RESIZE.unpack(payload)
        if cols == 0 or rows == 0:
            raise ProtocolError("bad-resize", f"terminal size {cols}x{rows} has a zero dimension")
        return Resize(cols, rows)
    if ftype == FrameType.OPEN:
        _stream_nonzero(stream, "OPEN")
        return Open(stream, _decode_text(payload, "OPEN target"))
    if ftype == FrameType.OPEN_OK:
        _stream_nonzero(stream, "OPEN_OK")
        _fixed(payload, 0, "OPEN_OK")
        return OpenOk(stream)
    if ftype == FrameType.OPEN_FAIL:
        _stream_nonzero(stream, "OPEN_FAIL")
        return OpenFail(stream, _decode_text(payload, "OPEN_FAIL reason"))
    if ftype == FrameType.EOF:
        _fixed(payload, 0, "EOF")
        return Eof(stream)
    if ftype == FrameType.CLOSE:
        return Close(stream, _decode_text(payload, "CLOSE reason"))
    if ftype == FrameType.EXIT:
        _stream_zero(stream, "EXIT")
        _fixed(payload, 4, "EXIT")
        return Exit(_EXIT.unpack(payload)[0])
    if ftype == FrameType.ERROR:
        _stream_zero(stream, "ERROR")
        if not payload or len(payload) < 1 + payload[0] or payload[0] == 0:
            raise ProtocolError("bad-error", "ERROR frame with a missing or truncated code")
        n = payload[0]
        code_raw = payload[1 : 1 + n]
        if not code_raw.isascii():
            raise ProtocolError("bad-error", "ERROR code is not ASCII")
        return Error(code_raw.decode("ascii"), _decode_text(payload[1 + n :], "ERROR message"))
    if ftype == FrameType.RESUME:
        _fixed(payload, _RESUME.size, "RESUME")
        offset, attempt, answer = _RESUME.unpack(payload)
        if answer > 1:
            raise ProtocolError("bad-resume", "RESUME answer flag must be 0 or 1")
        return Resume(stream, offset, attempt, bool(answer))
    if ftype == FrameType.TOKEN:
        _stream_zero(stream, "TOKEN")
        if not 0 < len(payload) <= MAX_TOKEN or not payload.isascii():
            raise ProtocolError("bad-token", f"TOKEN must be 1..{MAX_TOKEN} ASCII characters")
        return Token(payload.decode("ascii"))
    raise ProtocolError("unknown-type", f"unknown frame type {ftype}")

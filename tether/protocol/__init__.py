"""Sans-I/O wire protocol shared by the agent, the relay, the CLI and (ported to JavaScript) the browser.

Bytes in, frames and state out; no asyncio, no sockets. See docs/protocol.md.
"""

from tether.protocol import control
from tether.protocol.channel import MAX_STREAMS, Channel
from tether.protocol.errors import ProtocolError
from tether.protocol.flow import FlowMonitor
from tether.protocol.frames import (
    DEFAULT_WINDOW,
    HEADER_SIZE,
    MAX_DATA,
    MAX_MESSAGE,
    MAX_WINDOW,
    MIN_WINDOW,
    PROTOCOL_VERSION,
    Ack,
    Close,
    Data,
    Eof,
    Error,
    Exit,
    Frame,
    FrameType,
    Hello,
    Open,
    OpenFail,
    OpenOk,
    Resize,
    decode,
    decode_header,
    encode,
    on_stream_zero,
    payload_of,
    payload_size,
    resize_of,
    stream_of,
)
from tether.protocol.vocabulary import CloseCode, SessionKind, Side

__all__ = [
    "DEFAULT_WINDOW",
    "HEADER_SIZE",
    "MAX_DATA",
    "MAX_MESSAGE",
    "MAX_STREAMS",
    "MAX_WINDOW",
    "MIN_WINDOW",
    "PROTOCOL_VERSION",
    "Ack",
    "Channel",
    "Close",
    "CloseCode",
    "Data",
    "Eof",
    "Error",
    "Exit",
    "FlowMonitor",
    "Frame",
    "FrameType",
    "Hello",
    "Open",
    "OpenFail",
    "OpenOk",
    "ProtocolError",
    "Resize",
    "SessionKind",
    "Side",
    "control",
    "decode",
    "decode_header",
    "encode",
    "on_stream_zero",
    "payload_of",
    "payload_size",
    "resize_of",
    "stream_of",
]

"""What every Alibaba-client endpoint does with its WebSocket: read one frame, send one, close, log a bad one."""

from __future__ import annotations

import logging
import time

from aiohttp import WSMsgType, web
from aiohttp.http_websocket import WebSocketError

from tether.protocol import CloseCode, ProtocolError
from tether.protocol.axt.client import MAX_FRAME
from tether.server.logs import printable
from tether.server.relay.endpoint import EndpointClosed

log = logging.getLogger("tether.server.framings")

# aiohttp refuses a message whose size is >= max_msg_size: one more than the largest legal Alibaba frame
WS_MAX_MSG_SIZE = MAX_FRAME + 1
# Status(Stream) rate sent to ali-instance-cli: it paces what it sends to `rate / 8 / 2048` frames per second
# (200 kbit/s unless told otherwise); this rate makes its pause 0 ms, so tether adds no pacing of its own.
UNPACED_RATE = 0x7FFFFFFF


def now_ms() -> int:
    return int(time.time() * 1000)


class ClientGone(Exception):
    """The client's WebSocket closed or failed (not a protocol error)."""


async def read_binary(ws: web.WebSocketResponse, framing: str) -> bytes:
    """The next binary message; raises ClientGone at a close and EndpointClosed for a text or oversize message."""
    msg = await ws.receive()
    if msg.type is WSMsgType.BINARY:
        return msg.data  # type: ignore[no-any-return]
    if msg.type is WSMsgType.TEXT:
        raise EndpointClosed(
            "protocol_error: text-message",
            CloseCode.UNSUPPORTED_DATA,
            f"the {framing} client sent a text message; its frames are binary",
        )
    if msg.type is WSMsgType.ERROR and isinstance(msg.data, WebSocketError):
        if msg.data.code == CloseCode.MESSAGE_TOO_BIG:
            raise EndpointClosed(
                "protocol_error: message-too-large",
                CloseCode.MESSAGE_TOO_BIG,
                f"the {framing} client sent a message over {MAX_FRAME} bytes",
            )
    raise ClientGone()


def malformed(session_id: str, framing: str, exc: ProtocolError) -> EndpointClosed:
    """How a session ends for a malformed frame: close 1002 naming the problem (logged on one line)."""
    log.warning("session %s: the %s client sent a malformed frame: %s", printable(session_id), framing, printable(exc))
    return EndpointClosed(
        f"protocol_error: {exc.code}", CloseCode.PROTOCOL_ERROR, f"malformed {framing} frame: {exc.message}"
    )

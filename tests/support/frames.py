"""Reading tether's frames from a client WebSocket (aiohttp) the way a test plays an agent or a client: the next
frame, and the close code once the other end closes."""

from __future__ import annotations

import aiohttp

from tether.protocol import Frame, decode


async def next_frame(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5) -> Frame:
    """The next message, which must be a binary one, decoded as a frame."""
    msg = await ws.receive(timeout=timeout)
    assert msg.type is aiohttp.WSMsgType.BINARY, msg
    return decode(msg.data)


async def until_closed(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5) -> int | None:
    """Drain until the other end closes the socket; return the close code it sent.

    The code comes from the CLOSE message itself: `ws.close_code` turns into 1006 when the server has already
    dropped the connection by the time the test reads the queued CLOSE (the client's reply then fails).
    """
    while True:
        msg = await ws.receive(timeout=timeout)
        if msg.type is aiohttp.WSMsgType.CLOSE:
            return int(msg.data)
        if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
            return ws.close_code

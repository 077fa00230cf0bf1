"""Reading tether's frames from a client WebSocket (aiohttp) the way a test plays an agent or a client: the next
frame, and the close code once the other end closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from tether.protocol import Frame, Hello, decode, encode


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


async def pair_session(
    api: Any,
    agent: Any,
    client_dial: Callable[[str], Awaitable[aiohttp.ClientWebSocketResponse]],
    body: dict[str, Any] | None = None,
) -> tuple[str, aiohttp.ClientWebSocketResponse, aiohttp.ClientWebSocketResponse]:
    """Start a session on `agent` (a test's fake agent), dial both sides and exchange HELLOs: (id, agent, client)."""
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, **(body or {})})
    agent_ws = await agent.dial(await agent.next_open())
    await agent_ws.send_bytes(encode(Hello()))
    client_ws = await client_dial(started["WebSocketUrl"])
    await client_ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    return started["SessionId"], agent_ws, client_ws

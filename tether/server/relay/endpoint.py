"""One side of a session's data path, as the relay sees it: frames of tether's protocol in, frames out.

The relay pairs two `Endpoint`s and never looks at what carries them. Tether's own agent and CLI speak the frames
directly over a WebSocket (`WebSocketEndpoint`, a thin shim with no per-frame work of its own); a client or agent
that speaks another framing is served by an endpoint that translates to and from these frames, on either side,
without the relay's loop knowing. An endpoint that translates must also keep tether's flow-control promises for
its peer (HELLO first, DATA within the credit granted, ACK only what was consumed), since `FlowMonitor` checks
every frame it yields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import WSMsgType, web
from aiohttp.http_websocket import WebSocketError

from tether.protocol import MAX_MESSAGE, CloseCode, Side


class EndpointClosed(Exception):
    """The endpoint will deliver no more frames.

    `clean` means an orderly close (the relay then decides the session's end reason from what it knows, e.g. the
    agent's exit status); otherwise `reason`, `code` and `message` say how the session ends: the session row's
    end reason, the close code for the peer, and the close text.
    """

    def __init__(
        self, reason: str, code: int = CloseCode.OK, message: str = "", *, clean: bool = False, broken: bool = False
    ) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.code = code
        self.message = message
        self.clean = clean
        # the connection went away without a close frame (a network cut): a resumable client may come back
        self.broken = broken


class Endpoint(Protocol):
    """What the relay needs of one side."""

    side: Side

    @property
    def closed(self) -> bool: ...

    async def receive(self) -> bytes:
        """The next frame (checked by the relay's FlowMonitor, not here); raises EndpointClosed at the end."""
        ...

    # sends one frame; raises ConnectionError when the connection is gone (an attribute, so that the WebSocket
    # endpoint can hand out aiohttp's own bound method and add no call of its own to the hot path)
    send: Callable[[bytes], Awaitable[None]]

    async def close(self, code: int, reason: bytes) -> None: ...


class WebSocketEndpoint:
    """Tether's own framing: one binary WebSocket message is one frame."""

    __slots__ = ("send", "side", "ws")

    def __init__(self, side: Side, ws: web.WebSocketResponse) -> None:
        self.side = side
        self.ws = ws
        self.send: Callable[[bytes], Awaitable[None]] = ws.send_bytes

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def receive(self) -> bytes:
        msg = await self.ws.receive()
        if msg.type is WSMsgType.BINARY:
            return msg.data  # type: ignore[no-any-return]
        side = self.side
        if msg.type is WSMsgType.TEXT:
            raise EndpointClosed(
                "protocol_error: text-message",
                CloseCode.UNSUPPORTED_DATA,
                f"{side} sent a text message; data channels carry binary frames only",
            )
        if msg.type is WSMsgType.ERROR:
            failure = msg.data
            if isinstance(failure, WebSocketError) and failure.code == CloseCode.MESSAGE_TOO_BIG:
                raise EndpointClosed(
                    "protocol_error: message-too-large",
                    CloseCode.MESSAGE_TOO_BIG,
                    f"{side} sent a message over {MAX_MESSAGE} bytes",
                )
            raise EndpointClosed(f"{side}_error", CloseCode.GOING_AWAY, f"the {side} connection failed", broken=True)
        raise EndpointClosed(
            f"{side}_closed", CloseCode.OK, f"the {side} closed the session", clean=True,
            broken=msg.type is not WSMsgType.CLOSE,
        )

    async def close(self, code: int, reason: bytes) -> None:
        await self.ws.close(code=code, message=reason)

"""ali-instance-cli's port forwards (and its ssh mode): one session, one WebSocket per TCP connection.

The CLI calls StartTerminalSession once and then dials the same URL with the same token for every local TCP
connection it accepts. Each WebSocket becomes one stream of the session (OPEN to the session's own target): Input ->
DATA on that stream, Close (type 3) -> EOF (its local half-close), the WebSocket going away -> EOF, then the agent
finishes the stream with CLOSE once its side is done (anything still arriving for it is acknowledged and
dropped). The other way: DATA -> Output on that stream's socket, and the agent's EOF or CLOSE (the target closed)
closes the socket with 1000, as Alibaba's own agent does: the CLI has no way to carry a half-close. At most
MAX_STREAMS WebSockets are served at once; a session with none stays up until the agent's idle limit or
EndTerminalSession ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tether.protocol import Close, CloseCode, Data, Eof, Error, OpenFail, ProtocolError, Side
from tether.protocol.axt import ChannelState, MessageType
from tether.protocol.axt.client import Frame101, decode_101, encode_101, status_payload, stream_rate_payload
from tether.server.framings.half import ClientHalf
from tether.server.framings.wire import UNPACED_RATE, ClientGone, log, malformed, now_ms, read_binary
from tether.server.logs import printable
from tether.server.relay.endpoint import EndpointClosed

MAX_STREAMS = 32
LINGER = 30.0  # seconds a stream whose WebSocket is gone waits for the agent's side to finish before CLOSE


class TooManyStreams(Exception):
    pass


def target_text(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(eq=False)
class _Conn:
    """One client WebSocket and its stream."""

    ws: web.WebSocketResponse
    stream: int
    sequence: int = 0
    local_eof: bool = False  # we sent EOF for the client
    gone: bool = False  # the WebSocket is closed
    done: asyncio.Event = field(default_factory=asyncio.Event)


class ForwardEndpoint:
    side = Side.CLIENT

    def __init__(self, session_id: str, target: str) -> None:
        self.session_id = session_id
        self.target = target
        self.half = ClientHalf(initiator=True)
        self.send: Callable[[bytes], Awaitable[None]] = self._send  # Endpoint.send
        self._conns: dict[int, _Conn] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.streams_served = 0

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def open_streams(self) -> int:
        return len(self._conns)

    # -- client WebSockets -------------------------------------------------------------------------------------

    async def add(self, ws: web.WebSocketResponse, first: bytes | None = None) -> _Conn:
        """Make `ws` a new stream of the session (raises TooManyStreams beyond MAX_STREAMS)."""
        if self._closed:
            raise TooManyStreams("this port-forward session has ended")
        if len(self._conns) >= MAX_STREAMS:
            raise TooManyStreams(f"this port-forward session already carries {MAX_STREAMS} connections")
        stream, frame = self.half.channel.open_stream(self.target)
        conn = _Conn(ws, stream)
        self._conns[stream] = conn
        self.streams_served += 1
        await self.half.push(frame)
        try:
            await self._frame(conn, MessageType.STATUS, status_payload(ChannelState.OPENED, "Opened"))
            await self._frame(conn, MessageType.STATUS, stream_rate_payload(UNPACED_RATE))
            await self._frame(conn, MessageType.OUTPUT, b"")
        except (ConnectionError, RuntimeError):
            pass  # its reader sees the close
        task = asyncio.get_running_loop().create_task(self._read(conn, first))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return conn

    async def serve_stream(self, ws: web.WebSocketResponse) -> None:
        """A further WebSocket of the session: serve it until its stream is over."""
        try:
            conn = await self.add(ws)
        except TooManyStreams as refused:  # raced with the session's end or another connection: say so, close
            await ws.close(code=CloseCode.TRY_AGAIN_LATER, message=str(refused).encode()[:120])
            return
        await conn.done.wait()

    async def _frame(self, conn: _Conn, mtype: MessageType, payload: bytes) -> None:
        raw = encode_101(Frame101(mtype, payload, created=now_ms(), sequence=conn.sequence))
        conn.sequence += 1
        await conn.ws.send_bytes(raw)

    async def _read(self, conn: _Conn, first: bytes | None) -> None:
        try:
            while True:
                raw, first = first or await read_binary(conn.ws, "1.01"), None
                frame = decode_101(raw)
                if frame.type == MessageType.INPUT:
                    if frame.payload and not conn.local_eof:
                        await self.half.send_input(frame.payload, conn.stream)
                elif frame.type == MessageType.CLOSE:
                    await self._eof(conn)
        except ProtocolError as exc:
            self.half.finish(malformed(self.session_id, "1.01", exc))
        except EndpointClosed as end:
            self.half.finish(end)
        except (ClientGone, ConnectionError):
            pass
        conn.gone = True
        with contextlib.suppress(ProtocolError):
            await self._eof(conn)
        conn.done.set()
        if conn.stream in self._conns:
            await asyncio.sleep(LINGER)  # a target that never closes its side must not hold the stream forever
            if self._conns.pop(conn.stream, None) is not None and self.half.channel.stream_known(conn.stream):
                await self.half.push(self.half.channel.close_stream(conn.stream, "the client's connection closed"))
                self.half.wake_credit()

    async def _eof(self, conn: _Conn) -> None:
        if conn.local_eof or not self.half.channel.stream_known(conn.stream):
            return
        conn.local_eof = True
        await self.half.push(self.half.channel.send_eof(conn.stream))

    # -- the relay's side --------------------------------------------------------------------------------------

    async def receive(self) -> bytes:
        return await self.half.next_frame()

    async def _send(self, message: bytes) -> None:
        frame = self.half.from_agent(message)
        stream = getattr(frame, "stream", 0)
        conn = self._conns.get(stream) if stream else None
        match frame:
            case Data(_, payload):
                if conn is not None and not conn.gone:
                    try:
                        await self._frame(conn, MessageType.OUTPUT, payload)
                    except (ConnectionError, RuntimeError):
                        conn.gone = True
                self.half.consumed(len(payload), stream)  # written, or its socket is gone: dropped
            case Eof():
                self.half.consumed(0, stream)  # the final ACK
                if conn is not None:
                    self._background(self._close_conn(conn, CloseCode.OK, b"the target closed the connection"))
                    await self._eof(conn)
            case Close(_, reason) | OpenFail(_, reason):
                if conn is not None:
                    self._conns.pop(stream, None)
                    if isinstance(frame, OpenFail):
                        log.info("session %s: stream %d could not open: %s", self.session_id, stream, printable(reason))
                        with contextlib.suppress(ConnectionError, RuntimeError):
                            await self._frame(conn, MessageType.STATUS, status_payload(ChannelState.CLOSED, reason))
                    self._background(self._close_conn(conn, CloseCode.OK, reason.encode()[:120]))
                    self.half.wake_credit()
            case Error(code, text):
                for conn in list(self._conns.values()):
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        payload = status_payload(ChannelState.CLOSED, f"{code}: {text}")
                        await self._frame(conn, MessageType.STATUS, payload)

    def _background(self, coro: Coroutine[Any, Any, None]) -> None:
        """A close handshake waits for the client: never in the agent's loop, which serves every stream."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_conn(self, conn: _Conn, code: int, reason: bytes) -> None:
        conn.gone = True
        if not conn.ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.ws.close(code=code, message=reason)
        conn.done.set()

    async def close(self, code: int, reason: bytes) -> None:
        self._closed = True
        self.half.finish(EndpointClosed("closed", code))  # frees readers that wait for credit
        conns = list(self._conns.values())
        self._conns.clear()
        await asyncio.gather(*(self._close_conn(c, code, reason) for c in conns), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()  # what is left: streams lingering for the agent, whose sockets are already closed

"""A fake relay + agent for port-forward sessions, and small TCP servers to forward to.

`ForwardFake` extends the client tests' `FakeTether`: StartTerminalSession with `PortNumber` starts a forwarding
session, and its data channel is answered the way an agent does it: OPEN of the session's target connects a real
TCP socket (OPEN_FAIL when that fails), bytes flow both ways within credit, EOF is a half-close, CLOSE resets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from support.tcp import TcpServer, serve_tcp

from tether.protocol import MAX_DATA, MAX_MESSAGE, Ack, Channel, Close, Data, Eof, Open, ProtocolError, encode
from tether.protocol.frames import Exit

from .client_fakes import FakeTether


@dataclass
class ForwardSession:
    session_id: str
    token: str
    host: str
    port: int
    used: bool = False


@dataclass
class AgentStream:
    writer: asyncio.StreamWriter | None = None
    inbox: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    credit: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class FakeForwardAgent:
    """The agent's side of one forwarding data channel (runs on the fake server's loop)."""

    def __init__(self, ws: web.WebSocketResponse, session: ForwardSession) -> None:
        self.ws = ws
        self.session = session
        self.channel = Channel()
        self.streams: dict[int, AgentStream] = {}
        self.opens: list[str] = []
        self.closes: list[tuple[int, str]] = []
        self.protocol_error: str | None = None
        self._lock = asyncio.Lock()

    @property
    def target(self) -> str:
        return f"{self.session.host}:{self.session.port}"

    async def send(self, frame: bytes) -> None:
        async with self._lock:
            if not self.ws.closed:
                await self.ws.send_bytes(frame)

    async def serve(self) -> None:
        await self.send(self.channel.hello())
        try:
            async for message in self.ws:
                if message.type is not WSMsgType.BINARY:
                    break
                try:
                    frame = self.channel.receive(message.data)
                except ProtocolError as exc:
                    self.protocol_error = str(exc)
                    await self.ws.close(code=1002)
                    break
                await self._on_frame(frame)
        finally:
            for stream in list(self.streams):
                self._drop(stream)

    async def _on_frame(self, frame: object) -> None:
        match frame:
            case Open(stream, target):
                self.opens.append(target)
                if target != self.target:
                    await self.send(self.channel.reject_stream(stream, f"target {target} is not this session's"))
                    return
                state = self.streams[stream] = AgentStream()
                state.tasks.append(asyncio.create_task(self._connect(stream)))
            case Data(stream, data):
                state = self.streams.get(stream)
                if state is not None:
                    state.inbox.put_nowait(data)
            case Ack(stream, _):
                state = self.streams.get(stream)
                if state is not None:
                    state.credit.set()
            case Eof(stream):
                state = self.streams.get(stream)
                if state is not None:
                    state.inbox.put_nowait(None)
            case Close(stream, reason):
                self.closes.append((stream, reason))
                self._drop(stream)

    def _drop(self, stream: int) -> None:
        state = self.streams.pop(stream, None)
        if state is None:
            return
        for task in state.tasks:
            task.cancel()
        if state.writer is not None:
            state.writer.close()

    async def _connect(self, stream: int) -> None:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.session.host, self.session.port), 5)
        except (OSError, TimeoutError) as exc:
            self.streams.pop(stream, None)
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else f"cannot connect: {exc}"
            await self.send(self.channel.reject_stream(stream, reason))
            return
        state = self.streams.get(stream)
        if state is None:  # the client closed the stream meanwhile
            writer.close()
            return
        state.writer = writer
        await self.send(self.channel.accept_stream(stream))
        state.tasks += [
            asyncio.create_task(self._upstream(stream, state, reader)),
            asyncio.create_task(self._downstream(stream, state, writer)),
        ]

    async def _upstream(self, stream: int, state: AgentStream, reader: asyncio.StreamReader) -> None:
        """Target socket -> DATA within credit; EOF -> EOF frame."""
        while True:
            while self.channel.credit(stream) <= 0:
                state.credit.clear()
                await state.credit.wait()
            data = await reader.read(min(self.channel.credit(stream), MAX_DATA))
            if not data:
                await self.send(self.channel.send_eof(stream))
                return
            for frame in self.channel.send_data(data, stream):
                await self.send(frame)

    async def _downstream(self, stream: int, state: AgentStream, writer: asyncio.StreamWriter) -> None:
        """DATA -> target socket, acknowledged after drain; EOF -> shutdown(SHUT_WR)."""
        while True:
            data = await state.inbox.get()
            if data is None:
                if writer.can_write_eof():
                    writer.write_eof()
                ack = self.channel.consumed(0, stream)
                if ack is not None:
                    await self.send(ack)
                return
            writer.write(data)
            await writer.drain()
            ack = self.channel.consumed(len(data), stream)
            if ack is not None:
                await self.send(ack)


class ForwardFake(FakeTether):
    """FakeTether plus forwarding sessions and SendSSHPublicKey."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.forward_sessions: dict[str, ForwardSession] = {}
        self.agents: list[FakeForwardAgent] = []
        self.offline = False
        self.expiration = "2026-11-28T11:41:24Z"
        self.authorized_keys: Path | None = None  # where pushed keys go, when a real sshd is behind the fake
        self._ids = itertools.count(1)

    def forward_starts(self) -> list[dict[str, Any]]:
        return [params for action, params, _ in self.calls if action == "StartTerminalSession"]

    def drop_all(self, code: int = 1012, message: bytes = b"server restart") -> None:
        """Close every forwarding data channel, as a relay restart does.

        Fire and forget: the close handshake needs the client, which may run on the caller's own event loop.
        """

        async def drop() -> None:
            for agent in self.agents:
                await agent.ws.close(code=code, message=message)

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(drop(), self._loop)

    def end_with_exit(self) -> None:
        """Send EXIT on the newest channel (an agent that ends the session) and close it (fire and forget)."""

        async def end() -> None:
            agent = self.agents[-1]
            await agent.send(encode(Exit(0)))
            await agent.ws.close()

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(end(), self._loop)

    def _do_StartTerminalSession(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        if "PortNumber" not in params:
            return super()._do_StartTerminalSession(params)
        port = params["PortNumber"]
        if not isinstance(port, int) or not 1 <= port <= 65535:
            return web.json_response({"Code": "InvalidParameter", "Message": "PortNumber"}, status=400)
        if self.offline:
            return web.json_response(
                {"Code": "InvalidInstance.Offline", "Message": "The instance is offline.", "RequestId": "r-off"},
                status=409,
            )
        session = ForwardSession(
            f"s-pf{next(self._ids):04d}", secrets.token_hex(8), params.get("TargetServer") or "127.0.0.1", port
        )
        self.forward_sessions[session.session_id] = session
        url = f"wss://127.0.0.1:{self.port}/client/v1/data/{session.session_id}?token={session.token}"
        return {"SessionId": session.session_id, "WebSocketUrl": url, "Expiration": "2026-11-28T11:50:24Z"}

    def _do_SendSSHPublicKey(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        for name in ("InstanceId", "UserName", "SSHPublicKey"):
            if not isinstance(params.get(name), str) or not params[name]:
                return web.json_response({"Code": "MissingParameter", "Message": name}, status=400)
        if self.authorized_keys is not None:
            with self.authorized_keys.open("a") as handle:
                handle.write(params["SSHPublicKey"] + "\n")
        return {"Expiration": self.expiration}

    async def _data(self, request: web.Request) -> web.StreamResponse:
        session = self.forward_sessions.get(request.match_info["session_id"])
        if session is None:
            return await super()._data(request)
        if request.query.get("token") != session.token or session.used:
            return web.json_response({"Code": "InvalidToken.Used", "Message": "used"}, status=410)
        session.used = True
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE + 1)
        await ws.prepare(request)
        agent = FakeForwardAgent(ws, session)
        self.agents.append(agent)
        with contextlib.suppress(ConnectionError):
            await agent.serve()
        return ws


# ------------------------------------------------------------------------------------------------ TCP targets


async def start_echo_server() -> tuple[TcpServer, int]:
    """Echo with back-pressure; the first line `flood\\n` instead makes it send zeros until the peer goes away."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.read(6)
            if first == b"flood\n":
                block = bytes(65536)
                while True:
                    writer.write(block)
                    await writer.drain()
            data = first
            while data:
                writer.write(data)
                await writer.drain()
                data = await reader.read(1 << 20)
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass

    server = await serve_tcp(handle)
    return server, server.port


async def start_summing_server() -> tuple[TcpServer, int]:
    """Reads until EOF, then answers `got N bytes` and closes: needs a working half-close to ever answer."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        total = 0
        while chunk := await reader.read(65536):
            total += len(chunk)
        writer.write(f"got {total} bytes".encode())
        await writer.drain()

    server = await serve_tcp(handle)
    return server, server.port

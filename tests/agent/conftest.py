"""Test harness for the agent: a local aiohttp server that plays the relay (data channels) and the server (control).

The shell runner is tested for real: a real PTY, a real shell, real users; only the relay and the client are played
by this file, through the same `tether.protocol.Channel` the CLI uses. Port forwards likewise: real TCP targets,
and `StreamClient` plays the client's end of a port-forward data channel.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from support.tls import serve_app

from tether.agent.config import AgentSettings
from tether.agent.session import SessionEnd
from tether.agent.shell import ShellSession
from tether.agent.users import LoginUser, resolve_login_user
from tether.protocol import (
    DEFAULT_WINDOW,
    MAX_MESSAGE,
    Ack,
    Channel,
    Close,
    Data,
    Eof,
    Error,
    Exit,
    Hello,
    OpenFail,
    OpenOk,
    Resize,
    encode,
)
from tether.protocol.control import OpenSession

TOKEN = "agent-token-for-tests"

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: creates users and switches to them")


class FakeClient:
    """The client end of a data channel, speaking through the relay's server-side WebSocket."""

    def __init__(self, ws: web.WebSocketResponse, *, window: int = DEFAULT_WINDOW, auto_ack: bool = True) -> None:
        self.ws = ws
        self.channel = Channel(window, initiator=True)
        self.auto_ack = auto_ack
        self.output = bytearray()
        self.received = 0
        self.exit_status: int | None = None
        self.error: Error | None = None
        self.closed = False

    async def start(self, cols: int = 80, rows: int = 24) -> None:
        await self.ws.send_bytes(self.channel.hello())
        await self.ws.send_bytes(encode(Resize(cols, rows)))
        while not self.channel.peer_ready:
            if not await self._next(10):
                raise AssertionError("the agent closed the channel before its HELLO")

    async def send(self, data: bytes) -> None:
        for frame in self.channel.send_data(data):
            await self.ws.send_bytes(frame)

    async def resize(self, cols: int, rows: int) -> None:
        await self.ws.send_bytes(encode(Resize(cols, rows)))

    async def eof(self) -> None:
        await self.ws.send_bytes(self.channel.send_eof())

    async def _next(self, timeout: float) -> bool:
        """Process one incoming frame; False once the channel is closed."""
        msg = await asyncio.wait_for(self.ws.receive(), timeout)
        if msg.type != aiohttp.WSMsgType.BINARY:
            self.closed = True
            return False
        frame = self.channel.receive(msg.data)
        match frame:
            case Data(_, data):
                self.output += data
                self.received += len(data)
                if self.auto_ack:
                    ack = self.channel.consumed(len(data))
                    if ack is not None:
                        await self.ws.send_bytes(ack)
            case Exit(status):
                self.exit_status = status
            case Error():
                self.error = frame
            case Hello() | Ack():
                pass
        return True

    async def expect(self, needle: bytes, timeout: float = 10.0) -> bytes:
        """Read until `needle` appears in the output; return the output up to and including it, and drop that."""
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or not await self._next(left):
                raise AssertionError(f"{needle!r} not seen; output so far: {bytes(self.output[-2000:])!r}")
        i = self.output.index(needle) + len(needle)
        out = bytes(self.output[:i])
        del self.output[:i]
        return out

    async def until_closed(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the agent did not close the data channel")
            await self._next(left)

    async def drain_for(self, seconds: float) -> None:
        """Process frames for `seconds` (or until closed)."""
        deadline = time.monotonic() + seconds
        while not self.closed and time.monotonic() < deadline:
            try:
                await self._next(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                return


@dataclass
class FakeRelay:
    """Accepts agent data channels at /agent/v1/data/{id} and hands each one to the test as a `FakeClient`."""

    url: str = ""
    channels: asyncio.Queue[tuple[str, web.WebSocketResponse]] = field(default_factory=lambda: asyncio.Queue(8))
    authorizations: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.authorizations.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            raise web.HTTPUnauthorized()
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE + 1)  # aiohttp's limit is exclusive
        await ws.prepare(request)
        await self.channels.put((request.match_info["sid"], ws))
        # Keep the handler alive while the test drives the socket from outside it.
        await self.release.wait()
        return ws

    async def client(self, **kw: object) -> FakeClient:
        _, ws = await asyncio.wait_for(self.channels.get(), 10)
        return FakeClient(ws, **kw)  # type: ignore[arg-type]

    def spec(self, sid: str = "s-test", **kw: object) -> OpenSession:
        fields: dict[str, object] = {
            "session_id": sid,
            "kind": "shell",
            "data_url": f"{self.url}/agent/v1/data/{sid}",
            "token": TOKEN,
            "idle_timeout": 0.0,
            "max_duration": 0.0,
        }
        fields.update(kw)
        return OpenSession(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def relay() -> AsyncIterator[FakeRelay]:
    r = FakeRelay()
    app = web.Application()
    app.router.add_get("/agent/v1/data/{sid}", r.handler)
    runner, port = await serve_app(app, shutdown_timeout=1)
    r.url = f"ws://127.0.0.1:{port}"
    try:
        yield r
    finally:
        r.release.set()
        await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def login_user() -> LoginUser:
    """The default login user (created on first use when root), or ourselves when not root."""
    return resolve_login_user(None, AgentSettings())


@dataclass
class Running:
    session: ShellSession
    task: asyncio.Task[SessionEnd]
    client: FakeClient


@pytest.fixture
def start_session(
    relay: FakeRelay, http: aiohttp.ClientSession, login_user: LoginUser
) -> Callable[..., object]:
    """Start a ShellSession against the fake relay and connect a FakeClient to it."""
    tasks: list[asyncio.Task[SessionEnd]] = []

    async def start(
        *, user: LoginUser | None = None, cols: int = 80, rows: int = 24, client_window: int = DEFAULT_WINDOW,
        auto_ack: bool = True, hangup_grace: float = 1.0, switch_user: bool | None = None, **spec: object,
    ) -> Running:
        session = ShellSession(
            relay.spec(**spec), user or login_user, http, hangup_grace=hangup_grace, switch_user=switch_user
        )
        task = asyncio.create_task(session.run())
        tasks.append(task)
        client = await relay.client(window=client_window, auto_ack=auto_ack)
        await client.start(cols, rows)
        return Running(session, task, client)

    yield start  # type: ignore[misc]
    for task in tasks:
        if not task.done():
            task.cancel()


# -- port forwarding ---------------------------------------------------------------------------------------------


@dataclass
class StreamView:
    """What the fake client saw of one port-forward stream."""

    id: int
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    ok: bool = False
    fail_reason: str | None = None
    data: bytearray = field(default_factory=bytearray)
    unacked: int = 0  # received but not yet consumed (while ACKs are held back)
    eof: bool = False
    close_reason: str | None = None


class StreamClient:
    """The client end of a port-forward data channel: opens streams, sends within credit, ACKs what it "consumed".

    A background task reads frames so tests can drive several streams at once; `hold_acks(stream)` stops
    acknowledging one stream (a stalled local reader), `release_acks(stream)` catches up.
    """

    def __init__(self, ws: web.WebSocketResponse, *, window: int = DEFAULT_WINDOW) -> None:
        self.ws = ws
        self.channel = Channel(window, initiator=True)
        self.streams: dict[int, StreamView] = {}
        self.held: set[int] = set()
        self.error: Error | None = None
        self.closed = asyncio.Event()
        self._credit = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.ws.send_bytes(self.channel.hello())
        self._reader = asyncio.create_task(self._read())
        async with asyncio.timeout(10):
            while not self.channel.peer_ready:
                self._credit.clear()
                await self._credit.wait()

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def open(self, target: str, timeout: float = 15) -> StreamView:
        stream, frame = self.channel.open_stream(target)
        view = self.streams[stream] = StreamView(stream)
        await self.ws.send_bytes(frame)
        await asyncio.wait_for(view.answered.wait(), timeout)
        return view

    async def send(self, stream: int, data: bytes, timeout: float = 60) -> None:
        view = memoryview(data)
        async with asyncio.timeout(timeout):
            while view:
                credit = self.channel.credit(stream)
                if credit <= 0:
                    self._credit.clear()
                    if self.channel.credit(stream) <= 0:
                        await self._credit.wait()
                    continue
                chunk, view = view[:credit], view[credit:]
                for frame in self.channel.send_data(bytes(chunk), stream):
                    await self.ws.send_bytes(frame)

    async def eof(self, stream: int) -> None:
        await self.ws.send_bytes(self.channel.send_eof(stream))

    async def reset(self, stream: int, reason: str = "test reset") -> None:
        await self.ws.send_bytes(self.channel.close_stream(stream, reason))

    def hold_acks(self, stream: int) -> None:
        self.held.add(stream)

    async def release_acks(self, stream: int) -> None:
        self.held.discard(stream)
        view = self.streams[stream]
        n, view.unacked = view.unacked, 0
        if n:
            ack = self.channel.consumed(n, stream)
            if ack is not None:
                await self.ws.send_bytes(ack)

    async def read(self, stream: int, n: int, timeout: float = 30) -> bytes:
        """Wait until `n` bytes arrived on `stream` and return (and drop) them."""
        view = self.streams[stream]
        async with asyncio.timeout(timeout):
            while len(view.data) < n:
                view.changed.clear()
                if len(view.data) < n:
                    await view.changed.wait()
        out = bytes(view.data[:n])
        del view.data[:n]
        return out

    async def wait(self, stream: int, predicate: Callable[[StreamView], bool], timeout: float = 15) -> StreamView:
        view = self.streams[stream]
        async with asyncio.timeout(timeout):
            while not predicate(view):
                view.changed.clear()
                await view.changed.wait()
        return view

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.BINARY:
                    break
                frame = self.channel.receive(msg.data)
                await self._on_frame(frame)
        finally:
            self.closed.set()
            self._credit.set()
            for view in self.streams.values():
                view.changed.set()
                view.answered.set()

    async def _on_frame(self, frame: object) -> None:
        match frame:
            case Hello() | Ack():
                self._credit.set()
            case Data(stream, data):
                view = self.streams.get(stream)
                if view is None or not self.channel.stream_known(stream):
                    return
                view.data += data
                if stream in self.held:
                    view.unacked += len(data)
                else:
                    ack = self.channel.consumed(len(data), stream)
                    if ack is not None:
                        await self.ws.send_bytes(ack)
                view.changed.set()
            case OpenOk(stream):
                view = self.streams[stream]
                view.ok = True
                view.answered.set()
            case OpenFail(stream, reason):
                view = self.streams[stream]
                view.fail_reason = reason
                view.answered.set()
            case Eof(stream):
                view = self.streams.get(stream)
                if view is not None:
                    view.eof = True
                    view.changed.set()
                    # After the peer's EOF everything consumed so far is acknowledged, however little it is.
                    if stream not in self.held:
                        ack = self.channel.consumed(0, stream)
                        if ack is not None:
                            await self.ws.send_bytes(ack)
            case Close(stream, reason):
                view = self.streams.get(stream)
                if view is not None:
                    view.close_reason = reason
                    view.changed.set()
            case Error():
                self.error = frame

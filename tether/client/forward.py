"""Port forwarding: many TCP connections as streams on one data channel, and the local listener that feeds it.

Two layers, so `tether proxy` (stdio) and `tether portforward` (a listener) share the part that is easy to get
wrong:

- `Multiplexer` speaks one port-forward data channel with `tether.protocol.Channel` as the initiator: it opens
  streams, keeps per-stream counters, sends CLOSE once a stream is finished both ways (both EOFs sent, every byte
  acknowledged and consumed), and tells each stream's `StreamHandler` what happened. It never buffers more than one
  window per stream: handlers only send within `credit()`, and when the WebSocket itself backs up (`SEND_HIGH`
  bytes queued) credit reads as 0 for everybody until it drains.
- `PortForwarder` owns a TCP listener and keeps one forwarding session alive: each accepted connection becomes one
  stream (`_TcpConnection`, an asyncio Protocol, so a stream out of credit simply stops reading its socket with
  `pause_reading()` and a stalled stream never stalls the others). When the channel drops, existing connections are
  reset, the listener stays up, and a new session is started with exponential backoff and jitter; connections
  accepted meanwhile wait (bounded) for it.

Bytes from the remote side are acknowledged only once the socket handed them to the kernel: the transport's write
buffer limit is 0, so `resume_writing()` fires exactly when its buffer is empty again.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

import aiohttp

from tether.client.api import ApiClient
from tether.client.datachannel import (
    CLOSE_TIMEOUT,
    CONNECT_TIMEOUT,
    HEARTBEAT,
    SessionFailure,
    connect_data_channel,
    describe_close,
    drop_reason,
    start_session,
)
from tether.client.errors import ApiError, ClientError, ConfigError
from tether.protocol import (
    DEFAULT_WINDOW,
    SEND_CHUNK,
    Ack,
    Channel,
    Close,
    CloseCode,
    Data,
    Eof,
    Error,
    Exit,
    Hello,
    OpenFail,
    OpenOk,
    ProtocolError,
)

__all__ = [
    "MAX_CONNECTIONS",
    "ForwardTarget",
    "Multiplexer",
    "PortForwarder",
    "StreamHandler",
    "format_address",
    "open_forward_channel",
]

# The relay closes a session whose agent has not dialled within 60 s; we wait a little longer for its HELLO so
# that the relay's own, more precise reason is what the user sees.
HELLO_TIMEOUT = 70.0
# When this many bytes wait for the WebSocket, every stream stops reading until the queue is below SEND_LOW.
SEND_HIGH = 4 * 1024 * 1024
SEND_LOW = 1024 * 1024
# Connections open at once through one forward; more are closed at once with a note.
MAX_CONNECTIONS = 1024
# How long a connection accepted while the relay is unreachable waits for the next channel.
PENDING_TIMEOUT = 30.0
# Reconnect backoff: BACKOFF_BASE doubling to BACKOFF_CAP, each wait drawn from [d/2, d]; a channel that stayed up
# for STABLE_AFTER seconds resets it.
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
STABLE_AFTER = 60.0
# Distinct OPEN_FAIL reasons reported before we stop reporting new ones (a hostile agent cannot flood stderr).
MAX_REPORTED_REASONS = 64


def format_address(host: str, port: int) -> str:
    """`host:port`, with IPv6 literals in brackets (`[::1]:22`)."""
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]:{port}"
    except ValueError:
        pass
    return f"{host}:{port}"


@dataclass(frozen=True)
class ForwardTarget:
    """Where a forwarding session leads: `host:port` as seen from the instance (the machine itself by default)."""

    instance_id: str
    port: int
    host: str | None = None  # None: the server's default, the instance itself

    @property
    def remote_host(self) -> str:
        return self.host or "127.0.0.1"

    @property
    def open_target(self) -> str:
        """The OPEN payload: the session's own target, which is the only one the agent accepts."""
        return format_address(self.remote_host, self.port)

    def session_body(self) -> dict[str, Any]:
        """StartTerminalSession parameters for a forwarding session to this target."""
        body: dict[str, Any] = {"InstanceId": self.instance_id, "PortNumber": self.port}
        if self.host:
            body["TargetServer"] = self.host
        return body


class StreamHandler(Protocol):
    """What the multiplexer tells one stream's local end. Callbacks run on the event loop and must not block."""

    def on_open(self) -> None:
        """OPEN_OK: the agent connected; data may flow within `credit()`."""

    def on_open_failed(self, reason: str) -> None:
        """OPEN_FAIL: the stream is gone."""

    def on_data(self, data: bytes) -> None:
        """DATA: write it, then report it with `Multiplexer.consumed()` once it is really gone."""

    def on_eof(self) -> None:
        """EOF: the remote side sends no more (half-close)."""

    def on_credit(self) -> None:
        """Credit may have grown (ACK, or the WebSocket drained): try sending again."""

    def on_finished(self) -> None:
        """Both directions ended cleanly and CLOSE was sent; the stream is gone."""

    def on_reset(self, reason: str) -> None:
        """CLOSE from the remote side, or the channel went away; the stream is gone."""


@dataclass(slots=True)
class _Stream:
    handler: StreamHandler
    opened: bool = False
    sent: int = 0
    acked: int = 0
    received: int = 0
    consumed: int = 0
    local_eof: bool = False
    remote_eof: bool = False


class Multiplexer:
    """One port-forward data channel carrying many streams. `start()`, then `wait_ready()`, then `open()` streams.

    `wait_closed()` returns the reason the channel ended; every stream still open then gets `on_reset`.
    """

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        *,
        label: str,
        window: int = DEFAULT_WINDOW,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self._ws = ws
        self.label = label
        self._heartbeat = heartbeat
        self._channel = Channel(window, initiator=True)
        self._streams: dict[int, _Stream] = {}
        self._sendq: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._send_wakeup = asyncio.Event()
        self._congested = False
        self._ready = asyncio.Event()
        self._closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.ended_for_good = False  # the relay said EndTerminalSession: a reconnect would defeat it
        self._tasks: list[asyncio.Task[None]] = []
        self.opened_at = time.monotonic()
        self._send(self._channel.hello())

    # ------------------------------------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Start pumping frames in both directions."""
        self._tasks = [
            asyncio.create_task(self._receive_loop(), name="tether-forward-receive"),
            asyncio.create_task(self._send_loop(), name="tether-forward-send"),
        ]
        for task in self._tasks:
            task.add_done_callback(self._task_ended)

    @property
    def closed(self) -> bool:
        return self._closed.done()

    async def wait_ready(self, timeout: float = HELLO_TIMEOUT) -> None:  # noqa: ASYNC109 (a plain bound)
        """Wait for the agent's HELLO (the relay paired us); `SessionFailure` if the channel ends or times out."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)  # `_end()` sets it too
        if self._closed.done():
            raise SessionFailure(f"the forwarding session to {self.label} ended at once: {self._closed.result()}")
        if not self._ready.is_set():
            await self.aclose(f"no answer from the agent within {timeout:g} s")
            raise SessionFailure(f"the agent of {self.label} did not answer within {timeout:g} s — is it running?")

    async def wait_closed(self) -> str:
        """Wait until the channel ends; return why."""
        return await asyncio.shield(self._closed)

    async def aclose(self, reason: str = "closed") -> None:
        """Reset every stream, close the WebSocket and stop the pumps."""
        self._end(reason)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(), CLOSE_TIMEOUT)

    def _end(self, reason: str) -> None:
        """The channel is over (first reason wins): every stream still open is reset."""
        if self._closed.done():
            return
        self._closed.set_result(reason)
        self._ready.set()
        streams, self._streams = self._streams, {}
        for state in streams.values():
            state.handler.on_reset(reason)
        self._send_wakeup.set()

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._end(f"internal error in {task.get_name()}: {task.exception()!r}")
            task.get_loop().create_task(self._close_ws())
        elif not self._closed.done():
            self._end("closed")

    async def _close_ws(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(), CLOSE_TIMEOUT)

    # ------------------------------------------------------------------------------------------- stream control

    def open(self, target: str, handler: StreamHandler) -> int:
        """Open a stream to `target`; the answer arrives as `handler.on_open()` or `handler.on_open_failed()`."""
        if self._closed.done() or not self._ready.is_set():
            raise ClientError(f"the forwarding session to {self.label} is not connected")
        stream, frame = self._channel.open_stream(target)
        self._streams[stream] = _Stream(handler)
        self._send(frame)
        return stream

    def credit(self, stream: int) -> int:
        """Bytes `stream` may send now: 0 after EOF and while the WebSocket is backed up.

        Before OPEN_OK too: the agent queues a stream's first bytes (within its window) while it connects.
        """
        state = self._streams.get(stream)
        if state is None or self._congested:
            return 0
        return self._channel.credit(stream)

    def send(self, stream: int, data: bytes) -> None:
        """Send `data` (at most `credit(stream)` bytes) on `stream`."""
        state = self._streams.get(stream)
        if state is None or not data:
            return
        frames = self._channel.send_data(data, stream, chunk=SEND_CHUNK)
        state.sent += len(data)
        for frame in frames:
            self._send(frame)

    def send_eof(self, stream: int) -> None:
        """Half-close: this side sends nothing more on `stream`."""
        state = self._streams.get(stream)
        if state is None or state.local_eof:
            return
        state.local_eof = True
        self._send(self._channel.send_eof(stream))
        self._maybe_finish(stream, state)

    def consumed(self, stream: int, n: int) -> None:
        """`n` received bytes of `stream` are really gone (written out); acknowledge them when an ACK is due."""
        state = self._streams.get(stream)
        if state is None or n <= 0:
            return
        state.consumed += n
        ack = self._channel.consumed(n, stream)
        if ack is not None:
            self._send(ack)
        self._maybe_finish(stream, state)

    def close(self, stream: int, reason: str) -> None:
        """Reset `stream` (the local end went away); late frames for it are ignored."""
        if self._streams.pop(stream, None) is not None and not self._closed.done():
            self._send(self._channel.close_stream(stream, reason[:200]))

    def _maybe_finish(self, stream: int, state: _Stream) -> None:
        if (
            state.local_eof
            and state.remote_eof
            and state.acked == state.sent
            and state.consumed == state.received
            and self._streams.pop(stream, None) is not None
        ):
            self._send(self._channel.close_stream(stream, "done"))
            state.handler.on_finished()

    # ------------------------------------------------------------------------------------------------- sending

    def _send(self, frame: bytes) -> None:
        if self._closed.done():
            return
        self._sendq.append(frame)
        self._queued += len(frame)
        if self._queued > SEND_HIGH:
            self._congested = True
        self._send_wakeup.set()

    async def _send_loop(self) -> None:
        while not self._closed.done():
            if not self._sendq:
                self._send_wakeup.clear()
                await self._send_wakeup.wait()
                continue
            frame = self._sendq.popleft()
            try:
                await self._ws.send_bytes(frame)
            except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
                # Usually the peer closed the connection as we wrote: let the receiver report the close and its
                # reason, which says more than "cannot write to closing transport".
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._closed), CLOSE_TIMEOUT)
                self._end(f"sending failed: {' '.join(str(exc).split()) or type(exc).__name__}")
                await self._close_ws()
                return
            self._queued -= len(frame)
            if self._congested and self._queued <= SEND_LOW:
                self._congested = False
                for state in list(self._streams.values()):
                    state.handler.on_credit()

    # ----------------------------------------------------------------------------------------------- receiving

    async def _receive_loop(self) -> None:
        ws = self._ws
        while not self._closed.done():
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.BINARY:
                try:
                    frame = self._channel.receive(message.data)
                except ProtocolError as exc:
                    self._end(f"protocol error from the server: {exc}")
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(ws.close(code=1002, message=b"protocol error"), CLOSE_TIMEOUT)
                    return
                self._on_frame(frame)
            elif message.type is aiohttp.WSMsgType.TEXT:
                self._end("protocol error: unexpected text message")
                await self._close_ws()
                return
            elif message.type is aiohttp.WSMsgType.CLOSE:
                # The close frame itself says why, even when answering it failed on a socket already shut.
                extra = message.extra if isinstance(message.extra, str) else None
                self.ended_for_good = message.data == CloseCode.ENDED  # do not start a new session on our own
                self._end(describe_close(message.data, extra, default="closed by the server"))
                return
            else:
                self._end(drop_reason(ws, self._heartbeat, default="closed by the server"))
                return

    def _on_frame(self, frame: object) -> None:
        match frame:
            case Data(stream, data):
                state = self._streams.get(stream)
                if state is not None:
                    state.received += len(data)
                    state.handler.on_data(data)
            case Ack(stream, offset):
                state = self._streams.get(stream)
                if state is not None:
                    state.acked = offset
                    state.handler.on_credit()
                    self._maybe_finish(stream, state)
            case OpenOk(stream):
                state = self._streams.get(stream)
                if state is not None:
                    state.opened = True
                    state.handler.on_open()
            case OpenFail(stream, reason):
                state = self._streams.pop(stream, None)
                if state is not None:
                    state.handler.on_open_failed(" ".join(reason.split()) or "refused")
            case Eof(stream):
                state = self._streams.get(stream)
                if state is not None:
                    state.remote_eof = True
                    # bytes consumed before the EOF came may still be unacknowledged (below the ACK threshold):
                    # the peer waits for that final ACK before it closes the stream
                    final_ack = self._channel.consumed(0, stream)
                    if final_ack is not None:
                        self._send(final_ack)
                    state.handler.on_eof()
                    self._maybe_finish(stream, state)
            case Close(stream, reason):
                if stream == 0:
                    self._end(f"closed by the agent: {' '.join(reason.split()) or 'no reason given'}")
                    return
                state = self._streams.pop(stream, None)
                if state is not None:
                    state.handler.on_reset(" ".join(reason.split()) or "reset by the remote side")
            case Error(code, message):
                self._end(" ".join(message.split()) or code)
            case Exit(status):
                self._end(f"the agent ended the session (status {status})")
            case Hello():
                self._ready.set()
            case _:
                pass  # RESIZE and friends mean nothing on a forwarding channel


async def open_forward_channel(
    api: ApiClient,
    http: aiohttp.ClientSession,
    target: ForwardTarget,
    *,
    window: int = DEFAULT_WINDOW,
    heartbeat: float = HEARTBEAT,
    connect_timeout: float = CONNECT_TIMEOUT,
    hello_timeout: float = HELLO_TIMEOUT,
) -> Multiplexer:
    """Start a forwarding session to `target`, dial its data channel and wait until the agent is on the line."""
    started = await start_session(api, target.session_body())
    ws = await connect_data_channel(
        http, started.url, ssl_context=started.ssl_context, connect_timeout=connect_timeout, heartbeat=heartbeat
    )
    mux = Multiplexer(ws, label=target.instance_id, window=window, heartbeat=heartbeat)
    mux.start()
    try:
        await mux.wait_ready(hello_timeout)
    except BaseException:
        await mux.aclose("not ready")
        raise
    return mux


# ---------------------------------------------------------------------------------------------------- listener


class _TcpConnection(asyncio.Protocol):
    """One accepted local connection = one stream. Reads only within credit; acknowledges only what the kernel took."""

    def __init__(self, forwarder: PortForwarder) -> None:
        self._fwd = forwarder
        self.transport: asyncio.Transport | None = None
        self._mux: Multiplexer | None = None
        self._stream = 0
        self._open = False
        self._pending = b""  # read from the socket, not yet covered by credit (at most one read)
        self._local_eof = False
        self._eof_sent = False
        self._reading = True
        self._unacked = 0  # handed to the transport, not yet to the kernel
        self.done = False

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        # pause_writing() whenever anything is buffered, resume_writing() when the buffer is empty again: the
        # moment the kernel has every byte, which is when we may acknowledge.
        self.transport.set_write_buffer_limits(high=0)
        self._set_reading(False)  # nothing may be read before the stream exists (see attach)
        self._fwd._accepted(self)

    def data_received(self, data: bytes) -> None:
        # Reading pauses while anything is pending, so this is nearly always the first case: no copy.
        self._pending = self._pending + data if self._pending else data
        self._pump()

    def eof_received(self) -> bool:
        self._local_eof = True
        self._pump()
        return True  # keep the write side open: the other direction may still be flowing

    def pause_writing(self) -> None:
        """Nothing to do: acknowledgements already wait for `resume_writing`."""

    def resume_writing(self) -> None:
        if self._unacked and self._mux is not None:
            n, self._unacked = self._unacked, 0
            self._mux.consumed(self._stream, n)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fwd._discard(self)
        if not self.done:
            self.done = True
            if self._mux is not None:
                why = f"local connection lost: {exc}" if exc else "local connection closed"
                self._mux.close(self._stream, why)

    # -- driven by the forwarder

    def attach(self, mux: Multiplexer, target: str) -> None:
        """Open this connection's stream on `mux`."""
        if self.done:
            return
        self._mux = mux
        self._stream = mux.open(target, self)
        self._pump()  # start reading at once: the first bytes travel right behind the OPEN

    def abort(self) -> None:
        """Close the local socket at once (refused, timed out waiting, shutting down)."""
        self.done = True
        if self.transport is not None:
            self.transport.abort()

    # -- StreamHandler

    def on_open(self) -> None:
        self._open = True
        self._pump()

    def on_open_failed(self, reason: str) -> None:
        self._fwd._report_open_failure(reason)
        self.abort()

    def on_data(self, data: bytes) -> None:
        if self.done or self.transport is None or self._mux is None:
            return
        self.transport.write(data)
        if self.transport.get_write_buffer_size() == 0:
            self._mux.consumed(self._stream, len(data))
        else:
            self._unacked += len(data)

    def on_eof(self) -> None:
        if self.transport is not None and not self.transport.is_closing() and self.transport.can_write_eof():
            self.transport.write_eof()  # after whatever is still buffered

    def on_credit(self) -> None:
        self._pump()

    def on_finished(self) -> None:
        self.done = True
        if self.transport is not None:
            self.transport.close()

    def on_reset(self, reason: str) -> None:
        self.abort()

    # -- helpers

    def _pump(self) -> None:
        """Send what credit allows, EOF once the socket ended and everything went out; read only if there is room.

        Bytes flow before OPEN_OK arrives (within the stream's credit, which the agent's window bounds): the agent
        queues them while it connects, so a new connection's first request costs no extra round trip. If the open
        fails, the local socket is closed and those bytes were never going anywhere anyway.
        """
        mux = self._mux
        if self.done or mux is None:
            return
        credit = mux.credit(self._stream)
        if self._pending and credit > 0:
            if len(self._pending) <= credit:
                chunk, self._pending = self._pending, b""
            else:  # at the window's edge only: the rest waits for the next ACK
                chunk, self._pending = self._pending[:credit], self._pending[credit:]
            mux.send(self._stream, chunk)
            credit -= len(chunk)
        if self._local_eof and not self._pending and not self._eof_sent:
            self._eof_sent = True
            mux.send_eof(self._stream)  # may finish the stream, which closes the transport
        if not self.done:
            self._set_reading(not self._pending and credit > 0 and not self._local_eof)

    def _set_reading(self, want: bool) -> None:
        if self.transport is None or want == self._reading or self.transport.is_closing():
            return
        self._reading = want
        if want:
            self.transport.resume_reading()
        else:
            self.transport.pause_reading()


class PortForwarder:
    """A local listener whose connections go to `target` through one forwarding session, re-established on loss.

    `start()` binds and opens the first session (errors propagate); `run()` then keeps it up until `stop()`.
    `note` receives the one-line messages meant for stderr.
    """

    def __init__(
        self,
        api: ApiClient,
        target: ForwardTarget,
        *,
        address: str = "127.0.0.1",
        port: int = 0,
        note: Callable[[str], None] = print,
        window: int = DEFAULT_WINDOW,
        max_connections: int = MAX_CONNECTIONS,
        pending_timeout: float = PENDING_TIMEOUT,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        heartbeat: float = HEARTBEAT,
        hello_timeout: float = HELLO_TIMEOUT,
    ) -> None:
        self.api = api
        self.target = target
        self.address = address
        self.port = port
        self.note = note
        self.window = window
        self.max_connections = max_connections
        self.pending_timeout = pending_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.heartbeat = heartbeat
        self.hello_timeout = hello_timeout
        self.bound: tuple[str, int] = ("", 0)
        self._server: asyncio.Server | None = None
        self._http: aiohttp.ClientSession | None = None
        self._mux: Multiplexer | None = None
        self._live: set[_TcpConnection] = set()  # every accepted connection not yet closed (waiting or attached)
        self._waiting: dict[_TcpConnection, asyncio.TimerHandle] = {}  # accepted while no channel is up
        self._reported: set[str] = set()
        self._refusing = False
        self._timed_out_noted = False
        self._stopping = asyncio.Event()

    # ----------------------------------------------------------------------------------------------- life cycle

    async def start(self) -> tuple[str, int]:
        """Bind the listener, then open the first session; returns the bound (address, port)."""
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                lambda: _TcpConnection(self), self.address, self.port, reuse_address=True, backlog=512
            )
        except OSError as exc:
            where = format_address(self.address, self.port)
            reason = exc.strerror or str(exc)
            raise ConfigError(f"cannot listen on {where}: {reason[0].lower() + reason[1:]}") from exc
        sockname = self._server.sockets[0].getsockname()
        self.bound = (str(sockname[0]), int(sockname[1]))
        self._http = aiohttp.ClientSession()
        try:
            self._set_mux(await self._open())
        except BaseException:
            await self.close()
            raise
        return self.bound

    async def run(self) -> None:
        """Keep a forwarding session up until `stop()`; raises `ClientError` when reconnecting cannot succeed."""
        attempt = 0
        try:
            while not self._stopping.is_set():
                mux = self._mux
                assert mux is not None
                reason = await self._until_stopped(mux.wait_closed())
                if reason is None:
                    return
                if mux.ended_for_good:
                    raise SessionFailure(f"{reason}; the forward to {self.target.instance_id} stops")
                self._mux = None
                if time.monotonic() - mux.opened_at >= STABLE_AFTER:
                    attempt = 0
                delay = self._backoff(attempt)
                attempt += 1
                self.note(f"tether: relay connection lost: {reason}; reconnecting in {delay:.1f} s")
                last_error: str | None = None
                while True:
                    if await self._until_stopped(asyncio.sleep(delay, True)) is None:
                        return
                    try:
                        new = await self._until_stopped(self._open())
                        if new is None:
                            return
                    except ApiError as exc:
                        if exc.status in (400, 401, 403, 404):
                            raise  # refused for good (key revoked, policy, instance deregistered): retrying won't help
                        error = str(exc)
                    except ClientError as exc:
                        if isinstance(exc, ConfigError):
                            raise
                        error = str(exc)
                    else:
                        break
                    delay = self._backoff(attempt)
                    attempt += 1
                    if error != last_error:
                        self.note(f"tether: reconnecting failed: {error}; retrying in {delay:.1f} s")
                        last_error = error
                self.note(f"tether: reconnected to {self.target.instance_id}")
                self._set_mux(new)
        finally:
            await self.close()

    def stop(self) -> None:
        """Ask `run()` to return (signal-handler safe)."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the listener, every connection and the session."""
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for conn in list(self._live):
            conn.abort()
        for timer in self._waiting.values():
            timer.cancel()
        self._waiting.clear()
        if self._mux is not None:
            await self._mux.aclose("the forward was stopped")
            self._mux = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _until_stopped(self, awaitable: Any) -> Any:
        """The awaitable's result, or None as soon as `stop()` was called."""
        task = asyncio.ensure_future(awaitable)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
        if self._stopping.is_set() or task.cancelled():
            return None
        return task.result()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** min(attempt, 16)))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not cryptography)

    async def _open(self) -> Multiplexer:
        assert self._http is not None
        return await open_forward_channel(
            self.api, self._http, self.target, window=self.window, heartbeat=self.heartbeat,
            hello_timeout=self.hello_timeout,
        )  # fmt: skip

    def _set_mux(self, mux: Multiplexer) -> None:
        self._mux = mux
        self._timed_out_noted = False
        waiting, self._waiting = self._waiting, {}
        for conn, timer in waiting.items():
            timer.cancel()
            self._attach(conn, mux)

    def _attach(self, conn: _TcpConnection, mux: Multiplexer) -> None:
        try:
            conn.attach(mux, self.target.open_target)
        except (ClientError, ProtocolError) as exc:
            self.note(f"tether: closed a new connection: {exc}")
            conn.abort()

    # ---------------------------------------------------------------------------------------- connection events

    @property
    def connection_count(self) -> int:
        return len(self._live)

    def _accepted(self, conn: _TcpConnection) -> None:
        if self._stopping.is_set():
            conn.abort()
            return
        if len(self._live) >= self.max_connections:
            if not self._refusing:
                self._refusing = True
                self.note(f"tether: {self.max_connections} connections are open; closing new ones until some finish")
            conn.abort()
            return
        self._refusing = False
        self._live.add(conn)
        mux = self._mux
        if mux is not None and not mux.closed:
            self._attach(conn, mux)
            return
        timer = asyncio.get_running_loop().call_later(self.pending_timeout, self._give_up, conn)
        self._waiting[conn] = timer

    def _give_up(self, conn: _TcpConnection) -> None:
        """A connection waited `pending_timeout` for the relay: close it rather than hold it forever."""
        self._waiting.pop(conn, None)
        if not self._timed_out_noted:
            self._timed_out_noted = True
            self.note(f"tether: closed connections that waited {self.pending_timeout:g} s for the relay")
        conn.abort()

    def _discard(self, conn: _TcpConnection) -> None:
        self._live.discard(conn)
        timer = self._waiting.pop(conn, None)
        if timer is not None:
            timer.cancel()

    def _report_open_failure(self, reason: str) -> None:
        """One stderr line per distinct reason, so a client retrying in a loop does not flood the terminal."""
        if reason in self._reported or len(self._reported) >= MAX_REPORTED_REASONS:
            return
        self._reported.add(reason)
        self.note(f"tether: cannot connect to {self.target.open_target} on {self.target.instance_id}: {reason}")

"""One port-forward session: many TCP connections to one fixed target, carried as streams on one data channel.

Life cycle (the shared part is `tether.agent.session`): dial `data_url` (Bearer token) -> send HELLO -> wait for the
client's HELLO -> serve streams until the channel closes, the server terminates the session, or the
idle/maximum-duration limit is reached (an ERROR frame tells the user which). Every socket is closed when the
session ends, before that ERROR frame, so it is the last frame sent.

Per stream (docs/protocol.md, "Port-forward sessions"):
- `OPEN(stream, "host:port")`: the target must equal the session's (`target_host:target_port`); the name is resolved
  and *every* address checked against the link-local/metadata list before anything is dialled, and the connection
  goes to the checked addresses only (no second lookup a rebinding DNS server could answer differently). The dial is
  bounded (`connect_timeout`); the answer is OPEN_OK or OPEN_FAIL with a short reason a person can act on.
- socket -> client: one reader task per stream reads at most `min(credit, SEND_CHUNK)` bytes and waits for an ACK when
  the credit is spent. It never reads while it has no credit, so asyncio's per-connection read buffer fills, the
  transport pauses reading, and the target is pushed back by TCP; other streams are unaffected because nothing
  shared ever waits on one stream.
- client -> socket: DATA goes into the stream's queue (bounded by the window the client must respect, which
  `Channel` enforces) and one writer task writes it with `drain()` against a zero high-water mark, so a byte is
  acknowledged (`Channel.consumed`) only once the kernel has taken it.
- EOF both ways is a half-close (`write_eof` = shutdown(SHUT_WR)); when both directions are done and the client has
  acknowledged everything we sent, the agent sends CLOSE. A socket error sends CLOSE with the reason; a received
  CLOSE aborts the socket at once.

Frames for streams that are already gone (`Channel.stream_known` is False, or not in our table) are a legitimate
race and are ignored.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field

import aiohttp

from tether.agent.session import CLIENT_WAIT, DataChannelSession, SessionEnd, SessionStartError
from tether.protocol import MAX_STREAMS, SEND_CHUNK, Ack, Close, Data, Eof, Error, Hello, Open, ProtocolError
from tether.protocol.control import OpenSession
from tether.protocol.targets import is_canonical_target

log = logging.getLogger(__name__)

DEFAULT_MAX_STREAMS = 256
DEFAULT_CONNECT_TIMEOUT = 10.0
MAX_RECORDS = 1024  # finished-stream records kept on the session object (the oldest are dropped beyond this)
FINAL_ACK_TIMEOUT = 30.0  # after both EOFs, how long the client may take to acknowledge our last bytes
READ_LIMIT = 64 * 1024  # asyncio's per-connection read buffer; the transport pauses reading at twice this

# Addresses a forward must not reach unless `allow_link_local_targets`: link-local (where cloud metadata services
# live, with instance credentials) and the metadata endpoints of clouds that put them elsewhere.
BLOCKED_NETWORKS = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)


class OpenFailed(Exception):
    """A stream could not be opened; `str(e)` is the OPEN_FAIL reason.

    No code: OPEN_FAIL carries only a reason, and the failure stays inside the session (the stream is gone, the
    session goes on), so nothing but that sentence ever leaves the agent.
    """


class ChannelClosed(Exception):
    """The data channel cannot carry frames any more; the session is ending and will close every socket.

    No code and no message: it is a signal between this module's tasks, never shown to anybody.
    """


def session_target(spec: OpenSession) -> tuple[str, int]:
    """The fixed `(host, port)` of a port-forward session; `SessionStartError` when the open message has none."""
    if not spec.target_host or spec.target_port is None or not 1 <= spec.target_port <= 65535:
        raise SessionStartError(
            "InvalidParameter", "a port_forward session needs target_host and a target_port in 1..65535"
        )
    if not is_canonical_target(spec.target_host):
        # the server canonicalises before its policy check; anything else (127.1, 0x7f000001, 0) was not checked
        # under the name the resolver would dial, so it is refused here too (tether.protocol.targets)
        raise SessionStartError(
            "InvalidParameter.TargetServer",
            f"target_host {spec.target_host[:80]!r} is not in canonical form (dotted-quad IPv4, compressed IPv6 or a "
            "lower-case host name)",
        )
    return spec.target_host, spec.target_port


def parse_target(target: str) -> tuple[str, int]:
    """`host:port`, `[v6]:port` or `v6:port` -> (host, port); raise ValueError for anything else."""
    host, sep, port_text = target.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"{target!r} is not host:port")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} is out of range")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise ValueError(f"{target!r} has no host")
    return host, port


def same_target(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Host names compare case-insensitively; IP literals compare as addresses (`::1` == `0::1`)."""
    if a[1] != b[1]:
        return False
    try:
        return ipaddress.ip_address(a[0]) == ipaddress.ip_address(b[0])
    except ValueError:
        return a[0].lower().rstrip(".") == b[0].lower().rstrip(".")


def blocked_address(address: str) -> bool:
    """Whether `address` (an IP literal, maybe with a `%scope`) is link-local or a metadata endpoint."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in BLOCKED_NETWORKS)


def describe_connect_error(e: BaseException) -> str:
    """The OPEN_FAIL reason for a failed dial, in the words the client shows to its user."""
    if isinstance(e, TimeoutError):
        return "timed out"
    if isinstance(e, socket.gaierror):
        return "name not resolved"
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no route to host"
    if isinstance(e, OSError):
        return f"cannot connect: {e.strerror or e}"
    return f"cannot connect: {type(e).__name__}"


@dataclass(slots=True)
class StreamRecord:
    """What a stream did, for the session's metadata recording: target, lifetime and bytes each way."""

    stream: int
    target: str
    opened_at: float  # wall-clock seconds (time.time())
    closed_at: float | None = None
    bytes_to_target: int = 0
    bytes_from_target: int = 0
    outcome: str = ""  # "" while open; "closed", "reset by client", an OPEN_FAIL or CLOSE reason


@dataclass(eq=False)
class _Stream:
    """Our side of one stream: its socket, queues and state; `tasks` run its reader and writer."""

    id: int
    record: StreamRecord
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    inbound: collections.deque[bytes | None] = field(default_factory=collections.deque)  # None = the client's EOF
    inbound_ready: asyncio.Event = field(default_factory=asyncio.Event)
    credit_changed: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    sent: int = 0  # bytes of DATA we sent on this stream
    acked: int = 0  # the client's last ACK offset
    local_eof: bool = False  # we sent EOF (the target closed its side)
    remote_eof_done: bool = False  # the client's EOF reached the socket (SHUT_WR)
    gone: bool = False


class PortForwardSession(DataChannelSession):
    """Runs one port-forward session to its end. `run()` returns how it ended; `terminate()` ends it from outside.

    `records` keeps the finished streams (at most MAX_RECORDS) and `active_records()` the open ones, so the session's
    metadata (targets, bytes, streams) can be reported later; `bytes_to_target`/`bytes_from_target` are totals.
    Activity for the idle limit is bytes either way and new connections.
    """

    IDLE_MESSAGE = "the session had no traffic for {idle:g} seconds and was closed"

    def __init__(
        self,
        spec: OpenSession,
        http: aiohttp.ClientSession,
        *,
        ssl_context: ssl.SSLContext | None = None,
        allow_link_local: bool = False,
        max_streams: int = DEFAULT_MAX_STREAMS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        client_wait: float = CLIENT_WAIT,
    ) -> None:
        self.target = session_target(spec)
        super().__init__(spec, http, ssl_context=ssl_context, client_wait=client_wait)
        self._allow_link_local = allow_link_local
        self._max_streams = min(max_streams, MAX_STREAMS - 1)  # the channel itself refuses more (stream 0 counts)
        self._connect_timeout = connect_timeout
        self._streams: dict[int, _Stream] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.records: collections.deque[StreamRecord] = collections.deque(maxlen=MAX_RECORDS)
        self.streams_opened = 0
        self.bytes_to_target = 0
        self.bytes_from_target = 0

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def active_records(self) -> list[StreamRecord]:
        return [s.record for s in self._streams.values()]

    # -- the whole session ----------------------------------------------------------------------------------------

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> SessionEnd:
        """Wait for the client, then serve its streams (each its own tasks) until the session ends."""
        assert self._end is not None
        end = await self._open_channel(ws)
        if end is None:
            self._start_limits()
            end = await self._end
        log.info(
            "session %s: port forward to %s:%d ended (%s): %d stream(s), %d bytes to, %d bytes from the target",
            self.session_id,
            *self.target,
            end.reason,
            self.streams_opened,
            self.bytes_to_target,
            self.bytes_from_target,
        )
        return end

    async def _silence(self) -> None:
        await self._close_all("the session ended")

    async def _release(self) -> None:
        """Nothing is left to free: every socket was closed in `_silence`."""

    async def _send(self, frame: bytes) -> None:
        """Send one frame; the lock keeps frames whole and in order when several streams send at once.

        Any failure becomes `ChannelClosed`, so stream code never mistakes a channel error for a socket error.
        """
        ws = self._ws
        if ws is None or ws.closed:
            raise ChannelClosed
        async with self._send_lock:
            try:
                await ws.send_bytes(frame)
            except (ConnectionError, aiohttp.ClientError, RuntimeError) as e:
                raise ChannelClosed from e

    async def _send_quietly(self, frame: bytes) -> None:
        """Send a control frame (OPEN_OK/FAIL, EOF, CLOSE, ACK); a closed channel ends the session anyway."""
        with contextlib.suppress(ChannelClosed):
            await self._send(frame)

    # -- from the client -----------------------------------------------------------------------------------------

    def _on_frame(self, frame: object) -> None:
        """Dispatch one frame without ever waiting: nothing a single stream does may hold up the others."""
        match frame:
            case Hello():
                self._hello.set()
            case Open(stream, target):
                self._last_activity = time.monotonic()
                self._on_open(stream, target)
            case Data(stream, data):
                s = self._streams.get(stream)
                if s is None or not self._channel.stream_known(stream):
                    return
                self._last_activity = time.monotonic()
                s.inbound.append(data)
                s.inbound_ready.set()
            case Ack(stream, offset):
                s = self._streams.get(stream)
                if s is not None and stream != 0:
                    s.acked = offset
                    s.credit_changed.set()
            case Eof(stream):
                s = self._streams.get(stream)
                if s is not None and stream != 0:
                    s.inbound.append(None)
                    s.inbound_ready.set()
            case Close(stream, reason):
                s = self._streams.get(stream)
                if s is not None:
                    self._drop(s, f"reset by client: {reason}" if reason else "reset by client")
            case Error(code, message):
                self._client_error(code, message)
            case _:
                raise ProtocolError("unexpected-frame", f"{type(frame).__name__} has no meaning in a port forward")

    def _on_open(self, stream: int, target: str) -> None:
        record = StreamRecord(stream, target, time.time())
        if len(self._streams) >= self._max_streams:
            self._refuse(stream, record, "too many connections")
            return
        try:
            requested = parse_target(target)
        except ValueError:
            self._refuse(stream, record, "target not allowed")
            return
        if not same_target(requested, self.target):
            self._refuse(stream, record, "target not allowed")
            return
        s = _Stream(stream, record)
        self._streams[stream] = s
        self.streams_opened += 1
        s.tasks.append(asyncio.create_task(self._run_stream(s), name=f"stream-{self.session_id}-{stream}"))

    def _refuse(self, stream: int, record: StreamRecord, reason: str) -> None:
        record.closed_at, record.outcome = time.time(), reason
        self.records.append(record)
        log.debug("session %s: stream %d to %s refused: %s", self.session_id, stream, record.target, reason)
        self._spawn(self._send_quietly(self._channel.reject_stream(stream, reason)))

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        """Send a frame from synchronous code; the task is referenced until it is done (asyncio keeps weak refs)."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- one stream ----------------------------------------------------------------------------------------------

    async def _run_stream(self, s: _Stream) -> None:
        try:
            reader, writer = await self._connect()
        except OpenFailed as e:
            if not s.gone:
                s.gone = True
                self._streams.pop(s.id, None)
                self._refuse(s.id, s.record, str(e))
            return
        except asyncio.CancelledError:
            raise
        if s.gone:  # the client reset the stream while we were dialling
            writer.transport.abort()
            return
        s.reader, s.writer = reader, writer
        # Zero high-water mark: drain() returns only once the kernel took every byte, which is when we ACK.
        writer.transport.set_write_buffer_limits(high=0)
        await self._send_quietly(self._channel.accept_stream(s.id))
        s.tasks.append(asyncio.create_task(self._socket_to_client(s)))
        await self._client_to_socket(s)

    @staticmethod
    async def _resolve(loop: asyncio.AbstractEventLoop, host: str, port: int) -> list[str]:
        """The addresses to dial: an IP literal as it is (no resolver thread on every new connection), else DNS."""
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except socket.gaierror as e:
            raise OpenFailed(describe_connect_error(e)) from None
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Resolve, check every address, dial them in order; all within `connect_timeout`."""
        host, port = self.target
        loop = asyncio.get_running_loop()
        last: BaseException | None = None
        try:
            async with asyncio.timeout(self._connect_timeout):
                addresses = await self._resolve(loop, host, port)
                if not addresses:
                    raise OpenFailed("name not resolved")
                if not self._allow_link_local:
                    bad = [a for a in addresses if blocked_address(a)]
                    if bad:
                        raise OpenFailed(f"target not allowed: {bad[0]} is a link-local or metadata address")
                for address in addresses:
                    try:
                        return await asyncio.open_connection(address, port, limit=READ_LIMIT)
                    except OSError as e:
                        last = e
        except TimeoutError:
            raise OpenFailed("timed out") from None
        raise OpenFailed(describe_connect_error(last) if last else "cannot connect")

    async def _socket_to_client(self, s: _Stream) -> None:
        """Read the target within the stream's credit; EOF -> EOF frame; an error resets the stream."""
        assert s.reader is not None
        try:
            while not s.gone:
                credit = self._channel.credit(s.id) if self._channel.stream_known(s.id) else 0
                if credit <= 0:
                    s.credit_changed.clear()
                    await s.credit_changed.wait()
                    continue
                data = await s.reader.read(min(credit, SEND_CHUNK))
                if s.gone:
                    return
                if not data:
                    s.local_eof = True
                    await self._send_quietly(self._channel.send_eof(s.id))
                    self._maybe_done(s)
                    return
                self._last_activity = time.monotonic()
                s.sent += len(data)
                s.record.bytes_from_target += len(data)
                self.bytes_from_target += len(data)
                for frame in self._channel.send_data(data, s.id, chunk=SEND_CHUNK):
                    await self._send(frame)
        except ChannelClosed:
            return  # the session ends and closes the socket
        except OSError as e:
            self._reset(s, f"connection to the target failed: {e.strerror or type(e).__name__}")

    async def _client_to_socket(self, s: _Stream) -> None:
        """Write the client's bytes to the target; acknowledge what the kernel took; EOF -> shutdown(SHUT_WR)."""
        writer = s.writer
        assert writer is not None
        try:
            while not s.gone:
                if not s.inbound:
                    s.inbound_ready.clear()
                    await s.inbound_ready.wait()
                    continue
                data = s.inbound.popleft()
                if data is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    s.remote_eof_done = True
                    # Acknowledge the tail below the ACK threshold, so the client can finish the stream too.
                    ack = self._channel.consumed(0, s.id)
                    if ack is not None:
                        await self._send_quietly(ack)
                    self._maybe_done(s)
                    return
                writer.write(data)
                await writer.drain()
                s.record.bytes_to_target += len(data)
                self.bytes_to_target += len(data)
                ack = self._channel.consumed(len(data), s.id)
                if ack is not None:
                    await self._send_quietly(ack)
        except OSError as e:
            self._reset(s, f"connection to the target failed: {e.strerror or type(e).__name__}")

    def _maybe_done(self, s: _Stream) -> None:
        """Both halves closed: once the client has acknowledged all we sent, CLOSE the stream."""
        if s.gone or not (s.local_eof and s.remote_eof_done):
            return
        if s.acked < s.sent:
            # Wait for the final ACK (the client acknowledges everything once it saw our EOF).
            s.tasks.append(asyncio.create_task(self._close_after_ack(s)))
            return
        self._close_stream(s, "closed", "")

    async def _close_after_ack(self, s: _Stream) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(FINAL_ACK_TIMEOUT):
                while not s.gone and s.acked < s.sent:
                    s.credit_changed.clear()
                    await s.credit_changed.wait()
        self._close_stream(s, "closed", "")

    def _close_stream(self, s: _Stream, outcome: str, reason: str) -> None:
        if s.gone:
            return
        frame = self._channel.close_stream(s.id, reason)
        self._drop(s, outcome)
        self._spawn(self._send_quietly(frame))

    def _reset(self, s: _Stream, reason: str) -> None:
        """A socket error: CLOSE the stream with the reason and close the socket."""
        log.debug("session %s: stream %d: %s", self.session_id, s.id, reason)
        self._close_stream(s, reason, reason)

    def _drop(self, s: _Stream, outcome: str) -> None:
        """Forget the stream and close its socket at once (abort: a reset must not wait for buffered bytes)."""
        if s.gone:
            return
        s.gone = True
        self._streams.pop(s.id, None)
        if s.writer is not None:
            s.writer.transport.abort()
        s.inbound_ready.set()
        s.credit_changed.set()
        current = asyncio.current_task()
        for task in s.tasks:
            if task is not current:
                task.cancel()
        r = s.record
        r.closed_at, r.outcome = time.time(), outcome
        self.records.append(r)
        log.debug(
            "session %s: stream %d to %s %s after %.1f s: %d bytes to, %d bytes from the target",
            self.session_id,
            s.id,
            r.target,
            outcome,
            r.closed_at - r.opened_at,
            r.bytes_to_target,
            r.bytes_from_target,
        )

    async def _close_all(self, outcome: str) -> None:
        streams = list(self._streams.values())
        tasks = [t for s in streams for t in s.tasks]
        for s in streams:
            self._drop(s, outcome)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

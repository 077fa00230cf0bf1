"""The agent's side of a session served by the Cloud Assistant agent: an `Endpoint` that translates its back-end
frames (tether/protocol/axt/agent.py) to tether's frames and back, and keeps tether's flow-control promises toward
the client (docs/protocol.md sections 1 and 3) that the agent itself knows nothing of.

- HELLO first, with our window; DATA to the client only within the credit the client granted. When a stream's
  credit is spent its agent socket is simply not read, so the agent blocks on TCP: nothing here buffers more than
  one window per stream (`tether.protocol.Channel` does the counting).
- The client's DATA is ACKed once written to the agent's socket. Until the agent can use input it is held, not
  written (and so not ACKed: the client's window bounds what waits): the agent starts its PTY or TCP connection
  about a second after its socket is up and drops what arrives before (START_DELAY).
- Shell: Output -> DATA stream 0, RESIZE -> Resize JSON, DATA -> Input. The agent reports no exit status: the
  session ends with what it reported on `session/status` (`Success/Ok`, `Failed/Open_pty_failed`, ...) or with
  `agent_closed` when its socket drops; EXIT is never invented.
- Port forward: the agent carries one TCP connection per channel, so every OPEN n becomes its own channel
  `{session_id}-{n}` (kick, session/list entry, back-end socket): OPEN_OK START_DELAY after that socket is up (the
  agent dials its target only then, and its only way to say the target refused is to report Failed and drop the
  socket), OPEN_FAIL when the socket is not up in OPEN_TIMEOUT or drops before. Data the client sends behind OPEN
  waits here meanwhile, so tether's client pays no round trip for it. At most MAX_STREAMS at once. The agent has
  no half-close (it ignores message type 3, and a target that closes is invisible to its server): a client EOF
  is passed on as type 3 and the stream is closed once the agent has been quiet for EOF_QUIET; a dropped agent
  socket is EOF then CLOSE for the client.
- The agent enforces no idle timeout or maximum duration for its server: this endpoint does (IDLE, max_duration),
  and it keeps the agent's own inactivity limit (it ends a channel after 180 s without a frame from the server)
  from ending an idle shell by sending an empty Input every KEEPALIVE seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tether.protocol import (
    DEFAULT_WINDOW,
    MAX_DATA,
    Ack,
    Channel,
    Close,
    CloseCode,
    Data,
    Eof,
    Frame,
    Hello,
    Open,
    ProtocolError,
    Resize,
    SessionKind,
    Side,
)
from tether.protocol.axt import MessageType
from tether.protocol.axt import agent as axt
from tether.server.assist.channels import AgentChannel, ChannelTable
from tether.server.relay.endpoint import EndpointClosed

log = logging.getLogger(__name__)

MAX_STREAMS = 32  # agent channels (TCP connections) one port-forward session may hold at once
OPEN_TIMEOUT = 20.0  # seconds from OPEN until the agent's back-end socket must be up
START_DELAY = 1.5  # the agent starts its PTY / TCP connection 1 s after its socket is up, dropping earlier input
EOF_QUIET = 2.0  # after the client's EOF, a stream closes once the agent has sent nothing for this long
STATUS_GRACE = 5.0  # after the agent's status report, how long its socket may stay open
STOP_GRACE = 3.0  # after `kick_vm session stop`, how long the agent may take to drop the socket itself
KEEPALIVE = 60.0  # the agent gives up on a channel after 180 s without a frame from the server
TICK = 1.0  # how often the limits are checked
# The agent paces what it sends to 200 kbit/s (2 KiB per 80 ms for forwards, 1 KiB per 40 ms for shells) unless
# the entry's flowLimit (bit/s) says otherwise; its pause is 1000 / (flowLimit / 8 / chunk) ms in integer
# arithmetic, so any limit of 16.4 Mbit/s or more is no pause at all (and one under 16 Kbit/s would divide by
# zero). Tether's credit already bounds what it sends: ask for no pacing.
FLOW_LIMIT = 1_000_000_000
WRITE_CHUNK = 16 * 1024  # Input frames to the agent carry at most this much


Kick = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True)
class BridgeSpec:
    """What the session is (from OpenSession) and the agent's limits the server must enforce."""

    session_id: str
    instance_id: str
    kind: SessionKind
    username: str  # "" for the agent's default user (it creates ecs-assist-user)
    command: str
    target_host: str = ""
    target_port: int = 0
    idle_timeout: float = 0.0  # 0: none
    max_duration: float = 0.0
    connect_timeout: float = 30.0
    window: int = DEFAULT_WINDOW


@dataclass(eq=False)
class Leg:
    """One agent channel carrying one stream."""

    stream: int
    channel: AgentChannel
    opened_at: float
    ready: bool = False  # START_DELAY after the socket: input reaches the agent
    sequence: int = 0
    held: deque[bytes] = field(default_factory=deque)  # client DATA not yet written to the agent
    flushing: bool = False
    report_timer: bool = False
    accepted: bool = False  # OPEN_OK sent
    eof_sent: bool = False  # the client's EOF passed on (as type 3)
    client_eof: bool = False
    agent_done: bool = False  # the agent's socket is gone
    last_output: float = 0.0
    last_sent: float = 0.0
    credit: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def ws(self) -> web.WebSocketResponse | None:
        return self.channel.ws


class AssistBridge:
    """The AGENT side of one session on the relay."""

    def __init__(self, spec: BridgeSpec, table: ChannelTable, kick: Kick) -> None:
        self.side = Side.AGENT
        self.spec = spec
        self._table = table
        self._kick = kick
        self._channel = Channel(spec.window)
        self._out: deque[bytes] = deque([self._channel.hello()])
        self._wake = asyncio.Event()
        self._end: EndpointClosed | None = None
        self._closed = False
        self._legs: dict[int, Leg] = {}
        self._size: tuple[int, int] | None = None
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._started = loop.time()
        self._activity = self._started
        self._tasks: set[asyncio.Task[Any]] = set()
        self._spawn(self._limits())
        self.send: Callable[[bytes], Awaitable[None]] = self._send

    # -- the Endpoint surface --------------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    async def receive(self) -> bytes:
        while True:
            if self._out:
                return self._out.popleft()
            if self._end is not None:
                raise self._end
            self._wake.clear()
            await self._wake.wait()

    async def close(self, code: int, reason: bytes) -> None:
        if self._closed:
            return
        self._closed = True
        self._finish(EndpointClosed("closed", code, reason.decode("utf-8", "replace")))
        legs = list(self._legs.values())
        self._legs.clear()
        await asyncio.gather(*(self._drop_leg(leg, "session ended") for leg in legs), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()

    # -- starting --------------------------------------------------------------------------------------------------

    async def start(self) -> bool:
        """A shell's one channel is kicked at once; a forward's channels come with the client's OPENs."""
        if self.spec.kind is SessionKind.SHELL:
            leg = self._new_leg(0, self.spec.session_id, {"portNumber": "", "targetHost": ""})
            return await self._kick_leg(leg)
        return True

    def _entry(self, channel_id: str, extra: dict[str, str]) -> dict[str, Any]:
        return {
            "channelId": channel_id,
            "cmdContent": self.spec.command,
            "username": self.spec.username,
            "windowsPasswordName": "",
            "flowLimit": FLOW_LIMIT,
            **extra,
        }

    def _new_leg(self, stream: int, channel_id: str, extra: dict[str, str]) -> Leg:
        channel = AgentChannel(channel_id, self.spec.instance_id, self.spec.session_id, self._entry(channel_id, extra))
        self._table.add(channel)
        leg = Leg(stream, channel, opened_at=self._loop.time())
        self._legs[stream] = leg
        leg.task = self._spawn(self._run_leg(leg))
        return leg

    async def _kick_leg(self, leg: Leg) -> bool:
        return await self._kick(f"kick_vm session start {leg.channel.channel_id}")

    # -- agent -> client -------------------------------------------------------------------------------------------

    async def _run_leg(self, leg: Leg) -> None:
        timeout = self.spec.connect_timeout if leg.stream == 0 else OPEN_TIMEOUT
        channel = leg.channel
        reason = "agent_closed"
        try:
            attached = asyncio.ensure_future(channel.attached.wait())
            reported = asyncio.ensure_future(channel.reported.wait())
            try:
                await asyncio.wait([attached, reported], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                attached.cancel()
                reported.cancel()
            if channel.ws is None:
                self._leg_failed(leg, channel.outcome or "agent_did_not_connect")
                return
            self._leg_up(leg)
            reason = await self._pump(leg, channel.ws)
        except ProtocolError as exc:
            log.warning("session %s: the agent broke its protocol: %s", self.spec.session_id, exc)
            reason = f"protocol_error: {exc.code}"
        except (ConnectionError, RuntimeError) as exc:
            log.info("session %s: agent channel %s failed: %s", self.spec.session_id, channel.channel_id, exc)
        finally:
            leg.agent_done = True
        self._leg_ended(leg, reason)

    def _leg_up(self, leg: Leg) -> None:
        leg.last_sent = self._loop.time()
        self._loop.call_later(START_DELAY, self._ready, leg)

    def _ready(self, leg: Leg) -> None:
        """START_DELAY after the socket: the agent has dialled its target (a failure would have dropped the socket
        by now, reported Failed), so the stream is OPEN_OK, and held input goes out."""
        if self._closed or leg.agent_done:
            return
        leg.ready = True
        if leg.stream == 0 and self._size is not None:  # the agent drops a resize sent before its PTY, too
            self._spawn(self._write(leg, MessageType.RESIZE, axt.resize_payload(*self._size)))
        if leg.stream != 0 and self._channel.stream_known(leg.stream):
            leg.accepted = True
            self._emit(self._channel.accept_stream(leg.stream))
        self._start_flush(leg)

    async def _pump(self, leg: Leg, ws: web.WebSocketResponse) -> str:
        """Forward the agent's Output within the client's credit; returns why the socket ended."""
        stream = leg.stream
        while not self._closed:
            if self._channel.credit(stream) <= 0:
                leg.credit.clear()
                await leg.credit.wait()
                continue
            try:
                msg = await ws.receive(timeout=TICK)
            except TimeoutError:
                if self._quiet_after_eof(leg):
                    return "eof"
                continue
            if msg.type is WSMsgType.BINARY:
                frame = axt.decode(msg.data)
                if frame.type == MessageType.OUTPUT and frame.payload:
                    await self._deliver(leg, frame.payload)
                continue
            if msg.type is WSMsgType.TEXT:
                continue  # the agent sends none; nothing to act on
            break
        if leg.channel.status is None:
            with contextlib.suppress(TimeoutError):  # its report is usually in before the socket drops
                await asyncio.wait_for(leg.channel.reported.wait(), 0.5)
        return leg.channel.outcome or "agent_closed"

    async def _deliver(self, leg: Leg, payload: bytes) -> None:
        """Hand `payload` to the client as DATA, waiting for credit as it is spent."""
        view = memoryview(payload)
        now = self._loop.time()
        self._activity = leg.last_output = now
        while view and not self._closed:
            credit = self._channel.credit(leg.stream)
            if credit <= 0:
                if not self._channel.stream_known(leg.stream):
                    return  # the client closed the stream meanwhile
                leg.credit.clear()
                await leg.credit.wait()
                continue
            n = min(credit, len(view), MAX_DATA)
            for frame in self._channel.send_data(bytes(view[:n]), leg.stream):
                self._emit(frame)
            view = view[n:]

    def _quiet_after_eof(self, leg: Leg) -> bool:
        return leg.client_eof and not leg.held and self._loop.time() - max(leg.last_output, leg.opened_at) >= EOF_QUIET

    # -- client -> agent -------------------------------------------------------------------------------------------

    async def _send(self, message: bytes) -> None:
        if self._closed:
            raise ConnectionError("the agent side is closed")
        try:
            frame = self._channel.receive(message)
        except ProtocolError as exc:
            self._finish(EndpointClosed(f"protocol_error: {exc.code}", CloseCode.PROTOCOL_ERROR, f"client {exc}"))
            return
        try:
            await self._handle(frame)
        except (ConnectionError, RuntimeError) as exc:
            # an agent socket is going: its pump ends the stream (or the shell session) with the agent's reason
            log.info("session %s: could not write to the agent: %s", self.spec.session_id, exc)

    async def _handle(self, frame: Frame) -> None:
        match frame:
            case Data(stream, data):
                await self._client_data(stream, data)
            case Ack(stream, _):
                leg = self._legs.get(stream)
                if leg is not None:
                    leg.credit.set()
            case Hello():
                for leg in self._legs.values():
                    leg.credit.set()
            case Resize(cols, rows):
                self._size = (cols, rows)
                leg = self._legs.get(0)
                if leg is not None and leg.ready and self.spec.kind is SessionKind.SHELL:
                    await self._write(leg, MessageType.RESIZE, axt.resize_payload(cols, rows))
            case Open(stream, target):
                await self._client_open(stream, target)
            case Eof(stream):
                leg = self._legs.get(stream)
                if leg is not None and stream != 0:
                    leg.client_eof = True
                    self._start_flush(leg)  # type 3 after the last input: the agent ignores it; said anyway
            case Close(stream, _):
                leg = self._legs.pop(stream, None)
                if leg is not None:
                    await self._drop_leg(leg, "closed by the client")
            case _:
                pass  # the client sends nothing else the agent could use

    async def _client_data(self, stream: int, data: bytes) -> None:
        self._activity = self._loop.time()
        leg = self._legs.get(stream)
        if leg is None or leg.agent_done:
            # the stream's agent socket is gone (or was never ours): the bytes cannot be delivered
            if stream != 0 and self._channel.stream_known(stream):
                self._emit(self._channel.close_stream(stream, "the agent closed this connection"))
            return
        # Queued, never written here: the relay's client loop must not wait for one slow agent socket while other
        # streams' frames (and ACKs) queue behind it. Bounded: the client may not send beyond its window
        # unacknowledged, and it is acknowledged only once written to the agent's socket.
        leg.held.append(data)
        self._start_flush(leg)

    async def _write_data(self, leg: Leg, data: bytes) -> None:
        for i in range(0, len(data), WRITE_CHUNK):
            await self._write(leg, MessageType.INPUT, data[i : i + WRITE_CHUNK])
        ack = self._channel.consumed(len(data), leg.stream)
        if ack is not None:
            self._emit(ack)

    def _start_flush(self, leg: Leg) -> None:
        ready = leg.ready
        pending = leg.held or (leg.client_eof and not leg.eof_sent)
        if ready and pending and not leg.flushing and not self._closed:
            leg.flushing = True
            self._spawn(self._flush(leg))

    async def _flush(self, leg: Leg) -> None:
        try:
            while leg.held and not self._closed and not leg.agent_done:
                await self._write_data(leg, leg.held[0])
                leg.held.popleft()
            if leg.client_eof and not leg.eof_sent and not leg.agent_done:
                leg.eof_sent = True
                await self._write(leg, MessageType.CLOSE, b"1")
        except (ConnectionError, RuntimeError) as exc:
            log.info("session %s: could not write to the agent: %s", self.spec.session_id, exc)
        finally:
            leg.flushing = False

    async def _write(self, leg: Leg, mtype: MessageType, payload: bytes) -> None:
        ws = leg.ws
        if ws is None or ws.closed:
            raise ConnectionError("the agent's channel is closed")
        async with leg.write_lock:
            frame = axt.encode(mtype, leg.channel.channel_id, leg.sequence, payload)
            leg.sequence += 1
            leg.last_sent = self._loop.time()
            await ws.send_bytes(frame)

    async def _client_open(self, stream: int, target: str) -> None:
        spec = self.spec
        if spec.kind is not SessionKind.PORT_FORWARD:
            self._emit(self._channel.reject_stream(stream, "this session carries no port forwards"))
            return
        if target != f"{spec.target_host}:{spec.target_port}":
            self._emit(
                self._channel.reject_stream(stream, f"this session forwards to {spec.target_host}:{spec.target_port}")
            )
            return
        if len(self._legs) >= MAX_STREAMS:
            self._emit(self._channel.reject_stream(stream, f"at most {MAX_STREAMS} connections at once"))
            return
        channel_id = f"{spec.session_id}-{stream}"
        if len(channel_id) > axt.CHANNEL_ID_SIZE:
            self._emit(self._channel.reject_stream(stream, "too many connections in this session"))
            return
        leg = self._new_leg(stream, channel_id, {"portNumber": str(spec.target_port), "targetHost": spec.target_host})
        if not await self._kick_leg(leg):
            self._legs.pop(stream, None)
            await self._drop_leg(leg, "the agent is not connected")
            if self._channel.stream_known(stream):
                self._emit(self._channel.reject_stream(stream, "the agent is not connected"))

    # -- ends ------------------------------------------------------------------------------------------------------

    def _leg_failed(self, leg: Leg, reason: str) -> None:
        """The agent never connected this channel."""
        if leg.stream == 0:
            self._finish(
                EndpointClosed(reason, CloseCode.TRY_AGAIN_LATER, f"the agent did not start the session ({reason})")
            )
        elif self._legs.get(leg.stream) is leg:
            del self._legs[leg.stream]
            if self._channel.stream_known(leg.stream):
                self._emit(self._channel.reject_stream(leg.stream, f"the agent did not connect: {reason}"))
        self._spawn(self._drop_leg(leg, reason))

    def _leg_ended(self, leg: Leg, reason: str) -> None:
        """The agent's socket of this channel is gone (or the stream went quiet after the client's EOF)."""
        if self._closed:
            return
        if leg.stream == 0:
            if leg.ws is not None:
                self._finish(EndpointClosed(reason, CloseCode.OK, f"the agent ended the session: {reason}"))
            return
        if self._legs.get(leg.stream) is leg:
            del self._legs[leg.stream]
            if not self._channel.stream_known(leg.stream):
                pass
            elif not leg.accepted:
                self._emit(self._channel.reject_stream(leg.stream, f"the agent could not connect: {reason}"))
            else:
                self._emit(self._channel.send_eof(leg.stream))
                self._emit(self._channel.close_stream(leg.stream, reason))
        self._spawn(self._drop_leg(leg, reason))

    async def _drop_leg(self, leg: Leg, why: str) -> None:
        """Stop the agent's channel (a kick if it may still run) and let go of its socket."""
        channel = leg.channel
        self._table.remove(channel)
        ws = channel.ws
        if channel.status is None:
            with contextlib.suppress(Exception):
                stopped = await self._kick(f"kick_vm session stop {channel.channel_id}")
                if stopped and ws is not None and not ws.closed:
                    # the agent stops the channel, reports and drops the socket itself; closing it first would
                    # make it redial the channel (its reader retries a broken socket) until it gives up
                    await asyncio.wait_for(channel.reported.wait(), STOP_GRACE)
        if ws is not None and not ws.closed:
            with contextlib.suppress(Exception):
                await ws.close(code=CloseCode.OK, message=why.encode()[:120])
        channel.released.set()
        if leg.task is not None and leg.task is not asyncio.current_task():
            leg.task.cancel()

    def _finish(self, end: EndpointClosed) -> None:
        if self._end is None:
            self._end = end
        self._wake.set()

    def _emit(self, frame: bytes) -> None:
        self._out.append(frame)
        self._wake.set()

    async def stop_agent(self) -> None:
        """Kick every channel of the session off the agent (TerminateSession); the sockets close with the relay."""
        for leg in list(self._legs.values()):
            if leg.channel.status is None:
                await self._kick(f"kick_vm session stop {leg.channel.channel_id}")

    # -- limits ----------------------------------------------------------------------------------------------------

    async def _limits(self) -> None:
        spec = self.spec
        while not self._closed:
            await asyncio.sleep(TICK)
            now = self._loop.time()
            if spec.max_duration and now - self._started >= spec.max_duration:
                self._finish(
                    EndpointClosed(
                        "max_duration",
                        CloseCode.OK,
                        f"the session reached its maximum duration ({spec.max_duration:g} s)",
                    )
                )
                return
            if spec.idle_timeout and now - self._activity >= spec.idle_timeout:
                self._finish(
                    EndpointClosed("idle_timeout", CloseCode.OK, f"the session was idle for {spec.idle_timeout:g} s")
                )
                return
            for leg in list(self._legs.values()):
                if leg.ws is not None and not leg.agent_done and now - leg.last_sent >= KEEPALIVE:
                    leg.last_sent = now
                    self._spawn(self._keepalive(leg))
                if leg.channel.status is not None and not leg.report_timer and leg.ws is not None:
                    leg.report_timer = True
                    self._spawn(self._close_after_report(leg))

    async def _keepalive(self, leg: Leg) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._write(leg, MessageType.INPUT, b"")

    async def _close_after_report(self, leg: Leg) -> None:
        await asyncio.sleep(STATUS_GRACE)
        ws = leg.ws
        if ws is not None and not ws.closed:
            await ws.close(code=CloseCode.OK, message=b"status reported")

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        async def run() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("session %s: assist bridge task failed", self.spec.session_id)

        task = self._loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

"""The relay: pairs the agent's and the client's data channel of a session and forwards frames unchanged.

Each side's handler reads its own socket and awaits `peer.send_bytes` before reading the next message, so the
only buffering is aiohttp's bounded reader and writer and back-pressure is TCP's: a flooding sender simply stops
being read. Every frame passes `FlowMonitor.check` first (header parse plus arithmetic); a protocol violation ends
this session only. The relay also owns the session's end: it records the state, reason and EXIT status, then
closes both sockets, so whichever side goes first, the other is told. Shell sessions are recorded on the way
(tether/recording): the hot path only hands output, input and resizes to the recorder's memory buffer.
Port-forward sessions get one record per stream (tether/recording/streams.py), and every session its DATA byte
counts both ways, written with its end.

The account's recording policy is read once per session when it pairs. With RecordingRequired, a recording that
cannot start ends the session before either side forwards DATA, and one that stops (disk error, size cap) ends it
before the frame that was not recorded is forwarded; the client is told why in an ERROR frame, which the CLI
prints. Without it, the session goes on and a `RecordingFailed` audit event says from when output is missing.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.http_websocket import WebSocketError

from tether.protocol import (
    MAX_MESSAGE,
    Close,
    Error,
    Exit,
    FlowMonitor,
    FrameType,
    Hello,
    Open,
    OpenFail,
    ProtocolError,
    decode,
    encode,
)
from tether.protocol.control import TerminateSession
from tether.recording.recorder import Recorder, RecordingPolicy
from tether.recording.streams import StreamLog
from tether.server.agents import close_reason
from tether.server.audit import SESSION_END, SESSION_START, end_detail, session_event
from tether.server.crossnode import tell_agent
from tether.server.state import ServerState, utcnow
from tether.store import ForwardStreamRepo, SessionState

log = logging.getLogger(__name__)

AGENT_CLOSE_GRACE = 5.0  # seconds an agent may take to close a data channel after reporting its end

CLOSE_WAIT = 6.0  # how long shutdown waits for close handshakes (aiohttp gives up after 5 s itself)

AGENT = "agent"
CLIENT = "client"

CLOSE_ENDED = 4001  # EndTerminalSession: distinct from 1000 so a reconnecting client (portforward) stops

SHELL = "shell"
PORT_FORWARD = "port_forward"
_STREAM0 = b"\x00\x00\x00\x00"  # the stream field of a frame on stream 0 (the shell's terminal)
_RESIZE = struct.Struct(">HH")  # RESIZE payload; the frame was already validated by FlowMonitor.check
_STREAM = struct.Struct(">I")  # the stream field of a frame header
_HEADER = 5

RECORDING_FAILED = "RecordingFailed"  # audit event: output of this session from some time on is not recorded
RECORDING_SKIPPED = "RecordingSkipped"  # audit event: RecordSessions is off, this session is not recorded
RECORDING_ERROR_CODE = "RecordingRequired"  # ERROR frame code when a session ends for want of its recording


def _other(side: str) -> str:
    return CLIENT if side == AGENT else AGENT


@dataclass(frozen=True)
class Outcome:
    """How one side's forwarding loop ended, i.e. how the session should end (None: it already has)."""

    reason: str | None
    code: int = WSCloseCode.OK
    message: str = ""
    error: str | None = None  # shown to the client in an ERROR frame before the close


class RelaySession:
    """The in-memory half of a session on the node that accepted StartTerminalSession."""

    def __init__(
        self,
        session_id: str,
        instance_id: str,
        principal: str = "",
        client_ip: str = "",
        *,
        kind: str = SHELL,
        login_user: str = "",
        command: str | None = None,
    ) -> None:
        self.session_id = session_id
        self.instance_id = instance_id
        self.kind = kind  # only shell sessions are recorded
        self.login_user = login_user  # for the recording's title
        self.command = command
        self.recorder: Recorder | None = None  # set while a shell session is paired and recorded
        self.streams: StreamLog | None = None  # set while a port-forward session is paired and recorded
        self.policy = RecordingPolicy()  # read when the session pairs
        self.bytes_from_client = 0  # DATA payload bytes forwarded, every stream
        self.bytes_to_client = 0
        self.client_has_hello = False  # the agent's HELLO went to the client (an ERROR may follow it)
        self.size: tuple[int, int] | None = None  # the client's last RESIZE, even one sent before the recording began
        self.principal = principal  # for the audit trail's session start and end events
        self.client_ip = client_ip
        self.sockets: dict[str, web.WebSocketResponse | None] = {AGENT: None, CLIENT: None}
        self.monitor = FlowMonitor()
        self.settled = asyncio.Event()  # set when both sides are attached or the session has ended
        self.ended = False
        self.exit_status: int | None = None
        self.agent_reason: str | None = None  # from the agent's session_ended report
        self.timers: list[asyncio.TimerHandle] = []
        self.closing: dict[str, asyncio.Task[None]] = {}
        self.closes_started = asyncio.Event()  # `end` has started closing the sockets (with its code and reason)

    @property
    def paired(self) -> bool:
        return self.sockets[AGENT] is not None and self.sockets[CLIENT] is not None

    async def wait_peer(self, side: str) -> web.WebSocketResponse | None:
        """The other side's socket once it is attached; None if the session ends first."""
        while not self.ended:
            peer = self.sockets[_other(side)]
            if peer is not None:
                return peer
            await self.settled.wait()
        return None


class Relay:
    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._streams_repo = ForwardStreamRepo(state.db)
        self._sessions: dict[str, RelaySession] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> RelaySession | None:
        return self._sessions.get(session_id)

    def prepare(
        self,
        session_id: str,
        instance_id: str,
        *,
        principal: str = "",
        client_ip: str = "",
        kind: str = SHELL,
        login_user: str = "",
        command: str | None = None,
    ) -> RelaySession:
        """Expect the two data channels of a new session; start its connect deadlines."""
        rs = RelaySession(
            session_id, instance_id, principal, client_ip, kind=kind, login_user=login_user, command=command
        )
        loop = asyncio.get_running_loop()
        config = self._state.config
        rs.timers.append(loop.call_later(config.client_token_ttl, self._spawn, self._expire, rs))
        rs.timers.append(loop.call_later(config.agent_connect_timeout, self._spawn, self._agent_timeout, rs))
        self._sessions[session_id] = rs
        self._idle.clear()
        return rs

    def _spawn(self, fn: Callable[[RelaySession], Awaitable[None]], rs: RelaySession) -> None:
        async def run() -> None:
            await fn(rs)

        self._track(run())

    def _track(self, coro: Coroutine[Any, Any, object]) -> asyncio.Task[None]:
        async def run() -> None:
            try:
                await coro
            except Exception:
                log.exception("relay background task failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _expire(self, rs: RelaySession) -> None:
        if rs.sockets[CLIENT] is None:
            await self.end(
                rs,
                SessionState.EXPIRED,
                "client_did_not_connect",
                code=WSCloseCode.POLICY_VIOLATION,
                message="no client connected within the token lifetime",
            )

    async def _agent_timeout(self, rs: RelaySession) -> None:
        if rs.sockets[AGENT] is None:
            await self.end(
                rs,
                SessionState.TERMINATED,
                "agent_did_not_connect",
                code=WSCloseCode.TRY_AGAIN_LATER,
                message="the agent did not connect the session in time",
            )

    async def serve(self, rs: RelaySession, side: str, ws: web.WebSocketResponse) -> None:
        """Attach one side's socket and forward its messages until the session ends."""
        if rs.ended or rs.sockets[side] is not None:
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"the session is not waiting for this side")
            return
        rs.sockets[side] = ws
        if rs.paired:
            for timer in rs.timers:
                timer.cancel()
            await self._state.sessions.mark_connected(rs.session_id, utcnow())
            log.info("session %s connected", rs.session_id)
            lost = await self._start_recording(rs)
            rs.settled.set()
            await self._audit(rs, SESSION_START)
            if not rs.policy.record:
                await self._audit(rs, RECORDING_SKIPPED, "not recorded: RecordSessions is off for this account")
            if lost is not None:
                await self.end(
                    rs,
                    SessionState.TERMINATED,
                    lost.reason or "recording_failed",
                    code=lost.code,
                    message=lost.message,
                    error=lost.error,
                )
        try:
            outcome = await self._forward(rs, side, ws)
        except Exception:
            log.exception("relay failure in session %s", rs.session_id)
            outcome = Outcome("relay_error", WSCloseCode.INTERNAL_ERROR, "internal relay error")
        if outcome.reason is not None:
            await self.end(
                rs,
                SessionState.TERMINATED,
                outcome.reason,
                code=outcome.code,
                message=outcome.message,
                error=outcome.error,
            )
        if rs.ended and not rs.closes_started.is_set():
            # `end` is still writing the session's row: its close (code, reason, ERROR frame) must be the one sent
            await rs.closes_started.wait()
        closing = rs.closing.get(side)
        if closing is not None:
            await asyncio.wait([closing])
        elif not ws.closed:
            await ws.close()

    async def _start_recording(self, rs: RelaySession) -> Outcome | None:
        """Before either side forwards DATA (that needs both HELLOs, and the second side's loop starts after
        this), so the recording misses nothing. Returns how the session must end if recording is required and
        could not start; otherwise a failure here leaves the session unrecorded (and audited), not refused."""
        recordings = self._state.recordings
        try:
            rs.policy = await recordings.policy()
        except Exception:
            log.exception("session %s: could not read the recording settings; the defaults apply", rs.session_id)
        if not rs.policy.record or rs.ended:  # ended while the settings were read: `end` has nothing to close
            return None
        if rs.kind == PORT_FORWARD:

            async def streams_failed(reason: str) -> None:
                await self._recording_failed(rs, reason, None)

            rs.streams = StreamLog(rs.session_id, self._streams_repo, on_failure=streams_failed)
            return None
        if rs.kind != SHELL:
            return None

        async def failed(reason: str, since: float) -> None:
            await self._recording_failed(rs, reason, since)

        try:
            recorder = await recordings.begin(
                rs.session_id,
                instance_id=rs.instance_id,
                login_user=rs.login_user,
                command=rs.command,
                policy=rs.policy,
                on_failure=failed,
            )
        except Exception as exc:
            log.exception("session %s: could not start its recording", rs.session_id)
            if rs.policy.required:
                return self._lost(f"the recording could not start ({exc})")
            await self._audit(rs, RECORDING_FAILED, f"not recorded: the recording could not start: {exc}")
            return None
        if rs.ended:  # ended while the row was being created: `end` found no recorder to seal
            await recordings.finish(recorder, rs.exit_status)
            return None
        if rs.size is not None:  # the client's RESIZE may have crossed before the recorder existed
            recorder.resize(*rs.size)
        rs.recorder = recorder
        if recorder.failure is not None and rs.policy.required:
            return self._stopped(recorder)
        return None

    @staticmethod
    def _lost(what: str) -> Outcome:
        """How a session ends when its recording is required and is gone: the client sees `error` (the CLI
        prints it as "tether: ..."); 1008 (policy) with a short reason for clients that show only the close."""
        return Outcome(
            "recording_failed",
            WSCloseCode.POLICY_VIOLATION,
            "recording failed and this account requires recording",
            f"session ended: {what} and this account requires recording",
        )

    def _stopped(self, recorder: Recorder) -> Outcome:
        if recorder.failure is not None:
            return self._lost(f"the recording disk failed ({recorder.failure})")
        return Outcome(
            "recording_limit",
            WSCloseCode.POLICY_VIOLATION,
            "the recording size limit was reached and this account requires recording",
            f"session ended: its recording reached the size limit of {recorder.max_bytes} bytes "
            "and this account requires recording",
        )

    async def _recording_failed(self, rs: RelaySession, reason: str, since: float | None) -> None:
        """Called by the recorder's flush task (or the stream log's writer) once, when recording stopped."""
        when = f"from {since:.3f} s on" if since is not None else "from now on"
        ended = "; the session was ended (RecordingRequired)" if rs.policy.required else ""
        await self._audit(rs, RECORDING_FAILED, f"output {when} is not recorded: {reason}{ended}")
        if rs.policy.required:
            recorder = rs.recorder
            if recorder is not None:
                outcome = self._stopped(recorder)
            elif rs.streams is not None:
                outcome = self._lost(f"the stream records could not be written ({reason})")
            else:
                return  # the recording is still starting: `_start_recording` sees the failure and ends the session
            # in the background: `end` waits for the recorder's flush task, which is the caller
            self._track(
                self.end(
                    rs,
                    SessionState.TERMINATED,
                    outcome.reason or "recording_failed",
                    code=outcome.code,
                    message=outcome.message,
                    error=outcome.error,
                )
            )
            return

    async def _forward(self, rs: RelaySession, side: str, ws: web.WebSocketResponse) -> Outcome:
        peer: web.WebSocketResponse | None = None
        from_client = side == CLIENT
        while True:
            msg = await ws.receive()
            if msg.type is WSMsgType.BINARY:
                data: bytes = msg.data
                try:
                    ftype = rs.monitor.check(side, data)
                    if ftype == FrameType.EXIT and side == AGENT:
                        frame = decode(data)
                        if isinstance(frame, Exit):
                            rs.exit_status = frame.status
                except ProtocolError as exc:
                    log.warning("session %s: %s broke the protocol: %s", rs.session_id, side, exc)
                    return Outcome(f"protocol_error: {exc.code}", WSCloseCode.PROTOCOL_ERROR, f"{side} {exc}")
                is_data = ftype == FrameType.DATA
                recorder = rs.recorder
                if recorder is not None:
                    # in memory only; the recorder's own task writes to disk (tether/recording/recorder.py)
                    if is_data and data[1:5] == _STREAM0:
                        if not from_client:
                            recorder.output(data[5:])
                        elif recorder.record_input:
                            recorder.input(data[5:])
                        if recorder.congested:
                            await recorder.drained()
                        if recorder.required and not recorder.active:
                            return self._stopped(recorder)  # this frame is not in the recording: drop it
                    elif ftype == FrameType.RESIZE and from_client:
                        recorder.resize(*_RESIZE.unpack_from(data, 5))
                elif rs.streams is not None:
                    self._note_stream(rs.streams, from_client, ftype, data)
                if ftype == FrameType.RESIZE and from_client:
                    rs.size = _RESIZE.unpack_from(data, 5)
                if peer is None:
                    peer = await rs.wait_peer(side)
                    if peer is None:
                        return Outcome(None)
                if rs.ended:  # nothing passes once the session is over (e.g. its required recording failed)
                    return Outcome(None)
                if ftype == FrameType.HELLO and not from_client:
                    rs.client_has_hello = True  # set before the write: an ERROR frame may now follow it
                try:
                    await peer.send_bytes(data)
                except ConnectionError:
                    if from_client and await self._agent_loop_ends(rs):
                        return Outcome(None)
                    return Outcome(f"{_other(side)}_closed", WSCloseCode.OK, f"the {_other(side)} went away")
                if is_data:
                    if from_client:
                        rs.bytes_from_client += len(data) - _HEADER
                    else:
                        rs.bytes_to_client += len(data) - _HEADER
            elif msg.type is WSMsgType.TEXT:
                return Outcome(
                    "protocol_error: text-message",
                    WSCloseCode.UNSUPPORTED_DATA,
                    f"{side} sent a text message; data channels carry binary frames only",
                )
            elif msg.type is WSMsgType.ERROR:
                failure = msg.data
                if isinstance(failure, WebSocketError) and failure.code == WSCloseCode.MESSAGE_TOO_BIG:
                    return Outcome(
                        "protocol_error: message-too-large",
                        WSCloseCode.MESSAGE_TOO_BIG,
                        f"{side} sent a message over {MAX_MESSAGE} bytes",
                    )
                return Outcome(f"{side}_error", WSCloseCode.GOING_AWAY, f"the {side} connection failed")
            else:  # CLOSE, CLOSING, CLOSED
                if side == AGENT and rs.agent_reason is not None:
                    return Outcome(rs.agent_reason, WSCloseCode.OK, f"the session ended: {rs.agent_reason}")
                if side == AGENT and rs.exit_status is not None:
                    return Outcome("exit", WSCloseCode.OK, f"the shell exited with status {rs.exit_status}")
                return Outcome(f"{side}_closed", WSCloseCode.OK, f"the {side} closed the session")

    @staticmethod
    async def _agent_loop_ends(rs: RelaySession) -> bool:
        """The client's side found the agent's socket closing (an ACK could not be sent). The agent closes after
        its last output and EXIT, which the agent's side may still be reading and forwarding (more so while a
        recording slows it down): let that side end the session, with its EXIT, rather than cut it short here.
        False if it has not ended within AGENT_CLOSE_GRACE."""
        try:
            await asyncio.wait_for(rs.closes_started.wait(), AGENT_CLOSE_GRACE)
        except TimeoutError:
            return False
        return True

    @staticmethod
    def _note_stream(streams: StreamLog, from_client: bool, ftype: FrameType, data: bytes) -> None:
        """A port-forward frame for the stream records: counters for DATA, a decode only for the rare frames."""
        if ftype == FrameType.DATA:
            (stream,) = _STREAM.unpack_from(data, 1)
            if from_client:
                streams.to_target(stream, len(data) - _HEADER)
            else:
                streams.from_target(stream, len(data) - _HEADER)
        elif ftype in (FrameType.OPEN, FrameType.OPEN_FAIL, FrameType.CLOSE):
            frame = decode(data)
            if isinstance(frame, Open) and from_client:
                streams.opened(frame.stream, frame.target)
            elif isinstance(frame, OpenFail) and not from_client:
                streams.closed(frame.stream, f"open failed: {frame.reason or 'no reason given'}")
            elif isinstance(frame, Close) and frame.stream:
                streams.closed(frame.stream, f"{CLIENT if from_client else AGENT}: {frame.reason or 'closed'}")

    async def end(
        self,
        rs: RelaySession,
        state: SessionState,
        reason: str,
        *,
        code: int = WSCloseCode.OK,
        message: str = "",
        exit_status: int | None = None,
        agent_knows: bool = False,
        error: str | None = None,
    ) -> None:
        """End the session once: record it, tell the agent if it has no socket to lose, close both sockets.

        `error` is shown to the client: an ERROR frame goes before the close (after a HELLO of the relay's own if
        the agent's has not reached the client yet, since a client takes nothing before HELLO)."""
        if rs.ended:
            return
        rs.ended = True
        rs.settled.set()
        for timer in rs.timers:
            timer.cancel()
        self._sessions.pop(rs.session_id, None)
        if not self._sessions:
            self._idle.set()
        status = exit_status if exit_status is not None else rs.exit_status
        ended = False
        try:
            ended = await self._state.sessions.finish(
                rs.session_id,
                state=state,
                reason=reason,
                exit_status=status,
                now=utcnow(),
                bytes_from_client=rs.bytes_from_client,
                bytes_to_client=rs.bytes_to_client,
            )
        except Exception:
            log.exception("could not record the end of session %s", rs.session_id)
        if not agent_knows and rs.sockets[AGENT] is None:
            try:
                await tell_agent(self._state, rs.instance_id, TerminateSession(rs.session_id, reason))
            except Exception:
                log.exception("session %s: could not tell the agent to end it", rs.session_id)
        for side, ws in rs.sockets.items():
            if ws is not None and not ws.closed:
                # in the background: the close handshake waits for the peer, and the caller (an API request,
                # the other side's handler) must not wait for a slow or silent peer; each side's handler
                # awaits its own socket's close before it returns (see `serve`)
                frames: list[bytes] = []
                if side == CLIENT and error is not None:
                    if not rs.client_has_hello:
                        frames.append(encode(Hello()))
                    frames.append(encode(Error(RECORDING_ERROR_CODE, error[:1024])))
                rs.closing[side] = self._track(self._close(ws, frames, code, close_reason(message or reason)))
        rs.closes_started.set()
        streams, rs.streams = rs.streams, None
        if streams is not None:
            try:
                await streams.close(f"session ended: {reason}")
            except Exception:
                log.exception("session %s: could not write its stream records", rs.session_id)
        recorder, rs.recorder = rs.recorder, None
        if recorder is not None:
            try:
                await self._state.recordings.finish(recorder, status)
            except Exception:
                log.exception("session %s: could not seal its recording", rs.session_id)
        log.info("session %s %s: %s (exit status %s)", rs.session_id, state.value.lower(), reason, status)
        if ended:
            await self._audit(rs, SESSION_END, end_detail(reason, status))

    @staticmethod
    async def _close(ws: web.WebSocketResponse, frames: list[bytes], code: int, message: bytes) -> None:
        for frame in frames:
            try:
                await ws.send_bytes(frame)
            except (ConnectionError, RuntimeError):
                break
        await ws.close(code=code, message=message)

    async def _audit(self, rs: RelaySession, event: str, detail: str | None = None) -> None:
        await session_event(
            self._state,
            event,
            session_id=rs.session_id,
            instance_id=rs.instance_id,
            principal=rs.principal,
            client_ip=rs.client_ip,
            detail=detail,
        )

    def agent_reported_end(self, rs: RelaySession, reason: str, exit_status: int | None) -> None:
        """The agent said (on its control channel) that the session ended.

        With a data channel attached, its close ends the session after every frame was forwarded; ending it here
        could cut the client's last output, so this only notes the reason and bounds the wait for that close.
        """
        rs.agent_reason = reason
        if exit_status is not None and rs.exit_status is None:
            rs.exit_status = exit_status
        loop = asyncio.get_running_loop()
        rs.timers.append(loop.call_later(AGENT_CLOSE_GRACE, self._spawn, self._agent_report_timeout, rs))

    async def _agent_report_timeout(self, rs: RelaySession) -> None:
        await self.end(rs, SessionState.TERMINATED, rs.agent_reason or "ended", agent_knows=True)

    async def drain(self, wait: float) -> bool:
        """Wait up to `wait` seconds for running sessions to end; True if none is left."""
        try:
            await asyncio.wait_for(self._idle.wait(), wait)
        except TimeoutError:
            return False
        return True

    async def end_all(self, reason: str, code: int = WSCloseCode.GOING_AWAY) -> None:
        sessions = list(self._sessions.values())
        await asyncio.gather(
            *(self.end(rs, SessionState.TERMINATED, reason, code=code, message=reason) for rs in sessions),
            return_exceptions=True,
        )
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=CLOSE_WAIT)
        for task in list(self._tasks):
            task.cancel()

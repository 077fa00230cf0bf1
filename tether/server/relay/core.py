"""The relay: pairs the agent's and the client's side of a session and forwards frames unchanged.

Each side's loop reads its own endpoint and awaits the peer's `send` before reading the next frame, so the only
buffering is the endpoints' bounded readers and writers and back-pressure is TCP's: a flooding sender simply stops
being read. Every frame passes `FlowMonitor.check` first (header parse plus arithmetic); a protocol violation ends
this session only. A session's tap (tether/server/relay/taps.py) sees every frame on the way, to record it.
The relay owns the end of the sessions it holds: it records the state, reason and EXIT status, then closes both
sides, so whichever side goes first, the other is told. Sessions no relay holds are ended by the session life cycle
(tether/server/lifecycle.py).

A session's phases, and what each promises (they only move forward):

    phase    | entered when                              | invariants
    ---------+-------------------------------------------+------------------------------------------------------
    WAITING  | `prepare` (StartTerminalSession)          | at most one side attached; no frame crosses; the
             |                                           | client-token and agent-connect deadlines run
    PAIRED   | the second side attached and its tap (if  | both sides attached; deadlines cancelled; frames
             | any) is open                              | cross, each seen by the tap before it is forwarded
    ENDING   | `end`, from any phase, exactly once       | no frame crosses any more; the row is being ended; the
             |                                           | session is gone from the relay's table
    CLOSED   | `end` has started every side's close      | the close each side gets (code, reason, ERROR frame)
             |                                           | is the one `end` chose; the tap is being sealed

A side's loop that returns while the session is ENDING waits for CLOSED, so it never closes its socket with a code
of its own in the moment between the end being decided and the closes being sent.

A resumable shell session (tether/server/relay/resume.py) may, while PAIRED, have its client detached: the client's
WebSocket broke, the agent's loop waits (holding at most the one frame it read) for a new client attachment
(`reattach`) until the resume window passes, and then the session ends as `detached_timeout`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from enum import IntEnum
from typing import Any

from tether.protocol import (
    CloseCode,
    Error,
    Exit,
    FlowMonitor,
    FrameType,
    Hello,
    ProtocolError,
    SessionKind,
    Side,
    decode,
    encode,
    payload_size,
    resize_of,
)
from tether.protocol.control import TerminateSession
from tether.recording.recorder import RecordingPolicy, Recordings
from tether.server.agents import close_reason
from tether.server.audit import SESSION_START, AuditTrail, SessionParty
from tether.server.clock import utcnow
from tether.server.metrics import ServerMetrics
from tether.server.records import SessionRecords
from tether.server.relay.endpoint import Endpoint, EndpointClosed
from tether.server.relay.outcome import ALREADY_ENDED, Outcome
from tether.server.relay.resume import DEFAULT_RESUME_WINDOW, ResumeState, TakenOver
from tether.server.relay.taps import Tap, TapFailed, lost, open_tap
from tether.server.router import AgentRouter
from tether.store import ForwardStreamRepo, SessionRepo, SessionState

log = logging.getLogger(__name__)

AGENT_CLOSE_GRACE = 5.0  # seconds an agent may take to close a data channel after reporting its end
CLOSE_WAIT = 6.0  # how long shutdown waits for close handshakes (aiohttp gives up after 5 s itself)

RECORDING_FAILED = "RecordingFailed"  # audit event: output of this session from some time on is not recorded
RECORDING_SKIPPED = "RecordingSkipped"  # audit event: RecordSessions is off, this session is not recorded
RECORDING_ERROR_CODE = "RecordingRequired"  # ERROR frame code when a session ends for want of its recording
ENDED_MESSAGE = "the session was ended with EndTerminalSession"


class Phase(IntEnum):
    WAITING = 0
    PAIRED = 1
    ENDING = 2
    CLOSED = 3


class RelaySession:
    """The in-memory half of a session on the node that accepted StartTerminalSession."""

    def __init__(
        self,
        party: SessionParty,
        *,
        kind: SessionKind = SessionKind.SHELL,
        login_user: str = "",
        command: str | None = None,
    ) -> None:
        self.party = party
        self.kind = kind  # shell sessions are recorded as asciicast, port forwards as stream records
        self.login_user = login_user  # for the recording's title
        self.login_shell: str | None = None  # the agent's login shell (its data channel's upgrade), for the header
        self.command = command
        self.phase = Phase.WAITING
        self._moved = asyncio.Event()  # set (and replaced) at every phase change
        self.endpoints: dict[Side, Endpoint | None] = {Side.AGENT: None, Side.CLIENT: None}
        self.monitor = FlowMonitor()
        self.tap: Tap | None = None  # set while the session is PAIRED and recorded
        self.policy = RecordingPolicy()  # read when the session pairs
        self.bytes_from_client = 0  # DATA payload bytes forwarded, every stream
        self.bytes_to_client = 0
        self.client_has_hello = False  # the agent's HELLO went to the client (an ERROR may follow it)
        self.size: tuple[int, int] | None = None  # the client's last RESIZE, even one sent before the tap existed
        self.exit_status: int | None = None
        self.agent_reason: str | None = None  # from the agent's session_ended report
        self.timers: list[asyncio.TimerHandle] = []
        self.closing: dict[Side, asyncio.Task[None]] = {}
        self.resume: ResumeState | None = None  # set at pairing when both sides can resume (shell sessions)
        self.sides_resume: set[Side] = set()  # the sides whose handshake said they can resume
        self.agent_redials = False  # the agent's handshake said it also re-dials a broken data channel
        self.agent_hello: bytes | None = None

    @property
    def session_id(self) -> str:
        return self.party.session_id

    @property
    def instance_id(self) -> str:
        return self.party.instance_id

    @property
    def ended(self) -> bool:
        return self.phase >= Phase.ENDING

    def advance(self, phase: Phase) -> None:
        if phase <= self.phase:
            raise RuntimeError(f"session {self.session_id} cannot go from {self.phase.name} to {phase.name}")
        self.phase = phase
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def reached(self, phase: Phase) -> None:
        """Return once the session is in `phase` or a later one."""
        while self.phase < phase:
            await self._moved.wait()

    async def wait_peer(self, side: Side) -> Endpoint | None:
        """The other side once the session is PAIRED; None if it ends first."""
        await self.reached(Phase.PAIRED)
        return None if self.ended else self.endpoints[side.other]


class Relay:
    def __init__(
        self,
        *,
        sessions: SessionRepo,
        records: SessionRecords,
        recordings: Recordings,
        streams: ForwardStreamRepo,
        router: AgentRouter,
        audit: AuditTrail,
        client_token_ttl: float,
        agent_connect_timeout: float,
        metrics: ServerMetrics | None = None,
        resume_window: float = DEFAULT_RESUME_WINDOW,
    ) -> None:
        self.resume_window = resume_window
        self._sessions_repo = sessions
        self._records = records
        self._recordings = recordings
        self._streams_repo = streams
        self._router = router
        self._audit = audit
        self._client_token_ttl = client_token_ttl
        self._agent_connect_timeout = agent_connect_timeout
        self._metrics = metrics if metrics is not None else ServerMetrics()
        self._sessions: dict[str, RelaySession] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> RelaySession | None:
        return self._sessions.get(session_id)

    def states(self) -> list[tuple[str, str]]:
        """(kind, phase) of every session held, for the metrics scrape (`tether_sessions`)."""
        return [(rs.kind.value, rs.phase.name.lower()) for rs in self._sessions.values()]

    def prepare(
        self,
        party: SessionParty,
        *,
        kind: SessionKind = SessionKind.SHELL,
        login_user: str = "",
        command: str | None = None,
        client_ttl: float | None = None,
    ) -> RelaySession:
        """Expect the two sides of a new session; start its connect deadlines (`client_ttl` overrides the client
        token's lifetime, e.g. for port forwards)."""
        rs = RelaySession(party, kind=kind, login_user=login_user, command=command)
        loop = asyncio.get_running_loop()
        ttl = self._client_token_ttl if client_ttl is None else client_ttl
        rs.timers.append(loop.call_later(ttl, self._spawn, self._expire, rs))
        rs.timers.append(loop.call_later(self._agent_connect_timeout, self._spawn, self._agent_timeout, rs))
        self._sessions[rs.session_id] = rs
        self._idle.clear()
        self._metrics.session_started(rs.kind)
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
        if rs.endpoints[Side.CLIENT] is None:
            await self.end(
                rs,
                SessionState.EXPIRED,
                "client_did_not_connect",
                code=CloseCode.POLICY_VIOLATION,
                message="no client connected within the token lifetime",
            )

    async def _agent_timeout(self, rs: RelaySession) -> None:
        if rs.endpoints[Side.AGENT] is None:
            await self.end(
                rs,
                SessionState.TERMINATED,
                "agent_did_not_connect",
                code=CloseCode.TRY_AGAIN_LATER,
                message="the agent did not connect the session in time",
            )

    # -- pairing and forwarding --------------------------------------------------------------------------------

    async def serve(self, rs: RelaySession, endpoint: Endpoint) -> None:
        """Attach one side and forward its frames until the session ends."""
        side = endpoint.side
        if rs.ended or rs.endpoints[side] is not None:
            await endpoint.close(CloseCode.POLICY_VIOLATION, b"the session is not waiting for this side")
            return
        rs.endpoints[side] = endpoint
        if rs.endpoints[side.other] is not None:
            await self._pair(rs)
        await self._run_side(rs, endpoint)

    @staticmethod
    def can_resume(rs: RelaySession, side: Side, *, redials: bool = False) -> None:
        """The side attaching now said it can resume (an agent: and whether it re-dials). When both can (and it is
        a shell), the session outlives a broken connection; a side that predates resume never sees RESUME or
        TOKEN."""
        rs.sides_resume.add(side)
        if side is Side.AGENT:
            rs.agent_redials = redials

    async def reattach(self, rs: RelaySession, endpoint: Endpoint, *, takeover: bool = False) -> None:
        """A resuming side's new attachment (its token was checked): give it its next resume token, let the other
        side's loop forward to it, and forward its frames (its RESUME first) until the session ends. `takeover`:
        a new client with a channel of its own (it gets the agent's HELLO first; see resume.TakenOver)."""
        resume, side = rs.resume, endpoint.side
        if rs.ended or resume is None or rs.phase is not Phase.PAIRED or rs.endpoints[side] is not None:
            await endpoint.close(CloseCode.POLICY_VIOLATION, f"the session is not waiting for the {side}".encode())
            return
        if side is Side.CLIENT and (takeover or resume.translated):
            if takeover:
                try:
                    await endpoint.send(rs.agent_hello or encode(Hello()))
                except ConnectionError:
                    return
                resume.translated = True
            endpoint = TakenOver(endpoint, resume, rs.monitor.acked(Side.AGENT), fresh=takeover)
        try:
            await endpoint.send(resume.issue_token() if side is Side.CLIENT else resume.issue_agent_token())
        except ConnectionError:
            return  # gone again at once: the session stays detached
        rs.endpoints[side] = endpoint
        resume.attached[side].set()
        if resume.timer is not None and all(e is not None for e in rs.endpoints.values()):
            resume.timer.cancel()
            resume.timer = None
        log.info("session %s: %s reattached", rs.session_id, side)
        await self._run_side(rs, endpoint)

    def displace(self, rs: RelaySession, code: int, message: str) -> None:
        """Detach the client attached now (ResumeSession from another connection) and close it with `code`."""
        endpoint = rs.endpoints[Side.CLIENT]
        if endpoint is None or rs.resume is None:
            return
        self._detach(rs, endpoint)
        self._track(endpoint.close(code, close_reason(message)))

    def _detach(self, rs: RelaySession, endpoint: Endpoint) -> Outcome:
        """A side's connection broke: keep the session for the resume window (the session does not end)."""
        resume, side = rs.resume, endpoint.side
        assert resume is not None
        if rs.endpoints[side] is endpoint:
            rs.endpoints[side] = None
            resume.attached[side].clear()
            resume.detaches += 1
            if resume.timer is None:
                resume.timer = asyncio.get_running_loop().call_later(
                    resume.window, self._spawn, self._detached_timeout, rs
                )
                rs.timers.append(resume.timer)
            log.info("session %s: %s detached; kept %.0f s for it to resume", rs.session_id, side, resume.window)
        return ALREADY_ENDED

    async def _detached_timeout(self, rs: RelaySession) -> None:
        if any(endpoint is None for endpoint in rs.endpoints.values()):
            await self.end(
                rs,
                SessionState.TERMINATED,
                "detached_timeout",
                code=CloseCode.GOING_AWAY,
                message="the session was not resumed within the resume window",
            )

    async def _again(self, rs: RelaySession, side: Side) -> Endpoint | None:
        """A loop found `side` gone: that side's next attachment, or None once the session ends."""
        resume = rs.resume
        assert resume is not None
        while not rs.ended:
            endpoint = rs.endpoints[side]
            if endpoint is not None and not endpoint.closed:
                return endpoint
            attached = asyncio.ensure_future(resume.attached[side].wait())
            ending = asyncio.ensure_future(rs.reached(Phase.ENDING))
            try:
                await asyncio.wait({attached, ending}, return_when=asyncio.FIRST_COMPLETED, timeout=1.0)
            finally:
                attached.cancel()
                ending.cancel()
        return None

    async def _run_side(self, rs: RelaySession, endpoint: Endpoint) -> None:
        side = endpoint.side
        try:
            outcome = await self._forward(rs, endpoint)
        except Exception:
            log.exception("relay failure in session %s", rs.session_id)
            outcome = Outcome("relay_error", CloseCode.INTERNAL_ERROR, "internal relay error")
        if outcome.reason is not None:
            await self.end(
                rs,
                SessionState.TERMINATED,
                outcome.reason,
                code=outcome.code,
                message=outcome.message,
                error=outcome.error,
            )
        if rs.ended:
            await rs.reached(Phase.CLOSED)  # the close `end` chose (code, reason, ERROR frame) is the one sent
        closing = rs.closing.get(side)
        if closing is not None:
            await asyncio.wait([closing])
        elif not endpoint.closed:
            await endpoint.close(CloseCode.OK, b"")

    async def _pair(self, rs: RelaySession) -> None:
        """Both sides are attached: open the tap, then let frames cross (PAIRED). The first side's loop waits in
        `wait_peer` and the second side's loop has not started, so the tap misses nothing."""
        for timer in rs.timers:
            timer.cancel()
        if rs.kind is SessionKind.SHELL and len(rs.sides_resume) == 2:
            rs.resume = ResumeState(self.resume_window, agent_redials=rs.agent_redials)
        await self._sessions_repo.mark_connected(rs.session_id, utcnow())
        log.info("session %s connected", rs.session_id)
        stop = await self._open_tap(rs)
        if not rs.ended:
            rs.advance(Phase.PAIRED)
        started = f"login user {rs.login_user}" if rs.login_user else None  # every record names who really ran
        await self._audit.session_event(rs.party, SESSION_START, started)
        if not rs.policy.record:
            await self._audit.session_event(
                rs.party, RECORDING_SKIPPED, "not recorded: RecordSessions is off for this account"
            )
        if stop is not None:
            await self._end_with(rs, stop)

    async def _open_tap(self, rs: RelaySession) -> Outcome | None:
        """Open the session's tap under the account's recording policy. Returns how the session must end if the
        recording is required and could not start; otherwise a failure leaves it unrecorded (and audited)."""
        try:
            rs.policy = await self._recordings.policy()
        except Exception:
            log.exception("session %s: could not read the recording settings; the defaults apply", rs.session_id)
        if rs.ended:  # ended while the settings were read: `end` has nothing to close
            return None

        async def failed(reason: str, since: float | None) -> None:
            await self._recording_failed(rs, reason, since)

        try:
            tap = await open_tap(
                session_id=rs.session_id,
                instance_id=rs.instance_id,
                kind=rs.kind,
                login_user=rs.login_user,
                login_shell=rs.login_shell,
                command=rs.command,
                size=rs.size,
                policy=rs.policy,
                recordings=self._recordings,
                streams=self._streams_repo,
                on_failure=failed,
            )
        except TapFailed as exc:
            if rs.policy.required:
                return lost(f"the recording could not start ({exc})")
            await self._audit.session_event(
                rs.party, RECORDING_FAILED, f"not recorded: the recording could not start: {exc}"
            )
            return None
        if tap is None:
            return None
        if rs.ended:  # ended while the recording was being created: `end` found no tap to seal
            await tap.close("ended", rs.exit_status)
            return None
        rs.tap = tap
        return tap.stopped("") if tap.must_stop() else None

    async def _recording_failed(self, rs: RelaySession, reason: str, since: float | None) -> None:
        """Called by the tap's writer (the recorder's flush task, the stream log's writer) once, when recording
        stopped."""
        when = f"from {since:.3f} s on" if since is not None else "from now on"
        ended = "; the session was ended (RecordingRequired)" if rs.policy.required else ""
        await self._audit.session_event(rs.party, RECORDING_FAILED, f"output {when} is not recorded: {reason}{ended}")
        if rs.policy.required and rs.tap is not None:  # no tap yet: `_open_tap` sees the failure and ends it
            # in the background: `end` waits for the tap's writer, which is the caller
            self._track(self._end_with(rs, rs.tap.stopped(reason)))

    async def _end_with(self, rs: RelaySession, outcome: Outcome) -> None:
        await self.end(
            rs,
            SessionState.TERMINATED,
            outcome.reason or "recording_failed",
            code=outcome.code,
            message=outcome.message,
            error=outcome.error,
        )

    async def _forward(self, rs: RelaySession, source: Endpoint) -> Outcome:
        side = source.side
        from_client = side is Side.CLIENT
        check = rs.monitor.check
        peer: Endpoint | None = None
        while True:
            try:
                data = await source.receive()
            except EndpointClosed as closed:
                if rs.resume is not None and not rs.ended and (from_client or rs.resume.agent_redials):
                    if rs.endpoints[side] is not source or closed.broken:  # displaced, or the connection broke
                        return self._detach(rs, source)
                return self._closed(rs, side, closed)
            try:
                ftype = check(side, data)
                if ftype == FrameType.EXIT and not from_client:
                    frame = decode(data)
                    if isinstance(frame, Exit):
                        rs.exit_status = frame.status
            except ProtocolError as exc:
                log.warning("session %s: %s broke the protocol: %s", rs.session_id, side, exc)
                return Outcome(f"protocol_error: {exc.code}", CloseCode.PROTOCOL_ERROR, f"{side} {exc}")
            tap = rs.tap
            if tap is not None:
                seen: bytes | None = data
                if rs.resume is not None and ftype == FrameType.DATA:
                    seen = rs.resume.fresh(rs.monitor, side, data)  # resent bytes were recorded the first time
                if seen is not None and tap.observe(from_client, ftype, seen):
                    stop = await tap.hold()
                    if stop is not None:
                        return stop
            if ftype == FrameType.RESIZE and from_client:
                rs.size = resize_of(data)
            if peer is None:
                peer = await rs.wait_peer(side)
                if peer is None:
                    return ALREADY_ENDED
            if rs.ended:  # nothing passes once the session is over (e.g. its required recording failed)
                return ALREADY_ENDED
            if ftype == FrameType.HELLO and not from_client:
                rs.client_has_hello = True  # set before the write: an ERROR frame may now follow it
                rs.agent_hello = data  # what a client taking the session over gets first
            if rs.resume is not None and peer is not rs.endpoints[side.other]:
                peer = await self._again(rs, side.other)  # detached: wait for the next attachment
                if peer is None:
                    return ALREADY_ENDED
            try:
                await peer.send(data)
            except ConnectionError:
                if rs.resume is not None and (not from_client or rs.resume.agent_redials):
                    peer = await self._again(rs, side.other)
                    if peer is None:
                        return ALREADY_ENDED
                    if ftype not in (FrameType.DATA, FrameType.ACK):  # DATA is resent by RESUME, ACKs are cumulative
                        with contextlib.suppress(ConnectionError):
                            await peer.send(data)
                    continue
                if from_client and await self._agent_loop_ends(rs):
                    return ALREADY_ENDED
                other = side.other
                return self._exited(rs) or Outcome(f"{other}_closed", CloseCode.OK, f"the {other} went away")
            if ftype == FrameType.DATA:
                if from_client:
                    rs.bytes_from_client += payload_size(data)
                else:
                    rs.bytes_to_client += payload_size(data)
            elif ftype == FrameType.HELLO and rs.resume is not None:
                with contextlib.suppress(ConnectionError):  # each side's first resume token, right after HELLO
                    if not from_client:
                        await peer.send(rs.resume.issue_token())
                    elif rs.resume.agent_redials:
                        await peer.send(rs.resume.issue_agent_token())

    @staticmethod
    def _exited(rs: RelaySession) -> Outcome | None:
        """`exit` with its status once the agent's EXIT has passed the relay: the shell is over, and that is how
        the session ended, whichever socket closes first afterwards (a client typically closes the moment it
        reads EXIT, which can beat the agent's own close)."""
        if rs.exit_status is None:
            return None
        return Outcome("exit", CloseCode.OK, f"the shell exited with status {rs.exit_status}")

    @classmethod
    def _closed(cls, rs: RelaySession, side: Side, closed: EndpointClosed) -> Outcome:
        """How the session ends when one side's endpoint stopped delivering frames."""
        if closed.clean and side is Side.AGENT and rs.agent_reason is not None:
            return Outcome(rs.agent_reason, CloseCode.OK, f"the session ended: {rs.agent_reason}")
        return cls._exited(rs) or Outcome(closed.reason, closed.code, closed.message)

    @staticmethod
    async def _agent_loop_ends(rs: RelaySession) -> bool:
        """The client's side found the agent's side closing (an ACK could not be sent). The agent closes after
        its last output and EXIT, which the agent's side may still be reading and forwarding (more so while a
        recording slows it down): let that side end the session, with its EXIT, rather than cut it short here.
        False if it has not ended within AGENT_CLOSE_GRACE."""
        try:
            await asyncio.wait_for(rs.reached(Phase.CLOSED), AGENT_CLOSE_GRACE)
        except TimeoutError:
            return False
        return True

    # -- ending ------------------------------------------------------------------------------------------------

    async def end(
        self,
        rs: RelaySession,
        state: SessionState,
        reason: str,
        *,
        code: int = CloseCode.OK,
        message: str = "",
        exit_status: int | None = None,
        agent_knows: bool = False,
        error: str | None = None,
    ) -> None:
        """End the session once: record it, tell the agent if it has no socket to lose, close both sides.

        `error` is shown to the client: an ERROR frame goes before the close (after a HELLO of the relay's own if
        the agent's has not reached the client yet, since a client takes nothing before HELLO)."""
        if rs.ended:
            return
        rs.advance(Phase.ENDING)
        for timer in rs.timers:
            timer.cancel()
        self._sessions.pop(rs.session_id, None)
        if not self._sessions:
            self._idle.set()
        # the rest runs as a relay task, shielded from the caller: a caller cancelled half-way (a request handler
        # at shutdown) must not leave the row unfinished or the recording unsealed, and `end_all` waits for it
        finishing = self._track(self._finish(rs, state, reason, code, message, exit_status, agent_knows, error))
        await asyncio.shield(finishing)

    async def _finish(
        self,
        rs: RelaySession,
        state: SessionState,
        reason: str,
        code: int,
        message: str,
        exit_status: int | None,
        agent_knows: bool,
        error: str | None,
    ) -> None:
        status = exit_status if exit_status is not None else rs.exit_status
        self._metrics.session_ended(rs.kind, reason, rs.bytes_to_client, rs.bytes_from_client)
        try:
            await self._records.finish(
                rs.party,
                state=state,
                reason=reason,
                exit_status=status,
                bytes_from_client=rs.bytes_from_client,
                bytes_to_client=rs.bytes_to_client,
            )
        except Exception:
            log.exception("could not record the end of session %s", rs.session_id)
        if not agent_knows and rs.endpoints[Side.AGENT] is None:
            await self._router.terminate(rs.instance_id, TerminateSession(rs.session_id, reason))
        for side, endpoint in rs.endpoints.items():
            if endpoint is not None and not endpoint.closed:
                # in the background: the close handshake waits for the peer, and the caller (an API request,
                # the other side's loop) must not wait for a slow or silent peer; each side's loop awaits its
                # own close before it returns (see `serve`)
                frames: list[bytes] = []
                if side is Side.CLIENT and error is not None:
                    if not rs.client_has_hello:
                        frames.append(encode(Hello()))
                    frames.append(encode(Error(RECORDING_ERROR_CODE, error[:1024])))
                rs.closing[side] = self._track(self._close(endpoint, frames, code, close_reason(message or reason)))
        rs.advance(Phase.CLOSED)
        tap, rs.tap = rs.tap, None
        if tap is not None:
            try:
                await tap.close(reason, status)
            except Exception:
                log.exception("session %s: could not seal its recording", rs.session_id)
        log.info("session %s %s: %s (exit status %s)", rs.session_id, state.value.lower(), reason, status)

    @staticmethod
    async def _close(endpoint: Endpoint, frames: list[bytes], code: int, message: bytes) -> None:
        for frame in frames:
            try:
                await endpoint.send(frame)
            except (ConnectionError, RuntimeError):
                break
        await endpoint.close(code, message)

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

    async def end_all(self, reason: str, code: int = CloseCode.GOING_AWAY) -> None:
        sessions = list(self._sessions.values())
        await asyncio.gather(
            *(self.end(rs, SessionState.TERMINATED, reason, code=code, message=reason) for rs in sessions),
            return_exceptions=True,
        )
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=CLOSE_WAIT)
        for task in list(self._tasks):
            task.cancel()

    async def shutdown(self, drain_timeout: float) -> None:
        """Graceful end: give running sessions `drain_timeout` seconds, then end what is left."""
        if self._sessions:
            log.info("waiting up to %.0f s for %d sessions to end", drain_timeout, len(self._sessions))
            if not await self.drain(drain_timeout):
                log.warning("ending %d sessions still running", len(self._sessions))
        await self.end_all("server_shutdown")

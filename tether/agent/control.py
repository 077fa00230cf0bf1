"""The agent's main loop: keep one control channel to the server up, and run the sessions it asks for.

Shape (startup -> main loop -> graceful shutdown, as uvicorn's server.py reads):
- `Agent.run()` starts the control loop and waits for a stop request (SIGTERM/SIGINT) or a fatal answer.
- The control loop dials `wss://SERVER/agent/v1/control`, signs the server's challenge with the agent key, and then
  handles `open`/`terminate` while sending `heartbeat`s. When the connection drops it redials forever with
  exponential backoff and full jitter (`Backoff`), logging each failure in one line. Only `InvalidInstance.NotFound`
  (the instance was deregistered) stops it: retrying could never succeed.
- Each session (a shell, `ShellSession`, or a port forward, `PortForwardSession`) is an independent task with its own
  data channel, so a control-channel reconnect leaves running sessions alone; their `session_failed`/`session_ended`
  reports wait in a bounded outbox until a connection can carry them.
- `push_key` is handled by `SshKeyManager` in its own task (it may create the default user and runs `sshd -T`); the
  `push_key_result` goes through the same outbox.
- Shutdown: stop dialing, hang up every shell (each with a bounded grace), give the reports a moment to reach the
  server, close. `run_agent` returns normally, so `tether agent run` exits 0.
- SIGHUP: re-read agent.json and apply the settings that can change live to every new session and forward
  (`Agent.reload`, tether/agent/reload.py); the answer goes to the log and to STATE_DIR/reload.json.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import copy
import logging
import os
import signal
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from tether import __version__
from tether.agent import sysinfo
from tether.agent.backoff import Backoff
from tether.agent.bounds import BoundRefused, check_command, check_data_url, check_forward_target
from tether.agent.config import AgentConfig, AgentSettings, ConfigError
from tether.agent.errors import AgentError
from tether.agent.forward import PortForwardSession, session_target
from tether.agent.launch import no_new_privileges_supported
from tether.agent.reload import ReloadResult, apply_reload, remove_pid, write_pid, write_status
from tether.agent.session import SessionEnd, SessionStartError, run_and_report
from tether.agent.shell import ShellSession
from tether.agent.sshkeys import SshKeyManager
from tether.agent.users import Identity, converge_default_user, resolve_login_user, warn_if_not_root
from tether.protocol import ProtocolError
from tether.protocol.control import (
    MAX_CONTROL_MESSAGE,
    AgentHello,
    Challenge,
    ControlError,
    ControlMessage,
    Heartbeat,
    OpenSession,
    PushKey,
    SessionFailed,
    TerminateSession,
    Welcome,
    decode_control,
    encode_control,
)

log = logging.getLogger(__name__)

CONTROL_PATH = "/agent/v1/control"
CONTROL_HEARTBEAT = 20.0  # WebSocket ping interval: keeps NAT mappings alive and detects a dead server
HANDSHAKE_TIMEOUT = 30.0
MAX_OUTBOX = 256  # session reports kept while disconnected; the oldest are dropped beyond this
FLUSH_TIMEOUT = 2.0
NOT_FOUND = "InvalidInstance.NotFound"
CAPABILITIES = ("shell", "port_forward", "push_key", "no_new_privileges")
SESSION_KINDS = ("shell", "port_forward")

Session = ShellSession | PortForwardSession


class AgentDeregistered(Exception):
    """The server does not know this instance (deregistered or never registered): stop, do not retry.

    No code: it always stands for `InvalidInstance.NotFound`, and its message is the operator's instruction.
    """


class ControlRefused(AgentError):
    """The server refused the connection with an error (other than NotFound); worth retrying later.

    `code` is the server's; the message (what the reconnect log line shows) names it too.
    """


@dataclass
class _SessionHandle:
    task: asyncio.Task[None] | None = None
    session: Session | None = None
    terminate_reason: str | None = None


@dataclass
class _Outbox:
    """Bounded FIFO of reports for the server; a message leaves it only once a connection has sent it."""

    items: collections.deque[ControlMessage] = field(default_factory=collections.deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    empty: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, message: ControlMessage) -> None:
        if len(self.items) >= MAX_OUTBOX:
            dropped = self.items.popleft()
            log.warning("control outbox full while disconnected: dropped %s", type(dropped).__name__)
        self.items.append(message)
        self.empty.clear()
        self.ready.set()


def control_url(server: str) -> str:
    """`https://host:port[/prefix]` -> `wss://host:port[/prefix]/agent/v1/control` (`http` -> `ws` for tests)."""
    parts = urlsplit(server)
    scheme = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"server URL {server!r} must start with https://")
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{CONTROL_PATH}"


def retry_after_of(e: BaseException) -> float | None:
    """The Retry-After (seconds) of a 503 that refused the control channel's upgrade, else None."""
    if not isinstance(e, aiohttp.WSServerHandshakeError) or e.status != 503 or e.headers is None:
        return None
    try:
        value = float(e.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if 0 <= value <= 3600 else None


def describe_error(e: BaseException) -> str:
    """One line saying why a connection failed, in words an operator can act on."""
    if isinstance(e, aiohttp.ClientConnectorCertificateError):
        return f"the server's TLS certificate is not trusted ({e.certificate_error})"
    if isinstance(e, aiohttp.ClientConnectorError):
        return f"cannot connect: {e.strerror or e}"
    if isinstance(e, aiohttp.WSServerHandshakeError):
        return f"the server refused the WebSocket (HTTP {e.status})"
    if isinstance(e, TimeoutError):
        return "timed out"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


class Agent:
    """One running agent. `run()` until `stop()`; raises `AgentDeregistered` if the server forgot us.

    The constructor raises `ConfigError` when the key cannot be loaded.
    """

    def __init__(
        self,
        config: AgentConfig,
        *,
        ssl_context: ssl.SSLContext | None = None,
        adjust: Callable[[AgentSettings], AgentSettings] | None = None,
    ) -> None:
        from tether.auth.agentkey import load_key

        self.config = config
        self.settings = config.settings
        # what `tether agent run`'s options change over agent.json; applied again to every reload
        self._adjust = adjust or (lambda settings: settings)
        try:
            self._key = load_key(config.key_file)
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot load the agent key {config.key_file}: {e}") from None
        self._control_url = control_url(config.server)
        self._secure = self._control_url.startswith("wss://")
        if ssl_context is None and self._secure:
            from tether.auth.tls import client_ssl_context

            ssl_context = client_ssl_context(config.ca_cert)
        self._ssl = ssl_context
        self._stop = asyncio.Event()
        self._stopping = False
        self._sessions: dict[str, _SessionHandle] = {}
        self._outbox = _Outbox()
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._keys = SshKeyManager(config.state_dir, config.settings)
        self._key_pushes: set[asyncio.Task[None]] = set()
        self.connections = 0  # successful handshakes so far (tests, diagnostics)
        # the default user as converged at start (`run`); reported in every hello
        self.identity = Identity(config.settings.default_user, False)

    @property
    def sessions(self) -> dict[str, Session]:
        """Sessions whose runner (shell or port forward) exists, by session id."""
        return {sid: h.session for sid, h in self._sessions.items() if h.session is not None}

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def stop(self) -> None:
        """Ask for a graceful shutdown (signal-handler safe: it only sets an event)."""
        self._stop.set()

    def reload(self) -> ReloadResult:
        """Re-read agent.json and apply what can change live (SIGHUP). The settings object is changed in place, so
        everything holding it (the session checks, the key manager) sees the new values for what starts next; a
        file that cannot be used leaves the running settings as they were."""
        state_dir = self.config.state_dir
        try:
            fresh = AgentConfig.load(state_dir).settings
            adjusted = self._adjust(copy.deepcopy(fresh))
        except Exception as e:  # a bad file must never take the running agent down
            message = str(e) if isinstance(e, ConfigError) else f"{type(e).__name__}: {e}"
            log.error("reload: %s; the running settings stay as they were", message)
            result = ReloadResult(pid=os.getpid(), ok=False, error=message, at=time.time())
        else:
            result = apply_reload(self.settings, fresh, adjusted, os.getpid())
            if result.applied:
                log.info("reload: applied %s to new sessions and forwards", ", ".join(result.applied))
            if result.restart:
                log.warning("reload: restart the agent to apply %s", ", ".join(result.restart))
            if result.overridden:
                log.warning("reload: %s set by a `tether agent run` option, which wins", ", ".join(result.overridden))
            if not (result.applied or result.restart or result.overridden):
                log.info("reload: no setting changed")
        try:
            write_status(state_dir, result)
        except OSError as e:
            log.warning("reload: cannot write %s: %s", state_dir, e)
        return result

    async def run(self) -> None:
        warn_if_not_root()
        # Every start makes the default user and its sudo rule what agent.json says, before the first hello tells
        # the server (and through it policies and people) who that user is and whether it can sudo.
        self.identity = await asyncio.to_thread(converge_default_user, self.settings)
        # limit=0: every session holds one connection for its whole life; max_sessions bounds them instead.
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        control = asyncio.create_task(self._control_loop())
        stopper = asyncio.create_task(self._stop.wait())
        keys = asyncio.create_task(self._keys.start())  # runs `sshd -T`: must not delay the control channel
        try:
            await asyncio.wait({control, stopper}, return_when=asyncio.FIRST_COMPLETED)
            self._stopping = True
            log.info("shutting down: hanging up %d session(s)", len(self._sessions))
            await self._shutdown_sessions()
            if control.done():
                control.result()  # re-raises AgentDeregistered
            elif self._ws is not None:
                await self._flush_outbox()
        finally:
            for task in (control, stopper, keys, *self._key_pushes):
                task.cancel()
            await asyncio.gather(control, stopper, keys, *self._key_pushes, return_exceptions=True)
            await self._keys.close()
            await self._http.close()
            self._http = None
        log.info("agent stopped")

    # -- the control channel --------------------------------------------------------------------------------------

    async def _control_loop(self) -> None:
        s = self.settings
        backoff = Backoff(s.backoff_base, s.backoff_cap, s.backoff_reset_after)
        while not self._stopping:
            started = time.monotonic()
            welcomed_before = self.connections
            try:
                await self._connect_once()
                failure = "the server closed the control channel"
            except AgentDeregistered:
                raise
            except (aiohttp.ClientError, OSError, TimeoutError, ProtocolError, ControlRefused) as e:
                failure = describe_error(e)
                busy = retry_after_of(e)
            else:
                busy = None
            if self._stopping:
                return
            if busy is not None:  # the server is up but has too many agents connecting: it said when to return
                delay = backoff.after_refusal(busy)
            elif self.connections > welcomed_before:  # a connection was lost: a long-lived one retries soon
                delay = backoff.after_connection(time.monotonic() - started)
            else:
                delay = backoff.next_delay()
            log.warning("control channel to %s: %s; reconnecting in %.1f s", self.config.server, failure, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _connect_once(self) -> None:
        assert self._http is not None
        ws = await asyncio.wait_for(
            self._http.ws_connect(
                self._control_url,
                heartbeat=CONTROL_HEARTBEAT,
                max_msg_size=MAX_CONTROL_MESSAGE + 1,  # aiohttp refuses a message whose size equals the limit
                ssl=self._ssl if self._ssl is not None else True,
            ),
            HANDSHAKE_TIMEOUT,
        )
        tasks: list[asyncio.Task[None]] = []
        try:
            welcome = await self._handshake(ws)
            self.connections += 1
            self._ws = ws
            log.info("connected to %s as %s", self.config.server, self.config.instance_id)
            tasks.append(asyncio.create_task(self._heartbeats(ws, max(1.0, welcome.heartbeat_interval))))
            tasks.append(asyncio.create_task(self._outbox_writer(ws)))
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await self._on_message(ws, msg.data)
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    await self._send_error(ws, "InvalidMessage", "control messages are JSON text")
                else:
                    break
        finally:
            self._ws = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), FLUSH_TIMEOUT)

    async def _handshake(self, ws: aiohttp.ClientWebSocketResponse) -> Welcome:
        """challenge -> signed hello -> welcome; an error answer becomes an exception saying what the server said."""
        from tether.auth.agentkey import sign_challenge

        challenge = await self._receive(ws)
        if not isinstance(challenge, Challenge):
            raise ProtocolError("expected-challenge", f"server sent {type(challenge).__name__} instead of a challenge")
        try:
            nonce = base64.b64decode(challenge.nonce, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError("bad-nonce", "the challenge nonce is not base64") from None
        hello = AgentHello(
            instance_id=self.config.instance_id,
            signature=sign_challenge(self._key, nonce, self.config.instance_id),
            agent_version=__version__,
            hostname=sysinfo.hostname(),
            os_type=sysinfo.os_type(),
            os_name=sysinfo.os_name(),
            capabilities=CAPABILITIES,
            default_user=self.identity.default_user,
            default_user_sudo=self.identity.default_user_sudo,
            notices=self.identity.notices,
        )
        await ws.send_str(encode_control(hello))
        reply = await self._receive(ws)
        if not isinstance(reply, Welcome):
            raise ProtocolError("expected-welcome", f"server sent {type(reply).__name__} instead of welcome")
        return reply

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> ControlMessage:
        msg = await asyncio.wait_for(ws.receive(), HANDSHAKE_TIMEOUT)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionResetError("the server closed the control channel during the handshake")
        message = decode_control(msg.data)
        if isinstance(message, ControlError):
            if message.code == NOT_FOUND:
                raise AgentDeregistered(
                    f"the server does not know instance {self.config.instance_id} ({message.message}): it was "
                    "deregistered; register this machine again with `tether agent register`"
                )
            raise ControlRefused(message.code, f"the server refused the agent: {message.code}: {message.message}")
        return message

    async def _heartbeats(self, ws: aiohttp.ClientWebSocketResponse, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await ws.send_str(encode_control(Heartbeat(sessions=len(self._sessions))))

    async def _outbox_writer(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            await self._outbox.ready.wait()
            while self._outbox.items:
                message = self._outbox.items.popleft()
                try:
                    await ws.send_str(encode_control(message))
                except BaseException:
                    self._outbox.items.appendleft(message)  # the next connection sends it
                    raise
            self._outbox.ready.clear()
            self._outbox.empty.set()

    async def _flush_outbox(self) -> None:
        """At shutdown: give queued reports a moment to reach the server."""
        if self._outbox.items:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.empty.wait(), FLUSH_TIMEOUT)

    async def _send_error(self, ws: aiohttp.ClientWebSocketResponse, code: str, message: str) -> None:
        await ws.send_str(encode_control(ControlError(code=code, message=message)))

    async def _on_message(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
        try:
            message = decode_control(text)
        except ProtocolError as e:
            log.warning("unusable control message from the server: %s", e)
            await self._send_error(ws, "InvalidMessage", str(e))
            return
        match message:
            case OpenSession():
                self._open(message)
            case PushKey():
                self._push_key(message)
            case TerminateSession(session_id, reason):
                handle = self._sessions.get(session_id)
                if handle is None:
                    log.info("terminate for unknown session %s ignored (already ended?)", session_id)
                elif handle.session is not None:
                    handle.session.terminate(reason)
                else:
                    handle.terminate_reason = reason
            case ControlError(code, text_):
                log.warning("the server reported an error: %s: %s", code, text_)
            case _:
                await self._send_error(ws, "InvalidMessage", f"{message.TYPE} is not a server-to-agent message")

    # -- temporary SSH keys ---------------------------------------------------------------------------------------

    def _push_key(self, message: PushKey) -> None:
        async def push() -> None:
            self._outbox.put(await self._keys.push(message))

        task = asyncio.create_task(push(), name=f"push-key-{message.request_id}")
        self._key_pushes.add(task)
        task.add_done_callback(self._key_pushes.discard)

    # -- sessions -------------------------------------------------------------------------------------------------

    def _open(self, spec: OpenSession) -> None:
        sid = spec.session_id
        if sid in self._sessions:
            log.warning("duplicate open for session %s ignored", sid)
            return
        failure = self._check_open(spec)
        if failure is not None:
            log.warning("session %s refused: %s: %s", sid, *failure)
            self._outbox.put(SessionFailed(session_id=sid, code=failure[0], message=failure[1]))
            return
        handle = _SessionHandle()
        self._sessions[sid] = handle
        handle.task = asyncio.create_task(self._run_session(spec, handle), name=f"session-{sid}")

    def _check_open(self, spec: OpenSession) -> tuple[str, str] | None:
        if self._stopping:
            return "Agent.ShuttingDown", "the agent is shutting down"
        if spec.kind not in SESSION_KINDS:
            return "UnsupportedKind", f"this agent does not support {spec.kind!r} sessions"
        if len(self._sessions) >= self.settings.max_sessions:
            return "SessionLimitExceeded", f"the agent already runs {self.settings.max_sessions} sessions"
        scheme = urlsplit(spec.data_url).scheme
        # Never send the session token in clear text when the control channel itself is protected by TLS.
        if scheme != "wss" and (self._secure or scheme != "ws"):
            return "InvalidParameter", "data_url must be a wss:// URL"
        # The agent's own bounds (tether.agent.bounds): what even this server may not make the machine do.
        s = self.settings
        try:
            check_data_url(spec.data_url, self.config.server, s.data_channel_hosts)
            if spec.kind == "port_forward":
                check_forward_target(*session_target(spec), s.forward_targets)
            else:
                check_command(spec.command, s.allow_commands)
                if spec.no_new_privileges and not no_new_privileges_supported():
                    return "NoNewPrivileges.Unsupported", "this machine cannot start a shell without privilege gain"
        except (BoundRefused, SessionStartError) as e:
            return e.code, e.message
        return None

    async def _run_session(self, spec: OpenSession, handle: _SessionHandle) -> None:
        try:
            await run_and_report(spec.session_id, self._start_session(spec, handle), self._outbox.put)
        finally:
            self._sessions.pop(spec.session_id, None)

    async def _start_session(self, spec: OpenSession, handle: _SessionHandle) -> SessionEnd:
        """Build the session for `spec` (a shell first resolves its login user: `LoginError`) and run it."""
        assert self._http is not None
        session: Session
        if spec.kind == "port_forward":
            session = PortForwardSession(
                spec,
                self._http,
                ssl_context=self._ssl,
                allow_link_local=self.settings.allow_link_local_targets,
                max_streams=self.settings.max_streams,
                connect_timeout=self.settings.forward_connect_timeout,
            )
        else:
            user = await asyncio.to_thread(resolve_login_user, spec.username, self.settings)
            session = ShellSession(
                spec, user, self._http, ssl_context=self._ssl, hangup_grace=self.settings.hangup_grace
            )
        handle.session = session
        if handle.terminate_reason is not None:
            session.terminate(handle.terminate_reason)
        return await session.run()

    async def _shutdown_sessions(self) -> None:
        handles = list(self._sessions.values())
        for handle in handles:
            if handle.session is not None:
                handle.session.terminate("the agent is shutting down")
            else:
                handle.terminate_reason = "the agent is shutting down"
        tasks = [h.task for h in handles if h.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%d session(s) did not end in time and were cancelled", len(pending))
            await asyncio.wait(pending, timeout=self.settings.hangup_grace + 1)


async def run_agent(
    config: AgentConfig, *, adjust: Callable[[AgentSettings], AgentSettings] | None = None
) -> None:
    """Run the agent until SIGTERM/SIGINT (returns normally) or deregistration (raises `AgentDeregistered`).

    SIGHUP reloads the settings (`Agent.reload`; `adjust` re-applies the run's own options); the pid file in the
    state directory lets `tether agent config set` find this process."""
    agent = Agent(config, adjust=adjust)
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    handlers: list[tuple[signal.Signals, Callable[[], object]]] = [
        (signal.SIGTERM, agent.stop),
        (signal.SIGINT, agent.stop),
        (signal.SIGHUP, agent.reload),
    ]
    for sig, handler in handlers:
        try:
            loop.add_signal_handler(sig, handler)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (embedded use): the caller stops (and reloads) the agent instead
    pid_written = False
    if signal.SIGHUP in installed:
        try:
            write_pid(config.state_dir)
            pid_written = True
        except OSError as e:
            log.warning("cannot write the pid file in %s (`tether agent config set` will not find this agent): %s",
                        config.state_dir, e)
    try:
        await agent.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if pid_written:
            remove_pid(config.state_dir)

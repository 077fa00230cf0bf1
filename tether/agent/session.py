"""What every session kind shares: one data-channel WebSocket, its HELLO and credit bookkeeping, its limits, its end.

A session (a shell, `tether.agent.shell`, or a port forward, `tether.agent.forward`) is one `DataChannelSession`:
`run()` dials `data_url` with the one-time agent token, sends HELLO, feeds every incoming frame through
`tether.protocol.Channel` (which checks HELLO ordering and credit) to the kind's `_on_frame`, waits for the client's
HELLO, enforces the idle and maximum-duration limits, and ends in exactly one way: the first reason given to
`_finish` (or `terminate`) wins, an ERROR frame tells the user why when the end is an error, and the channel is
closed. `run_and_report` turns that end into the one control message the server expects (`session_ended`, or
`session_failed` when the session never started).

What the kinds supply: `_serve` (the part between the channel opening and the end), `_on_frame` (dispatch of one
frame, never waiting), what counts as activity for the idle limit (by setting `_last_activity`), and the clean-up
around the final ERROR frame: `_silence` before it (a port forward closes its sockets there, so no stream frame can
follow the ERROR), `_release` after it (a shell hangs up there, which may take the hang-up grace, so the user reads
why the session ended without waiting for the shell to die).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp

from tether.agent.errors import AgentError
from tether.protocol import DEFAULT_WINDOW, MAX_MESSAGE, Channel, Error, ProtocolError, encode
from tether.protocol.control import OpenSession, SessionEnded, SessionFailed

log = logging.getLogger(__name__)

DATA_HEARTBEAT = 20.0
CONNECT_TIMEOUT = 30.0
CLIENT_WAIT = 660.0  # a client token is valid for 10 minutes; the relay closes us before this
SEND_TIMEOUT = 5.0  # final EXIT/ERROR frames and the close handshake
REDIAL_FOR = 300.0  # a broken data channel of a resumable session is re-dialled this long (the server's window)
REDIAL_FIRST_DELAY = 0.2
REDIAL_MAX_DELAY = 5.0
MAX_ERROR_MESSAGE = 1000  # characters of an ERROR frame's message (the frame allows 1024 bytes of it)


class SessionStartError(AgentError):
    """The session could not start; `code` and `message` go into `session_failed`."""


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """How a session ended: `reason` is one of the `session_ended` reasons of docs/protocol.md."""

    reason: str
    exit_status: int | None = None
    error_code: str | None = None
    error_message: str = ""


# What a session that stopped for any other reason (a bug, a cancellation) tells its user.
UNEXPECTED_END = SessionEnd("error", None, "InternalError", "the session ended unexpectedly")
CLIENT_TIMEOUT = SessionEnd("hangup", None, "ClientTimeout", "no client connected to the session in time")


RESUME_HEADER = "X-Tether-Resume"  # says at the dial that this session can resume (docs/protocol.md section 6)


async def _connect(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    headers: dict[str, str],
    ssl_context: ssl.SSLContext | None,
) -> aiohttp.ClientWebSocketResponse:
    """One WebSocket dial of a data channel, bounded by CONNECT_TIMEOUT: the first dial and every re-dial."""
    return await asyncio.wait_for(
        http.ws_connect(
            url,
            headers={**headers, "Authorization": f"Bearer {token}"},
            max_msg_size=MAX_MESSAGE + 1,
            heartbeat=DATA_HEARTBEAT,
            ssl=ssl_context if ssl_context is not None else True,
        ),
        CONNECT_TIMEOUT,
    )


async def dial_data_channel(
    http: aiohttp.ClientSession,
    spec: OpenSession,
    ssl_context: ssl.SSLContext | None,
    extra_headers: dict[str, str] | None = None,
    *,
    resumable: bool = False,
) -> aiohttp.ClientWebSocketResponse:
    """Dial a session's data channel with its one-time agent token; `SessionStartError` when that fails.

    The token goes in a header (never the URL, which servers log), and the size limit is one byte above MAX_MESSAGE
    because aiohttp refuses a message whose size equals the limit. `extra_headers` carry what the kind tells the
    server about itself before any frame (a shell: its login shell, `tether.protocol.LOGIN_SHELL_HEADER`).
    """
    # "2": this session answers RESUME and re-dials its broken data channel (docs/protocol.md section 6)
    headers = {**(extra_headers or {}), **({RESUME_HEADER: "2"} if resumable else {})}
    try:
        return await _connect(http, spec.data_url, spec.token, headers, ssl_context)
    except (aiohttp.ClientError, OSError, TimeoutError) as e:
        raise SessionStartError(
            "DataChannel.ConnectFailed", f"cannot open the data channel: {type(e).__name__}: {e}"
        ) from None


class DataChannelSession(ABC):
    """Runs one session to its end. `run()` returns how it ended; `terminate()` ends it from outside, at any time.

    `IDLE_MESSAGE` is the kind's words for the idle limit (`{idle:g}` is the limit in seconds), because what counts
    as idle differs: a shell is idle without input, a port forward without traffic either way.
    """

    IDLE_MESSAGE: ClassVar[str]

    def __init__(
        self,
        spec: OpenSession,
        http: aiohttp.ClientSession,
        *,
        ssl_context: ssl.SSLContext | None,
        client_wait: float,
    ) -> None:
        self.spec = spec
        self._http = http
        self._ssl = ssl_context
        self._client_wait = client_wait
        self._channel = Channel(spec.window or DEFAULT_WINDOW)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._end: asyncio.Future[SessionEnd] | None = None
        self._pending_end: SessionEnd | None = None  # an end decided before `run` started
        self._hello = asyncio.Event()
        self._send_lock = asyncio.Lock()  # keeps frames whole and in order, and the final frame last
        self._tasks: list[asyncio.Task[Any]] = []  # cancelled when the session ends
        self._last_activity = time.monotonic()
        self._resume_token: str | None = None  # from the relay's TOKEN frame: re-dial a broken channel with it

    @property
    def session_id(self) -> str:
        return self.spec.session_id

    def channel_headers(self) -> dict[str, str]:
        """Headers of the data channel's upgrade request besides the token: what this kind tells the server."""
        return {}

    # -- the end ---------------------------------------------------------------------------------------------------

    def terminate(self, reason: str = "") -> None:
        """End the session now: an ERROR frame tells the user, then the shell or the connections are closed."""
        message = f"the session was ended: {reason}" if reason else "the session was ended"
        self._finish(SessionEnd("terminated", None, "SessionTerminated", message))

    def _finish(self, end: SessionEnd) -> None:
        """Decide how the session ends; the first reason wins, even one given before `run`."""
        if self._end is None:
            if self._pending_end is None:
                self._pending_end = end
        elif not self._end.done():
            self._end.set_result(end)

    def _client_error(self, code: str, message: str) -> None:
        """The client side sent ERROR: it is going away, which for us is a hang-up."""
        log.info("session %s: the client side reported %s: %s", self.session_id, code, message)
        self._finish(SessionEnd("hangup"))

    # -- the whole session ----------------------------------------------------------------------------------------

    async def run(self) -> SessionEnd:
        """Dial the data channel and run the session; raise `SessionStartError` if it never started."""
        self._loop = asyncio.get_running_loop()
        self._end = self._loop.create_future()
        if self._pending_end is not None:
            self._end.set_result(self._pending_end)
            return self._pending_end
        ws = await dial_data_channel(
            self._http, self.spec, self._ssl, self.channel_headers(), resumable=self._channel.resumable
        )
        self._ws = ws
        end = UNEXPECTED_END
        try:
            end = await self._serve(ws)
            return end
        except SessionStartError as e:
            end = SessionEnd("error", None, e.code, e.message)
            raise
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._silence()
            ws = self._ws or ws  # a re-dialled channel replaces the first
            if end.error_code and not ws.closed:
                await self._send_final(encode(Error(end.error_code, end.error_message[:MAX_ERROR_MESSAGE])))
            await self._release()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), SEND_TIMEOUT)

    @abstractmethod
    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> SessionEnd:
        """The kind's session on the dialled channel: `_open_channel` first, then its work until `_end` is decided."""

    @abstractmethod
    async def _silence(self) -> None:
        """Before the final ERROR frame: stop whatever could still send frames, so that frame is the last one."""

    @abstractmethod
    async def _release(self) -> None:
        """After the final frame: free what the session holds on this machine (may take time, e.g. a hang-up)."""

    async def _open_channel(self, ws: aiohttp.ClientWebSocketResponse) -> SessionEnd | None:
        """Send our HELLO, start receiving, wait for the client's HELLO; the session's end if it came first.

        The relay forwards the client's HELLO when the client connects, so waiting for it is waiting for the client.
        """
        assert self._end is not None
        await ws.send_bytes(self._channel.hello())
        self._tasks.append(asyncio.create_task(self._receive_loop(ws)))
        if not await self._wait(self._hello, self._client_wait):
            self._finish(CLIENT_TIMEOUT)
        return self._end.result() if self._end.done() else None

    async def _wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait for `event` at most `seconds`, or until the session is over; return whether it is set."""
        assert self._end is not None
        waiter = asyncio.create_task(event.wait())
        either: set[asyncio.Future[Any]] = {waiter, self._end}
        try:
            await asyncio.wait(either, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        return event.is_set()

    async def _send_final(self, frame: bytes) -> None:
        """Send the last frame of the session (EXIT or ERROR), bounded in time; nothing follows it."""
        ws = self._ws

        async def send() -> None:
            assert ws is not None
            async with self._send_lock:
                await ws.send_bytes(frame)

        with contextlib.suppress(Exception):
            await asyncio.wait_for(send(), SEND_TIMEOUT)

    # -- from the client ------------------------------------------------------------------------------------------

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Feed every data-channel message through the channel to `_on_frame` until the client side goes away.

        The session then ends as a hang-up, or with a protocol error (which ends only this session). `_on_frame` must
        not wait, so one slow consumer never holds up the frames behind it. A resumable session whose channel broke
        (no close frame) re-dials it instead and resumes (docs/protocol.md section 6).
        """
        current: aiohttp.ClientWebSocketResponse | None = ws
        while current is not None:
            if not await self._receive(current):
                return
            current = await self._redial()
        self._finish(SessionEnd("hangup"))

    async def _redial(self) -> aiohttp.ClientWebSocketResponse | None:
        """Dial the broken data channel again with the resume token, with backoff; send RESUME first on it."""
        token = self._resume_token  # kept: the relay accepts it again if a cut takes the new TOKEN with it
        assert token is not None and self._end is not None
        log.info("session %s: the data channel broke; re-dialling it", self.session_id)
        deadline = time.monotonic() + REDIAL_FOR
        delay = REDIAL_FIRST_DELAY
        while not self._end.done() and time.monotonic() < deadline:
            try:
                ws = await _connect(
                    self._http, self.spec.data_url, token, {RESUME_HEADER: "reattach"}, self._ssl
                )
            except aiohttp.WSServerHandshakeError as e:
                if e.status in (401, 403, 404, 410):
                    log.info("session %s: the server refused the re-dial (HTTP %s)", self.session_id, e.status)
                    return None
            except (aiohttp.ClientError, OSError, TimeoutError):
                pass
            else:
                async with self._send_lock:
                    self._ws = ws
                    self._new_channel()
                    await ws.send_bytes(self._channel.begin_resume(0))
                log.info("session %s: data channel re-dialled; resuming", self.session_id)
                return ws
            await asyncio.sleep(delay)
            delay = min(delay * 2, REDIAL_MAX_DELAY)
        return None

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> bool:
        """Receive until the channel ends; True if it broke and should be re-dialled, False if the session ends."""
        binary, text, receive = aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT, ws.receive
        check, on_frame = self._channel.receive, self._on_frame
        try:
            while True:  # `ws.receive()` without `async for`: one coroutine frame less per keystroke
                msg = await receive()
                if msg.type is binary:
                    on_frame(check(msg.data))
                elif msg.type is text:
                    raise ProtocolError("text-message", "data channels carry binary frames only")
                else:  # CLOSE, CLOSING, CLOSED, ERROR
                    if msg.type is not aiohttp.WSMsgType.CLOSE and self._resume_token is not None:
                        return True  # broken, not closed: re-dial it
                    break
        except ProtocolError as e:
            log.warning("session %s: protocol error from the client side: %s", self.session_id, e)
            self._finish(SessionEnd("error", None, "ProtocolError", str(e)))
            return False
        self._finish(SessionEnd("hangup"))
        return False

    def _new_channel(self) -> None:  # noqa: B027 (a hook: most kinds queue nothing of their own)
        """Called (under the send lock) when a re-dialled channel replaces the broken one."""

    @abstractmethod
    def _on_frame(self, frame: object) -> None:
        """Handle one checked frame from the client without waiting; raise `ProtocolError` for a meaningless one."""

    # -- limits ---------------------------------------------------------------------------------------------------

    def _start_limits(self) -> None:
        """Start the idle and maximum-duration clocks now (the kind decides when its session really began)."""
        self._last_activity = time.monotonic()
        self._tasks.append(asyncio.create_task(self._limits()))

    async def _limits(self) -> None:
        """Idle timeout (no `_last_activity` for that long) and maximum duration, each optional (0 = none)."""
        started = time.monotonic()
        idle, longest = self.spec.idle_timeout, self.spec.max_duration
        while True:
            now = time.monotonic()
            if longest and now - started >= longest:
                message = f"the session reached its maximum duration of {longest:g} seconds and was closed"
                self._finish(SessionEnd("max_duration", None, "MaxDurationExceeded", message))
                return
            if idle and now - self._last_activity >= idle:
                self._finish(SessionEnd("idle_timeout", None, "IdleTimeout", self.IDLE_MESSAGE.format(idle=idle)))
                return
            waits = [started + longest - now] if longest else []
            if idle:
                waits.append(self._last_activity + idle - now)
            await asyncio.sleep(max(0.01, min(waits)) if waits else 3600)


async def run_and_report(
    session_id: str, session: Awaitable[SessionEnd], report: Callable[[SessionEnded | SessionFailed], None]
) -> None:
    """Await a session (its start included) and `report` its end to the server, whatever happens.

    A coded agent error before the session ran (the login user, the data channel, ...) is `session_failed` with its
    code; otherwise `session_ended` with the reason, `terminated` if the session was cancelled (the cancellation is
    then passed on: it is the only exception that leaves), `error` if it crashed.
    """
    try:
        end = await session
    except AgentError as e:
        log.warning("session %s failed to start: %s: %s", session_id, e.code, e.message)
        report(SessionFailed(session_id=session_id, code=e.code, message=e.message))
        return
    except asyncio.CancelledError:
        report(SessionEnded(session_id=session_id, exit_status=None, reason="terminated"))
        raise
    except Exception:
        log.exception("session %s crashed", session_id)
        report(SessionEnded(session_id=session_id, exit_status=None, reason="error"))
        return
    log.info("session %s ended: %s (exit status %s)", session_id, end.reason, end.exit_status)
    report(SessionEnded(session_id=session_id, exit_status=end.exit_status, reason=end.reason))

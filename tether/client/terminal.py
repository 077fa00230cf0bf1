"""The interactive session: local terminal <-> data channel, with exact bytes and end-to-end back-pressure.

Given the `WebSocketUrl` from `StartTerminalSession`, `run_terminal_session()` dials the data channel, says HELLO,
sends the terminal size and then pumps bytes both ways until the remote shell exits:

- stdin is read with `loop.add_reader` only while the channel grants credit, so a slow remote PTY stops us
  reading instead of making us buffer; typed bytes pass through the ssh-style escape parser (`~.`, `~?`, `~~`);
- DATA from the agent is written to stdout and acknowledged with `Channel.consumed()` only after `os.write`
  returned, so a flood (`yes`) blocks in the remote kernel once one window is in flight and our memory stays flat.
  stdout stays blocking (its open file description belongs to the parent shell too), so large writes go through a
  writer thread; small ones (an echo, a prompt) are written from the event loop through a second, non-blocking open
  file description of the same terminal or pipe (`_DirectWriter`), which saves the thread hand-off and its two
  wake-ups on every keystroke;
- the local terminal is raw for the duration and restored on every way out (EXIT, ERROR, drop, `~.`, signals,
  exceptions, `atexit`).

Exit statuses follow ssh: the remote status, or 255 when tether itself failed.

With a `resume` callable (the CLI passes one that calls ResumeSession) the session survives a broken connection
(docs/protocol.md section 6): on a drop (no close frame from the server) one line says so, the session reconnects
with backoff for at most `reconnect_for` seconds, and both sides resend from the other's offset, so no output is
lost or repeated and input typed meanwhile (kept in the channel, within its credit) is delivered once. If it
cannot reconnect in time the session is over and the line says how many typed bytes were not delivered.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import ssl
import stat
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

import aiohttp

from tether.client import tracing
from tether.client.datachannel import (
    CLOSE_CODES,
    CLOSE_TIMEOUT,
    CONNECT_TIMEOUT,
    HEARTBEAT,
    SessionFailure,
    connect_data_channel,
    drop_reason,
)
from tether.client.errors import ApiError, ClientError
from tether.client.escape import HELP_TEXT, EscapeAction, EscapeParser
from tether.client.fdwriter import FdWriter
from tether.client.rawmode import RawMode, is_tty
from tether.protocol import (
    MAX_DATA,
    Ack,
    Channel,
    Close,
    CloseCode,
    Data,
    Error,
    Exit,
    Hello,
    ProtocolError,
    Resize,
    Resume,
    Token,
    encode,
)

__all__ = ["EXIT_TETHER_ERROR", "SessionFailure", "TerminalSession", "exit_code_for", "run_terminal_session"]

EXIT_TETHER_ERROR = 255
# Output already received is coalesced into writes of at most this size (fewer syscalls during floods).
MAX_WRITE = 256 * 1024
# Writes up to this size try the event loop's non-blocking stdout first (interactive output); bigger ones, and what a
# full terminal or pipe did not take, go to the writer thread, which runs beside the loop during floods.
DIRECT_WRITE = 16 * 1024
RECONNECT_FOR = 300.0  # the server's default resume window: no point trying longer
RECONNECT_FIRST_DELAY = 0.2
RECONNECT_MAX_DELAY = 5.0

# resume token -> the WebSocket URL of a new attachment (ResumeSession); raises ClientError
Resumer = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class _Outcome:
    status: int
    message: str | None = None


@dataclass(frozen=True)
class _Output:
    data: bytes
    ack: bool  # True for session DATA (acknowledged after writing); False for our own notices


class _DirectWriter:
    """Non-blocking writes to stdout from the event loop, through an open file description of our own.

    Setting O_NONBLOCK on fd 1 itself would change it for the parent shell and anything else sharing the terminal;
    reopening the same terminal or pipe through /proc/self/fd gives a separate description whose flags are ours.
    Only terminals and FIFOs qualify: a reopened regular file would have an offset of its own, a socket cannot be
    reopened. `write` returns how many bytes went out (0 when the kernel has no room); the caller hands the rest to
    the blocking writer thread, so ordering is kept and nothing waits in the loop.
    """

    def __init__(self, fd: int) -> None:
        self.fd = -1
        try:
            mode = os.fstat(fd).st_mode
            if not (stat.S_ISCHR(mode) and os.isatty(fd)) and not stat.S_ISFIFO(mode):
                return
            self.fd = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError:
            self.fd = -1

    def write(self, data: bytes) -> int:
        """Write what the kernel takes now; OSError (EIO, EPIPE ...) propagates like the thread's would."""
        if self.fd < 0:
            return 0
        try:
            return os.write(self.fd, data)
        except (BlockingIOError, InterruptedError):
            return 0

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def exit_code_for(status: int) -> int:
    """Map the remote status (an i32) onto a process exit code: 0..255 as is, -N (signal N) as 128+N, else 255."""
    if 0 <= status <= 255:
        return status
    if -127 <= status < 0:
        return 128 - status
    return EXIT_TETHER_ERROR


def _terminal_size(fd: int | None) -> tuple[int, int] | None:
    if fd is None:
        return None
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    if not (1 <= size.columns <= 65535 and 1 <= size.lines <= 65535):
        return None
    return size.columns, size.lines


class TerminalSession:
    """One interactive session over one data channel. Use `await session.run()` once; it returns the exit code."""

    def __init__(
        self,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        label: str = "session",
        escape_char: bytes | None = b"~",
        stdin_fd: int = 0,
        stdout_fd: int = 1,
        stderr: TextIO | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        heartbeat: float = HEARTBEAT,
        resume: Resumer | None = None,
        reconnect_for: float = RECONNECT_FOR,
    ) -> None:
        self._resume = resume
        self._reconnect_for = reconnect_for
        self._resume_token: str | None = None
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._send_task: asyncio.Task[None] | None = None
        self._connected = True
        self.reconnects = 0
        if resume is not None:
            url += ("&" if "?" in url else "?") + "resumable=1"
        self._url = url
        self._ssl = ssl_context
        self._label = label
        self._stdin_fd = stdin_fd
        self._stdout_fd = stdout_fd
        self._stderr = stderr if stderr is not None else sys.stderr
        self._connect_timeout = connect_timeout
        self._heartbeat = heartbeat
        self._stdin_tty = is_tty(stdin_fd)
        self._raw = RawMode(stdin_fd) if self._stdin_tty else None
        # Escapes only when a person types (like ssh): piped input must pass through untouched.
        self._parser = EscapeParser(escape_char if self._stdin_tty else None)
        self._size_fd = stdin_fd if self._stdin_tty else (stdout_fd if is_tty(stdout_fd) else None)
        self._channel = Channel(resumable=resume is not None)
        self._pending = bytearray()  # input accepted from stdin but not yet covered by credit (<= MAX_DATA + 1)
        self._sendq: asyncio.Queue[bytes] = asyncio.Queue()
        self._out: collections.deque[_Output | _Outcome] = collections.deque()
        self._out_ready = asyncio.Event()
        self._out_busy = False  # the output loop is writing what it took from `_out`
        self._direct: _DirectWriter | None = None
        self._done: asyncio.Future[_Outcome] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reading = False
        self._pollable = True
        self._can_read = asyncio.Event()
        self._stdin_eof = False
        self._eof_sent = False
        self._last_size: tuple[int, int] | None = None

    # ----------------------------------------------------------------------------------------------- life cycle

    async def run(self) -> int:
        """Connect, run the session until it ends, restore the terminal, print the reason; return the exit code."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._done = loop.create_future()
        async with aiohttp.ClientSession(trace_configs=tracing.trace_configs()) as http:
            self._http = http
            ws = self._ws = await self._connect(http)
            writer = FdWriter(self._stdout_fd, loop)
            direct = self._direct = _DirectWriter(self._stdout_fd)
            tasks: list[asyncio.Task[None]] = []
            signals: list[int] = []
            try:
                if self._raw is not None:
                    self._raw.enter()
                signals = self._install_signals(loop)
                self._send(self._channel.hello())
                self._send_size()
                self._send_task = asyncio.create_task(self._send_loop(ws), name="tether-send")
                tasks = [
                    asyncio.create_task(self._receive_loop(ws), name="tether-receive"),
                    self._send_task,
                    asyncio.create_task(self._output_loop(writer, direct), name="tether-output"),
                ]
                self._start_stdin(loop, tasks)
                for task in tasks:
                    task.add_done_callback(self._task_ended)
                outcome = await self._done
            finally:
                self._stop_reading()
                for signum in signals:
                    loop.remove_signal_handler(signum)
                if self._send_task is not None and self._send_task not in tasks:
                    tasks.append(self._send_task)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if self._raw is not None:
                    self._raw.restore()
                writer.close()
                direct.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for((self._ws or ws).close(), CLOSE_TIMEOUT)
        if outcome.message:
            self._stderr.write(outcome.message + "\n")
            self._stderr.flush()
        return outcome.status

    async def _connect(self, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        return await connect_data_channel(
            http, self._url, ssl_context=self._ssl, connect_timeout=self._connect_timeout, heartbeat=self._heartbeat
        )

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        """A pump that dies of a bug must end the session (and restore the terminal), not leave it hanging."""
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            self._finish(EXIT_TETHER_ERROR, f"tether: internal error in {task.get_name()}: {error!r}")

    def _finish(self, status: int, message: str | None = None) -> None:
        """End the session now (first caller wins); `run()` restores the terminal and prints `message`."""
        if self._done is not None and not self._done.done():
            self._done.set_result(_Outcome(status, message))
        self._stop_reading()

    def _finish_after_output(self, status: int, message: str | None = None) -> None:
        """End the session once every byte received so far is on stdout (EXIT, ERROR, drops)."""
        self._out.append(_Outcome(status, message))
        self._out_ready.set()

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        installed: list[int] = []
        if self._size_fd is not None:
            loop.add_signal_handler(signal.SIGWINCH, self._send_size)
            installed.append(signal.SIGWINCH)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)
            installed.append(signum)
        return installed

    def _on_signal(self, signum: int) -> None:
        # Restore first: whatever happens next, the user's terminal must come back sane.
        if self._raw is not None:
            self._raw.restore()
        self._finish(EXIT_TETHER_ERROR, f"tether: session to {self._label} ended by {signal.Signals(signum).name}")

    # --------------------------------------------------------------------------------------------------- sending

    def _send(self, frame: bytes) -> None:
        if self._connected:  # while disconnected: DATA is kept by the channel and resent, ACKs are cumulative
            self._sendq.put_nowait(frame)

    async def _send_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            frame = await self._sendq.get()
            try:
                await ws.send_bytes(frame)
            except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
                if self._resume is not None:
                    return  # the receiving side sees the drop and reconnects
                self._finish_after_output(
                    EXIT_TETHER_ERROR, f"tether: connection to {self._label} lost while sending: {exc}"
                )
                return

    def _send_size(self) -> None:
        size = _terminal_size(self._size_fd)
        if size is None or size == self._last_size:
            return
        self._last_size = size
        self._send(encode(Resize(cols=size[0], rows=size[1])))

    # ------------------------------------------------------------------------------------------------------ stdin

    def _start_stdin(self, loop: asyncio.AbstractEventLoop, tasks: list[asyncio.Task[None]]) -> None:
        try:
            loop.add_reader(self._stdin_fd, self._on_stdin_readable)
            loop.remove_reader(self._stdin_fd)
        except (PermissionError, ValueError, OSError):
            # Regular files and /dev/null cannot be polled; a thread reads them, still within credit.
            self._pollable = False
            tasks.append(asyncio.create_task(self._read_unpollable(), name="tether-stdin"))
        self._update_reader()

    def _want_input(self) -> bool:
        return (
            not self._stdin_eof
            and not self._pending
            and self._done is not None
            and not self._done.done()
            and self._channel.credit(0) > 0
        )

    def _update_reader(self) -> None:
        """Read stdin only while there is credit and nothing waiting: this is where back-pressure stops input."""
        want = self._want_input()
        if not self._pollable:
            if want:
                self._can_read.set()
            else:
                self._can_read.clear()
            return
        if want and not self._reading and self._loop is not None:
            self._loop.add_reader(self._stdin_fd, self._on_stdin_readable)
            self._reading = True
        elif not want and self._reading:
            self._stop_reading()

    def _stop_reading(self) -> None:
        if self._reading and self._loop is not None:
            self._loop.remove_reader(self._stdin_fd)
        self._reading = False
        self._can_read.clear()

    def _on_stdin_readable(self) -> None:
        size = min(self._channel.credit(0), MAX_DATA)
        if size <= 0:
            self._update_reader()
            return
        try:
            data = os.read(self._stdin_fd, size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # EIO: the terminal hung up
        try:
            self._on_input(data)
        except ProtocolError as exc:  # a reader callback's exception would only be logged: end the session instead
            self._finish(EXIT_TETHER_ERROR, f"tether: internal error sending input: {exc}")

    async def _read_unpollable(self) -> None:
        while True:
            await self._can_read.wait()
            size = min(self._channel.credit(0), MAX_DATA)
            if size <= 0 or not self._want_input():
                self._can_read.clear()
                continue
            try:
                data = await asyncio.to_thread(os.read, self._stdin_fd, size)
            except OSError:
                data = b""
            self._on_input(data)
            if self._stdin_eof:
                return

    def _on_input(self, data: bytes) -> None:
        if not data:
            self._stdin_eof = True
            self._pending += self._parser.finish()
            if self._stdin_tty:
                self._flush_pending()
                self._finish(EXIT_TETHER_ERROR, f"tether: the local terminal closed; session to {self._label} ended")
                return
        for item in self._parser.feed(data):
            if isinstance(item, bytes):
                self._pending += item
            elif item is EscapeAction.DISCONNECT:
                self._flush_pending()
                self._finish(EXIT_TETHER_ERROR, f"Connection to {self._label} closed.")
                return
            elif item is EscapeAction.HELP:
                char = self._parser.escape_char or "~"
                text = HELP_TEXT.format(c=char)
                # Raw mode has no output processing: we supply the carriage returns ourselves.
                self._out.append(_Output(("\r\n" + text).replace("\n", "\r\n").replace("\r\r", "\r").encode(), False))
                self._out_ready.set()
        self._flush_pending()
        self._update_reader()

    def _flush_pending(self) -> None:
        """Send as much pending input as credit allows, then EOF once stdin ended and everything went out."""
        credit = self._channel.credit(0)
        if self._pending and credit > 0:
            chunk = bytes(self._pending[:credit])
            del self._pending[: len(chunk)]
            for frame in self._channel.send_data(chunk, 0):
                self._send(frame)
        if self._stdin_eof and not self._pending and not self._eof_sent and self._channel.peer_ready:
            self._eof_sent = True
            self._send(self._channel.send_eof(0))

    # ------------------------------------------------------------------------------------------------- receiving

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        current: aiohttp.ClientWebSocketResponse | None = ws
        while current is not None:
            if not await self._receive(current):
                return
            current = await self._reconnect()

    def _dropped(self, message: aiohttp.WSMessage) -> bool:
        """Whether the connection broke (no close frame from the server) and the session may be resumed."""
        return (
            self._resume is not None
            and self._resume_token is not None
            and message.type is not aiohttp.WSMsgType.CLOSE
            and self._done is not None
            and not self._done.done()
        )

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> bool:
        """Receive until the session ends (False) or the connection broke and may be resumed (True)."""
        while True:
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.BINARY:
                try:
                    frame = self._channel.receive(message.data)
                except ProtocolError as exc:
                    self._finish_after_output(EXIT_TETHER_ERROR, f"tether: protocol error from the server: {exc}")
                    return False
                if self._on_frame(frame):
                    return False
            elif message.type is aiohttp.WSMsgType.TEXT:
                self._finish_after_output(EXIT_TETHER_ERROR, "tether: protocol error: unexpected text message")
                return False
            elif self._dropped(message):
                return True
            else:
                self._finish_after_output(EXIT_TETHER_ERROR, self._end_reason(ws, message))
                return False

    # ------------------------------------------------------------------------------------------------- resuming

    def _notice(self, text: str) -> None:
        """One line on stderr that leaves the terminal line clean (raw mode has no output processing)."""
        self._stderr.write(("\r\n" if self._stdin_tty else "") + text + ("\r\n" if self._stdin_tty else "\n"))
        self._stderr.flush()

    async def _reconnect(self) -> aiohttp.ClientWebSocketResponse | None:
        """Reconnect with backoff within `reconnect_for` seconds; the new connection, or None (session over)."""
        assert self._resume is not None and self._http is not None and self._loop is not None
        self._connected = False
        if self._send_task is not None:
            self._send_task.cancel()
        while not self._sendq.empty():
            self._sendq.get_nowait()
        self._notice(f"tether: connection to {self._label} lost, reconnecting...")
        deadline = self._loop.time() + self._reconnect_for
        delay = RECONNECT_FIRST_DELAY
        last = "no answer"
        while self._done is not None and not self._done.done():
            token = self._resume_token
            left = deadline - self._loop.time()
            if token is None or left <= 0:
                break
            try:
                async with asyncio.timeout(min(left, self._connect_timeout)):
                    url = await self._resume(token)
                    ws = await connect_data_channel(
                        self._http, url, ssl_context=self._ssl, connect_timeout=left, heartbeat=self._heartbeat
                    )
            except ApiError as exc:
                if exc.status < 500 and exc.status != 429:
                    self._finish_after_output(EXIT_TETHER_ERROR, f"tether: cannot resume the session: {exc.describe()}")
                    return None
                last = exc.describe()
            except (ClientError, OSError, TimeoutError) as exc:
                last = str(exc) or type(exc).__name__
            else:
                return self._resumed(ws)
            await asyncio.sleep(min(delay, max(0.0, deadline - self._loop.time())))
            delay = min(delay * 2, RECONNECT_MAX_DELAY)
        sent, acked, _ = self._channel.offsets(0)
        lost = sent - acked + len(self._pending)
        typed = f"; {lost} bytes of input may not have been delivered" if lost else ""
        self._finish_after_output(
            EXIT_TETHER_ERROR,
            f"tether: could not reconnect to {self._label} within {self._reconnect_for:g} s ({last}); "
            f"the session is lost{typed}",
        )
        return None

    def _resumed(self, ws: aiohttp.ClientWebSocketResponse) -> aiohttp.ClientWebSocketResponse:
        """A new connection: RESUME first (our offset), the terminal size, then what the answer asks us to resend."""
        self._ws = ws
        self._connected = True
        self.reconnects += 1
        self._send(self._channel.begin_resume(0))
        self._last_size = None
        self._send_size()
        self._send_task = asyncio.create_task(self._send_loop(ws), name="tether-send")
        self._send_task.add_done_callback(self._task_ended)
        self._notice(f"tether: reconnected to {self._label}")
        return ws

    def _end_reason(self, ws: aiohttp.ClientWebSocketResponse, message: aiohttp.WSMessage) -> str:
        """What to print when the channel closed without EXIT. An orderly close (1000) is the session's end, not a
        lost connection: an agent that reports no exit status (the Cloud Assistant agent) ends every session so.
        A write of ours that met the closing socket must not hide that close's reason."""
        if message.type is aiohttp.WSMsgType.CLOSE and message.data == CloseCode.REATTACHED:
            return f"tether: {CLOSE_CODES[CloseCode.REATTACHED]}; this terminal is no longer attached to it"
        orderly = ws.close_code == CloseCode.OK or (
            message.type is aiohttp.WSMsgType.CLOSE and message.data == CloseCode.OK
        )
        if not orderly:
            return self._drop_reason(ws)
        text = " ".join(str(message.extra or "").split()) if message.type is aiohttp.WSMsgType.CLOSE else ""
        return f"tether: the session on {self._label} ended without an exit status{': ' + text if text else ''}"

    def _drop_reason(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        why = drop_reason(ws, self._heartbeat, default="closed by the server before the shell exited")
        return f"tether: connection to {self._label} lost: {why}"

    def _on_frame(self, frame: object) -> bool:
        """Act on one frame; True when the session is over (EXIT, ERROR or CLOSE) and receiving should stop."""
        if isinstance(frame, Data):
            if not self._channel.resyncing:  # else sent before the reconnect: resent after the RESUME answer
                self._output(frame.data)
        elif isinstance(frame, Token):
            self._resume_token = frame.token
        elif isinstance(frame, Resume):
            for out in self._channel.resumed(frame):
                self._send(out)
            self._flush_pending()
            self._update_reader()
        elif isinstance(frame, Ack | Hello):
            self._flush_pending()
            self._update_reader()
        elif isinstance(frame, Exit):
            notice = f"Connection to {self._label} closed." if self._stdin_tty else None
            self._finish_after_output(exit_code_for(frame.status), notice)
            return True
        elif isinstance(frame, Error):
            text = " ".join(frame.message.split()) or frame.code
            self._finish_after_output(EXIT_TETHER_ERROR, f"tether: {text}")
            return True
        elif isinstance(frame, Close):
            reason = " ".join(frame.reason.split()) or "no reason given"
            self._finish_after_output(EXIT_TETHER_ERROR, f"tether: session to {self._label} closed: {reason}")
            return True
        # EOF (the remote side will send no more output) needs nothing: EXIT follows.
        return False

    def _output(self, data: bytes) -> None:
        """Session output: written here and now when nothing is queued or being written before it (an echo, a
        prompt), which spares the output task's wake-up; otherwise queued behind the rest, in order."""
        direct = self._direct
        if direct is not None and not self._out and not self._out_busy and len(data) <= DIRECT_WRITE:
            try:
                done = direct.write(data)
            except OSError as exc:
                self._finish(EXIT_TETHER_ERROR, f"tether: cannot write to standard output: {exc.strerror}")
                return
            if done:
                self._consumed(done)
                if done == len(data):
                    return
                data = data[done:]
        self._out.append(_Output(data, True))
        self._out_ready.set()

    def _consumed(self, n: int) -> None:
        """`n` received bytes are on stdout: grant the agent that credit back when an ACK is due."""
        ack = self._channel.consumed(n, 0)
        if ack is not None:
            self._send(ack)

    async def _output_loop(self, writer: FdWriter, direct: _DirectWriter) -> None:
        while True:
            await self._out_ready.wait()
            if not self._out:
                self._out_ready.clear()
                continue
            head = self._out.popleft()
            if isinstance(head, _Outcome):
                self._finish(head.status, head.message)
                return
            chunks, acked = [head.data], len(head.data) if head.ack else 0
            total = len(head.data)
            while self._out and isinstance(self._out[0], _Output) and total < MAX_WRITE:
                item = self._out.popleft()
                assert isinstance(item, _Output)
                chunks.append(item.data)
                total += len(item.data)
                acked += len(item.data) if item.ack else 0
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            self._out_busy = True
            try:
                done = direct.write(data) if total <= DIRECT_WRITE else 0
                if done < total:
                    await writer.write(data[done:] if done else data)
            except OSError as exc:
                self._finish(EXIT_TETHER_ERROR, f"tether: cannot write to standard output: {exc.strerror}")
                return
            finally:
                self._out_busy = False
            if acked:
                self._consumed(acked)


async def run_terminal_session(
    url: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    label: str = "session",
    escape_char: bytes | None = b"~",
    stdin_fd: int = 0,
    stdout_fd: int = 1,
    stderr: TextIO | None = None,
    resume: Resumer | None = None,
) -> int:
    """Run one session on `url` (the `WebSocketUrl` of StartTerminalSession); return the process exit code.

    Raises `SessionFailure` when the data channel cannot be opened (nothing was changed on the terminal then).
    """
    session = TerminalSession(
        url,
        ssl_context=ssl_context,
        label=label,
        escape_char=escape_char,
        stdin_fd=stdin_fd,
        stdout_fd=stdout_fd,
        stderr=stderr,
        resume=resume,
    )
    return await session.run()

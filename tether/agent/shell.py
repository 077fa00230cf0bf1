"""One shell session: a real PTY bridged to one data-channel WebSocket, with credit flow control end to end.

Life cycle: dial `data_url` (Bearer token) -> send HELLO -> wait for the client's HELLO (the relay forwards it when
the client connects) and a RESIZE that follows it -> spawn the login shell on the PTY -> pump bytes both ways ->
EXIT(status) when the shell exits, or hang up when the channel closes, the server terminates the session, or the
idle/maximum-duration limit is reached (an ERROR frame tells the user which).

Back-pressure: the PTY master is registered with `loop.add_reader` only while the peer has granted credit
(`Channel.credit()`), and each read takes at most `min(credit, MAX_DATA)` bytes. With no credit nobody reads the
master, the kernel's PTY buffer fills, and a flooding program (`yes`) blocks in write(2). No buffer in this process
ever holds more than one DATA frame of output, or more than one receive window of input.

Input: client DATA is written to the master non-blocking; what the kernel does not take yet waits in a buffer that
the peer's credit bounds to one window. Bytes are acknowledged (`Channel.consumed`) only after the kernel took them,
so a shell that stops reading its terminal stops the client's uploads too.

Starting the shell (the launcher, the login environment, dropping privileges) is `tether.agent.launch`; what every
session kind shares (the channel, limits, the end) is `tether.agent.session`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import fcntl
import logging
import os
import signal
import ssl
import struct
import subprocess
import termios
import time
from typing import Any

import aiohttp

from tether.agent.launch import exit_status, give_tty, spawn_shell
from tether.agent.session import (
    CLIENT_WAIT,
    SEND_TIMEOUT,
    DataChannelSession,
    SessionEnd,
    SessionStartError,
)
from tether.agent.users import LoginUser
from tether.protocol import (
    DEFAULT_WINDOW,
    LOGIN_SHELL_HEADER,
    MAX_DATA,
    Ack,
    Channel,
    Close,
    Data,
    Eof,
    Error,
    Exit,
    Hello,
    ProtocolError,
    Resize,
    Resume,
    Token,
    encode,
)
from tether.protocol.control import OpenSession

log = logging.getLogger(__name__)

DEFAULT_COLS, DEFAULT_ROWS = 80, 24
RESIZE_GRACE = 0.2  # after the client's HELLO, how long its RESIZE may take to arrive before the shell starts
DRAIN_TIMEOUT = 5.0  # after the shell exited, the most time spent sending what is left in the PTY
DRAIN_QUIET = 0.25  # ... or stop once the PTY stayed silent this long while we had credit to read it
MAX_WRITE = 65536  # bytes per write(2) to the PTY master
SHORT_READ = 512  # a PTY read shorter than this emptied the terminal's buffer: no need to ask again for EAGAIN


def set_winsize(fd: int, cols: int, rows: int) -> None:
    """TIOCSWINSZ on the PTY: the kernel sends SIGWINCH to the terminal's foreground process group."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class ShellSession(DataChannelSession):
    """Runs one shell session to its end. `run()` returns how it ended; `terminate()` ends it from outside.

    Activity for the idle limit is client input only: output alone (a `tail -f` being watched) keeps no shell open.
    """

    IDLE_MESSAGE = "the session was idle for {idle:g} seconds without input and was closed"

    def __init__(
        self,
        spec: OpenSession,
        user: LoginUser,
        http: aiohttp.ClientSession,
        *,
        ssl_context: ssl.SSLContext | None = None,
        switch_user: bool | None = None,
        hangup_grace: float = 2.0,
        client_wait: float = CLIENT_WAIT,
    ) -> None:
        super().__init__(spec, http, ssl_context=ssl_context, client_wait=client_wait)
        # Resumable: the output not yet acknowledged (at most the client's window, which credit already bounds) is
        # kept, so a client that reconnects gets everything it lacks; with that window full the PTY is not read and
        # the program blocks in its write, paused, never killed and never losing a byte (docs/protocol.md section 6).
        self._channel = Channel(spec.window or DEFAULT_WINDOW, resumable=True)
        self._replay: collections.deque[bytes] = collections.deque()  # RESUME answer and resent DATA, sent first
        self.user = user
        self._switch_user = os.geteuid() == 0 if switch_user is None else switch_user
        self._hangup_grace = hangup_grace
        self._resized = asyncio.Event()
        self._wake = asyncio.Event()
        self._data_done = False
        self._master = -1
        self._proc: subprocess.Popen[bytes] | None = None
        self._child_task: asyncio.Task[int] | None = None
        self._reading = False
        self._writing = False
        self._pty_eof = False
        self._outbuf = bytearray()
        self._inbuf = bytearray()
        self._eof_at: int | None = None
        self._got_eof = False
        self._pending_ack: bytes | None = None
        self._last_read = time.monotonic()
        self.bytes_out = 0
        self.bytes_in = 0

    def channel_headers(self) -> dict[str, str]:
        """The login shell (the user's passwd entry), so the recording's header names the shell that really runs."""
        return {LOGIN_SHELL_HEADER: self.user.shell}

    @property
    def pid(self) -> int | None:
        """The shell's pid once it runs (tests and diagnostics)."""
        return self._proc.pid if self._proc else None

    # -- the whole session ----------------------------------------------------------------------------------------

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> SessionEnd:
        """Open a PTY, wait for the client, start the shell on it, pump bytes; EXIT(status) when the shell exits."""
        assert self._end is not None
        self._master, slave = os.openpty()
        try:
            os.set_blocking(self._master, False)
            set_winsize(self._master, DEFAULT_COLS, DEFAULT_ROWS)
            _set_iutf8(slave)
            if (end := await self._open_channel(ws)) is not None:
                return end
            # The client sends RESIZE right after HELLO; let it land so the first prompt has the right size.
            await self._wait(self._resized, RESIZE_GRACE)
            if self._end.done():
                return self._end.result()
            if self._switch_user:
                try:
                    give_tty(slave, self.user)
                except OSError as e:
                    message = f"cannot hand the terminal to {self.user.name!r}: {e}"
                    raise SessionStartError("ShellStartFailed", message) from None
            self._proc = spawn_shell(
                self.user,
                self.spec.command,
                slave,
                switch_user=self._switch_user,
                no_new_privileges=self.spec.no_new_privileges,
            )
        finally:
            os.close(slave)
        log.info("session %s: shell started for %s (pid %d)", self.session_id, self.user.name, self._proc.pid)
        child = asyncio.create_task(self._wait_child())
        self._child_task = child
        self._tasks.extend([child, asyncio.create_task(self._sender())])
        self._start_limits()
        self._resume_reader()
        either: set[asyncio.Future[Any]] = {self._end, child}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if self._end.done():
            return self._end.result()
        status = exit_status(child.result())
        await self._drain()
        if not self._end.done():
            await self._send_final(encode(Exit(status)), flush=True)
        return SessionEnd("exit", status)

    async def _silence(self) -> None:
        self._pause_reader()  # the sender task is gone already; no more output is read

    async def _release(self) -> None:
        await self._hangup()

    async def _send_final(self, frame: bytes, *, flush: bool = False) -> None:
        """Send the last frame (EXIT or ERROR), after any output already read when `flush`; nothing follows it."""
        ws = self._ws
        assert ws is not None

        async def send() -> None:
            self._pause_reader()
            async with self._send_lock:
                self._data_done = True
                if flush:
                    await self._send_pending(ws)
                await ws.send_bytes(frame)

        with contextlib.suppress(Exception):
            await asyncio.wait_for(send(), SEND_TIMEOUT)

    # -- from the client -----------------------------------------------------------------------------------------

    def _on_frame(self, frame: object) -> None:
        match frame:
            case Data(_, data) if not self._channel.resyncing:
                self._last_activity = time.monotonic()
                self.bytes_in += len(data)
                self._inbuf += data
                self._flush_input()
            case Ack():
                self._resume_reader()
            case Data():
                pass  # sent before a reconnect we are resuming from: resent from our offset
            case Resume():
                self._replay += self._channel.resumed(frame)
                self._wake.set()
            case Token(token):
                self._resume_token = token
            case Resize(cols, rows):
                if self._master >= 0:
                    set_winsize(self._master, cols, rows)
                self._resized.set()
            case Eof():
                # Like ssh with a PTY: end of input is the terminal's EOF character, sent once.
                if not self._got_eof:
                    self._got_eof = True
                    self._eof_at = len(self._inbuf)
                    self._inbuf += b"\x04"
                    self._flush_input()
            case Hello():
                self._hello.set()
            case Close(_, reason):
                self._finish(SessionEnd("hangup", None, None, reason))
            case Error(code, message):
                self._client_error(code, message)
            case _:
                raise ProtocolError("unexpected-frame", f"{type(frame).__name__} has no meaning in a shell session")

    def _flush_input(self) -> None:
        """Write pending input to the PTY master without blocking; acknowledge what the kernel took."""
        if self._master < 0:
            return
        while self._inbuf:
            try:
                n = os.write(self._master, self._inbuf[:MAX_WRITE])
            except BlockingIOError:
                break
            except OSError:
                # The terminal is gone (EIO after the shell exited): nothing will ever read this input.
                n = len(self._inbuf)
            counted = n
            if self._eof_at is not None:
                if self._eof_at < n:
                    counted -= 1
                    self._eof_at = None
                else:
                    self._eof_at -= n
            del self._inbuf[:n]
            if counted:
                ack = self._channel.consumed(counted)
                if ack is not None:
                    self._pending_ack = ack
                    self._wake.set()
        assert self._loop is not None
        if self._inbuf and not self._writing:
            self._loop.add_writer(self._master, self._flush_input)
            self._writing = True
        elif not self._inbuf and self._writing:
            self._loop.remove_writer(self._master)
            self._writing = False

    # -- to the client -------------------------------------------------------------------------------------------

    def _room(self) -> int:
        return min(self._channel.credit() - len(self._outbuf), MAX_DATA - len(self._outbuf))

    def _resume_reader(self) -> None:
        if self._reading or self._data_done or self._pty_eof or self._master < 0 or self._proc is None:
            return
        if self._room() <= 0:
            return
        assert self._loop is not None
        self._loop.add_reader(self._master, self._on_readable)
        self._reading = True

    def _pause_reader(self) -> None:
        if self._reading:
            assert self._loop is not None
            self._loop.remove_reader(self._master)
            self._reading = False

    def _on_readable(self) -> None:
        """Read what the PTY holds, up to one frame's worth or the credit left.

        The kernel hands out at most about 4 KiB per read of a PTY, but while a program floods output the buffer
        refills as fast as we empty it; reading on until EAGAIN turns ~16 small frames into one 64 KiB frame, which
        is what makes bulk output cheap for every hop after this one. Interactive output (an echo) is one short
        read, sent at once: a read that returned less than SHORT_READ found the buffer (up to 4 KiB) nearly empty,
        so the read that would only say EAGAIN is skipped (a syscall and an exception per keystroke). Anything
        written after it makes the master readable again, and the loop calls us back.
        """
        room = self._room()
        if room <= 0:
            self._pause_reader()
            return
        got = 0
        while room > 0:
            try:
                chunk = os.read(self._master, room)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno != errno.EIO:
                    log.warning("session %s: reading the PTY failed: %s", self.session_id, e)
                chunk = b""
            if not chunk:
                # EIO: every slave descriptor is closed, the shell and its children are gone.
                self._pty_eof = True
                self._pause_reader()
                break
            got += len(chunk)
            self._outbuf += chunk
            room -= len(chunk)
            if len(chunk) < SHORT_READ:
                break
        if got:
            self._last_read = time.monotonic()
            if self._room() <= 0:
                self._pause_reader()
        if got or self._pty_eof:
            self._wake.set()

    async def _sender(self) -> None:
        """Writes ACKs and PTY output while the shell runs; `_send_lock` keeps the final frame last. Frames that
        meet a broken channel are lost with it: the channel kept the output, which a resume sends again."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            async with self._send_lock:
                if self._data_done:
                    return
                ws = self._ws
                assert ws is not None
                try:
                    await self._send_pending(ws)
                except (ConnectionError, aiohttp.ClientError, RuntimeError):
                    if not self._channel.resumable:
                        raise
            self._resume_reader()

    async def _send_pending(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while self._replay:  # a RESUME's answer and resent output go before any new output
            await ws.send_bytes(self._replay.popleft())
        if self._pending_ack is not None:
            ack, self._pending_ack = self._pending_ack, None
            await ws.send_bytes(ack)
        if self._outbuf and not self._channel.resyncing:  # resyncing: no credit until the answer
            data = bytes(self._outbuf)
            self._outbuf.clear()
            for frame in self._channel.send_data(data):
                await ws.send_bytes(frame)
            self.bytes_out += len(data)

    def _new_channel(self) -> None:
        """A re-dialled channel: what was queued for the broken one is void (the resume resends the output)."""
        self._replay.clear()
        self._pending_ack = None

    async def _drain(self) -> None:
        """After the shell exited: send what is left in the PTY, until EIO, a quiet spell, or DRAIN_TIMEOUT."""
        assert self._end is not None
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while not self._end.done() and time.monotonic() < deadline:
            flowing = self._reading and not self._outbuf
            if self._pty_eof and not self._outbuf:
                return
            if flowing and time.monotonic() - self._last_read >= DRAIN_QUIET:
                return
            await asyncio.sleep(0.02)

    # -- the child ----------------------------------------------------------------------------------------------

    async def _wait_child(self) -> int:
        """Wait for the shell to exit without a thread: a pidfd becomes readable when the process ends."""
        proc = self._proc
        assert proc is not None and self._loop is not None
        try:
            pidfd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            # Kernels before 5.3 have no pidfd: poll, there is no event to wait on without a reaper thread.
            while proc.poll() is None:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            return proc.returncode
        exited: asyncio.Future[None] = self._loop.create_future()

        def on_exit() -> None:
            if not exited.done():
                exited.set_result(None)

        self._loop.add_reader(pidfd, on_exit)
        try:
            await exited
        finally:
            self._loop.remove_reader(pidfd)
            os.close(pidfd)
        return proc.wait()

    async def _hangup(self) -> None:
        """Close the terminal, SIGHUP the shell's process group, SIGKILL it after the grace time; always reap."""
        self._pause_reader()
        if self._master >= 0:
            if self._writing and self._loop is not None:
                self._loop.remove_writer(self._master)
                self._writing = False
            os.close(self._master)
            self._master = -1
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        # The shell is alive and not reaped, so its pid (= its process group id) cannot have been reused.
        for sig in (signal.SIGHUP, signal.SIGCONT):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
        try:
            if not await self._child_exited(self._hangup_grace):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                if not await self._child_exited(5.0):
                    log.error("session %s: shell pid %d survived SIGKILL", self.session_id, proc.pid)
        finally:
            if self._child_task is not None:
                self._child_task.cancel()
        log.info("session %s: shell hung up", self.session_id)

    async def _child_exited(self, seconds: float) -> bool:
        proc = self._proc
        assert proc is not None
        task = self._child_task
        if task is None or task.cancelled() or (task.done() and task.exception() is not None):
            task = asyncio.create_task(self._wait_child())
            self._child_task = task
        done, _ = await asyncio.wait({task}, timeout=seconds)
        return bool(done) or proc.poll() is not None


def _set_iutf8(fd: int) -> None:
    """Tell the line discipline input is UTF-8, so backspace in canonical mode erases a whole CJK character."""
    iutf8 = getattr(termios, "IUTF8", 0)
    if not iutf8:
        return
    attrs = termios.tcgetattr(fd)
    attrs[0] |= iutf8
    termios.tcsetattr(fd, termios.TCSANOW, attrs)

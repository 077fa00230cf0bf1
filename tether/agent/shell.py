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

Starting the child (why not `preexec_fn`, and why a Python launcher): the agent is a threaded asyncio daemon, and
running Python code between fork and exec is unsafe there (locks held by other threads are copied locked), so the
child only gets the PTY as its controlling terminal after exec. `subprocess.Popen(start_new_session=True)` makes the
child a session leader (setsid in C, between fork and exec, no Python involved), and it execs `LAUNCHER`: a dozen
lines run by `python -I -S` that take the terminal (`TIOCSCTTY`), drop privileges (setgroups, setgid, setuid, then
verify), chdir to the home directory and execve the shell with a chosen argv0 (`-bash`). We do not use `setsid
--ctty`: with `start_new_session` it forks again (so we would lose the shell's pid and exit status), it cannot set a
login argv0, and it is missing from busybox systems. The launcher runs with the agent's privileges and drops them
itself rather than through Popen's `user=`/`group=`/`extra_groups=`, because the agent's interpreter is often not
executable by the target user (pyenv or a venv under `/root`, mode 0700); the calls and their order are exactly
those Popen would make, followed by a check that the real, effective and saved ids all changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import grp
import logging
import os
import signal
import ssl
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tether.agent.users import LoginUser
from tether.protocol import (
    DEFAULT_WINDOW,
    MAX_DATA,
    MAX_MESSAGE,
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
    encode,
)
from tether.protocol.control import OpenSession

log = logging.getLogger(__name__)

DEFAULT_COLS, DEFAULT_ROWS = 80, 24
DATA_HEARTBEAT = 20.0
CONNECT_TIMEOUT = 30.0
CLIENT_WAIT = 660.0  # a client token is valid for 10 minutes; the relay closes us before this
RESIZE_GRACE = 0.2  # after the client's HELLO, how long its RESIZE may take to arrive before the shell starts
DRAIN_TIMEOUT = 5.0  # after the shell exited, the most time spent sending what is left in the PTY
DRAIN_QUIET = 0.25  # ... or stop once the PTY stayed silent this long while we had credit to read it
SEND_TIMEOUT = 5.0  # final EXIT/ERROR frames and the close handshake
MAX_WRITE = 65536  # bytes per write(2) to the PTY master
SHORT_READ = 512  # a PTY read shorter than this emptied the terminal's buffer: no need to ask again for EAGAIN
USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOCALE_FILE = Path("/etc/default/locale")

async def dial_data_channel(
    http: aiohttp.ClientSession, spec: OpenSession, ssl_context: ssl.SSLContext | None
) -> aiohttp.ClientWebSocketResponse:
    """Dial a session's data channel with its one-time agent token; `SessionStartError` when that fails.

    Shared by every session kind: the token goes in a header (never the URL, which servers log), and the size limit
    is one byte above MAX_MESSAGE because aiohttp refuses a message whose size equals the limit.
    """
    try:
        return await asyncio.wait_for(
            http.ws_connect(
                spec.data_url,
                headers={"Authorization": f"Bearer {spec.token}"},
                max_msg_size=MAX_MESSAGE + 1,
                heartbeat=DATA_HEARTBEAT,
                ssl=ssl_context if ssl_context is not None else True,
            ),
            CONNECT_TIMEOUT,
        )
    except (aiohttp.ClientError, OSError, TimeoutError) as e:
        raise SessionStartError(
            "DataChannel.ConnectFailed", f"cannot open the data channel: {type(e).__name__}: {e}"
        ) from None


async def receive_frames(
    ws: aiohttp.ClientWebSocketResponse, channel: Channel, on_frame: Callable[[object], None], session_id: str
) -> SessionEnd:
    """Feed every data-channel message through `channel` to `on_frame` until the client side goes away.

    Returns how the session ends from the client's side: a hang-up, or a protocol error (which ends only this
    session). `on_frame` must not wait, so one slow consumer never holds up the frames behind it.
    """
    binary, text, receive = aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT, ws.receive
    try:
        while True:  # `ws.receive()` without `async for`: one coroutine frame less per keystroke
            msg = await receive()
            if msg.type is binary:
                on_frame(channel.receive(msg.data))
            elif msg.type is text:
                raise ProtocolError("text-message", "data channels carry binary frames only")
            else:  # CLOSE, CLOSING, CLOSED, ERROR
                break
    except ProtocolError as e:
        log.warning("session %s: protocol error from the client side: %s", session_id, e)
        return SessionEnd("error", None, "ProtocolError", str(e))
    return SessionEnd("hangup")


# Runs in the child, after exec, as a fresh single-threaded process. argv: uid gid groups home path argv0 args...
# uid -1 means "stay who you are" (an agent that is not root).
LAUNCHER = """\
import fcntl, os, sys, termios
try:
    a = sys.argv
    uid, gid = int(a[1]), int(a[2])
    groups = [int(g) for g in a[3].split(",") if g]
    home, path, argv = a[4], a[5], a[6:]
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    if uid >= 0:
        os.setgroups(groups)
        os.setgid(gid)
        os.setuid(uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise OSError("the user and group ids did not change")
    try:
        os.chdir(home)
    except OSError:
        os.chdir("/")
    os.execve(path, argv, os.environ)
except BaseException as e:
    os.write(2, ("tether: cannot start the shell: %s\\r\\n" % (e,)).encode("utf-8", "replace"))
    os._exit(127)
"""


class SessionStartError(Exception):
    """The session could not start; `code` and `message` go into `session_failed`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """How a session ended: `reason` is one of the `session_ended` reasons of docs/protocol.md."""

    reason: str
    exit_status: int | None = None
    error_code: str | None = None
    error_message: str = ""


def exit_status(returncode: int) -> int:
    """Shell-style status: the exit code, or 128 + signal number for a child killed by a signal."""
    return 128 - returncode if returncode < 0 else returncode


def system_locale(path: Path = LOCALE_FILE) -> str:
    """The system default `LANG` when it is a UTF-8 locale, else `C.UTF-8` (always present on modern glibc).

    Terminal bytes are carried exactly; the locale only decides how programs in the shell interpret them, and a
    non-UTF-8 default (or none, as in containers) would make them mangle CJK text.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "C.UTF-8"
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        value = value.strip().strip("'\"")
        if key == "LANG" and value:
            normalized = value.lower().replace("-", "")
            if normalized.endswith(".utf8") or ".utf8@" in normalized:
                return value
    return "C.UTF-8"


def login_environment(user: LoginUser, *, lang: str | None = None) -> dict[str, str]:
    """The environment a login gives `user`, built from scratch: nothing of the agent's own environment leaks in."""
    return {
        "HOME": user.home,
        "USER": user.name,
        "LOGNAME": user.name,
        "SHELL": user.shell,
        "PATH": ROOT_PATH if user.uid == 0 else USER_PATH,
        "MAIL": f"/var/mail/{user.name}",
        "TERM": "xterm-256color",
        "LANG": lang or system_locale(),
    }


def shell_argv(user: LoginUser, command: str | None) -> list[str]:
    """argv for the shell: `-bash` (a login shell, as login(1) does it) or `bash -c COMMAND`."""
    name = os.path.basename(user.shell) or "sh"
    if command:
        return [name, "-c", command]
    return ["-" + name]


def set_winsize(fd: int, cols: int, rows: int) -> None:
    """TIOCSWINSZ on the PTY: the kernel sends SIGWINCH to the terminal's foreground process group."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def spawn_shell(user: LoginUser, command: str | None, slave: int, *, switch_user: bool) -> subprocess.Popen[bytes]:
    """Start the launcher (see the module docstring) on the PTY slave; it becomes the shell."""
    argv = shell_argv(user, command)
    if switch_user:
        ids = [str(user.uid), str(user.gid), ",".join(str(g) for g in user.groups)]
    else:
        ids = ["-1", "-1", ""]
    args = [sys.executable, "-I", "-S", "-c", LAUNCHER, *ids, user.home, user.shell, *argv]
    try:
        return subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=login_environment(user),
            cwd="/",
            start_new_session=True,
            close_fds=True,
        )
    except OSError as e:
        raise SessionStartError("ShellStartFailed", f"cannot start a shell for {user.name!r}: {e}") from None


class SessionEnding:
    """How a session's end is decided, shared by every kind: the first reason wins, even one given before `run`.

    Subclasses set `_end` (a future) when `run` starts and `_pending_end` to None in `__init__`.
    """

    _end: asyncio.Future[SessionEnd] | None
    _pending_end: SessionEnd | None

    def terminate(self, reason: str = "") -> None:
        """End the session now: an ERROR frame tells the user, then the shell or the connections are closed."""
        message = f"the session was ended: {reason}" if reason else "the session was ended"
        self._finish(SessionEnd("terminated", None, "SessionTerminated", message))

    def _finish(self, end: SessionEnd) -> None:
        if self._end is None:
            if self._pending_end is None:
                self._pending_end = end
        elif not self._end.done():
            self._end.set_result(end)


class ShellSession(SessionEnding):
    """Runs one shell session to its end. `run()` returns how it ended; `terminate()` ends it from outside."""

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
        self.spec = spec
        self.user = user
        self._http = http
        self._ssl = ssl_context
        self._switch_user = os.geteuid() == 0 if switch_user is None else switch_user
        self._hangup_grace = hangup_grace
        self._client_wait = client_wait
        self._channel = Channel(spec.window or DEFAULT_WINDOW)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._end: asyncio.Future[SessionEnd] | None = None
        self._pending_end: SessionEnd | None = None
        self._hello = asyncio.Event()
        self._resized = asyncio.Event()
        self._wake = asyncio.Event()
        self._send_lock = asyncio.Lock()
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
        self._last_input = time.monotonic()
        self._last_read = time.monotonic()
        self.bytes_out = 0
        self.bytes_in = 0

    @property
    def session_id(self) -> str:
        return self.spec.session_id

    @property
    def pid(self) -> int | None:
        """The shell's pid once it runs (tests and diagnostics)."""
        return self._proc.pid if self._proc else None

    # -- the whole session ----------------------------------------------------------------------------------------

    async def run(self) -> SessionEnd:
        """Dial the data channel and run the session; raise `SessionStartError` if the shell never started."""
        self._loop = asyncio.get_running_loop()
        self._end = self._loop.create_future()
        if self._pending_end is not None:
            self._end.set_result(self._pending_end)
            return self._pending_end
        ws = await dial_data_channel(self._http, self.spec, self._ssl)
        tasks: list[asyncio.Task[object]] = []
        end: SessionEnd | None = None
        try:
            end = await self._session(ws, tasks)
            return end
        except SessionStartError as e:
            end = SessionEnd("error", None, e.code, e.message)
            raise
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if end is not None and end.error_code and not ws.closed:
                await self._send_final(ws, encode(Error(end.error_code, end.error_message[:1000])))
            await self._hangup()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), SEND_TIMEOUT)

    async def _session(self, ws: aiohttp.ClientWebSocketResponse, tasks: list[asyncio.Task[object]]) -> SessionEnd:
        assert self._end is not None
        self._master, slave = os.openpty()
        try:
            os.set_blocking(self._master, False)
            set_winsize(self._master, DEFAULT_COLS, DEFAULT_ROWS)
            _set_iutf8(slave)
            await ws.send_bytes(self._channel.hello())
            tasks.append(asyncio.create_task(self._receive_loop(ws)))
            if not await self._wait(self._hello, self._client_wait):
                if self._end.done():
                    return self._end.result()
                return SessionEnd("hangup", None, "ClientTimeout", "no client connected to the session in time")
            # The client sends RESIZE right after HELLO; let it land so the first prompt has the right size.
            await self._wait(self._resized, RESIZE_GRACE)
            if self._end.done():
                return self._end.result()
            if self._switch_user:
                try:
                    _give_tty(slave, self.user)
                except OSError as e:
                    message = f"cannot hand the terminal to {self.user.name!r}: {e}"
                    raise SessionStartError("ShellStartFailed", message) from None
            self._proc = spawn_shell(self.user, self.spec.command, slave, switch_user=self._switch_user)
        finally:
            os.close(slave)
        log.info("session %s: shell started for %s (pid %d)", self.session_id, self.user.name, self._proc.pid)
        self._last_input = time.monotonic()
        child = asyncio.create_task(self._wait_child())
        self._child_task = child
        tasks.extend([child, asyncio.create_task(self._sender(ws)), asyncio.create_task(self._limits())])
        self._resume_reader()
        await asyncio.wait({self._end, child}, return_when=asyncio.FIRST_COMPLETED)
        if self._end.done():
            return self._end.result()
        status = exit_status(child.result())
        await self._drain()
        if not self._end.done():
            await self._send_final(ws, encode(Exit(status)), flush=True)
        return SessionEnd("exit", status)

    async def _wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait for `event` at most `seconds`, or until the session is over; return whether it is set."""
        assert self._end is not None
        waiter = asyncio.create_task(event.wait())
        try:
            await asyncio.wait({waiter, self._end}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        return event.is_set()

    async def _send_final(self, ws: aiohttp.ClientWebSocketResponse, frame: bytes, *, flush: bool = False) -> None:
        """Send the last frame (EXIT or ERROR), after any output already read when `flush`; nothing follows it."""

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

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._finish(await receive_frames(ws, self._channel, self._on_frame, self.session_id))

    def _on_frame(self, frame: object) -> None:
        match frame:
            case Data(_, data):
                self._last_input = time.monotonic()
                self.bytes_in += len(data)
                self._inbuf += data
                self._flush_input()
            case Ack():
                self._resume_reader()
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
                log.info("session %s: the client side reported %s: %s", self.session_id, code, message)
                self._finish(SessionEnd("hangup"))
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

    async def _sender(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Writes ACKs and PTY output while the shell runs; `_send_lock` keeps the final frame last."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            async with self._send_lock:
                if self._data_done:
                    return
                await self._send_pending(ws)
            self._resume_reader()

    async def _send_pending(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self._pending_ack is not None:
            ack, self._pending_ack = self._pending_ack, None
            await ws.send_bytes(ack)
        if self._outbuf:
            data = bytes(self._outbuf)
            self._outbuf.clear()
            for frame in self._channel.send_data(data):
                await ws.send_bytes(frame)
            self.bytes_out += len(data)

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

    # -- limits and the child ------------------------------------------------------------------------------------

    async def _limits(self) -> None:
        """Idle timeout (no client input) and maximum duration, each optional (0 = none)."""
        started = time.monotonic()
        idle, longest = self.spec.idle_timeout, self.spec.max_duration
        while True:
            now = time.monotonic()
            if longest and now - started >= longest:
                self._finish(SessionEnd(
                    "max_duration", None, "MaxDurationExceeded",
                    f"the session reached its maximum duration of {longest:g} seconds and was closed",
                ))
                return
            if idle and now - self._last_input >= idle:
                self._finish(SessionEnd(
                    "idle_timeout", None, "IdleTimeout",
                    f"the session was idle for {idle:g} seconds without input and was closed",
                ))
                return
            waits = [started + longest - now] if longest else []
            if idle:
                waits.append(self._last_input + idle - now)
            await asyncio.sleep(max(0.01, min(waits)) if waits else 3600)

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
        exited = self._loop.create_future()
        self._loop.add_reader(pidfd, lambda: exited.done() or exited.set_result(None))
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


def _give_tty(slave: int, user: LoginUser) -> None:
    """Make the terminal the user's (group tty, 0620) as login and sshd do, so `mesg`, `tmux` and `ttyname` work."""
    try:
        tty_gid = grp.getgrnam("tty").gr_gid
    except KeyError:
        tty_gid = user.gid
    os.fchown(slave, user.uid, tty_gid)
    os.fchmod(slave, 0o620)

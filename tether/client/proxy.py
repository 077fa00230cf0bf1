"""`tether proxy`: standard input and output as one TCP connection through a forwarding session.

Made for ssh's `ProxyCommand`, so it must move bulk data (scp, rsync, git) at the speed of the link:
- stdin is read in large chunks, only while the stream has credit (`loop.add_reader` on pipes and sockets, a daemon
  thread for regular files that cannot be polled), so a slow remote end stops us reading instead of buffering;
- DATA is written to stdout by a writer thread (`FdWriter`, blocking writes, coalesced up to `MAX_WRITE`) and
  acknowledged only after the write returned, so a slow reader of our stdout slows the remote sender;
- stdin EOF becomes an EOF frame (half-close); the remote EOF closes stdout, which is how ssh learns the
  connection ended. Both done and everything acknowledged: exit 0. Anything else: 255 and one line on stderr.

The streaming itself is `tether.client.forward.Multiplexer`, shared with `tether portforward`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import queue
import signal
import threading

import aiohttp

from tether.client.api import ApiClient
from tether.client.fdwriter import FdWriter
from tether.client.forward import ForwardTarget, Multiplexer, open_forward_channel

__all__ = ["PROXY_WINDOW", "StdioProxy", "run_proxy"]

EXIT_FAILURE = 255
# One stream only, so a larger receive window than the shared default costs little and helps on long links.
PROXY_WINDOW = 4 * 1024 * 1024
READ_SIZE = 1024 * 1024
MAX_WRITE = 1024 * 1024


class _ThreadReader:
    """Blocking reads on a daemon thread, for inputs the event loop cannot poll (regular files).

    A daemon thread, because a read that never returns must not keep the process alive after the proxy ended.
    """

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self._fd = fd
        self._loop = loop
        self._requests: queue.SimpleQueue[tuple[int, asyncio.Future[bytes]]] = queue.SimpleQueue()
        threading.Thread(target=self._run, name=f"tether-read-fd{fd}", daemon=True).start()

    def read(self, size: int) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = self._loop.create_future()
        self._requests.put((size, future))
        return future

    def _run(self) -> None:
        while True:
            size, future = self._requests.get()
            try:
                data = os.read(self._fd, size)
            except OSError:
                data = b""
            try:
                self._loop.call_soon_threadsafe(_resolve, future, data)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                return
            if not data:
                return


def _resolve(future: asyncio.Future[bytes], data: bytes) -> None:
    if not future.done():
        future.set_result(data)


def _close_output(fd: int) -> None:
    """Close `fd` for the reader on the other end (EOF), keeping the number occupied by /dev/null.

    Leaving fd 1 unallocated would let a later open() take it and receive stray prints.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class StdioProxy:
    """Bridges two file descriptors and one stream of `mux`; `await run()` once, it returns (status, message)."""

    def __init__(self, mux: Multiplexer, target: ForwardTarget, *, stdin_fd: int = 0, stdout_fd: int = 1) -> None:
        self._mux = mux
        self._target = target
        self._stdin_fd = stdin_fd
        self._stdout_fd = stdout_fd
        self._stream = 0
        self._loop = asyncio.get_running_loop()
        self._outcome: asyncio.Future[tuple[int, str | None]] = self._loop.create_future()
        self._out: collections.deque[bytes] = collections.deque()  # received, not yet written (<= one window)
        self._out_ready = asyncio.Event()
        self._where = f"{target.open_target} on {target.instance_id}"
        self._received = 0
        self._written = 0
        self._remote_eof = False
        self._stdout_closed = False
        self._stdin_eof = False
        self._open = False
        self._pollable = True
        self._reading = False
        self._can_read = asyncio.Event()

    async def run(self) -> tuple[int, str | None]:
        """Open the stream and pump until both directions ended (0) or something failed (255, message)."""
        writer = FdWriter(self._stdout_fd, self._loop)
        tasks = [asyncio.create_task(self._output_loop(writer), name="tether-proxy-output")]
        signals: list[int] = []
        try:
            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                self._loop.add_signal_handler(signum, self._on_signal, signum)
                signals.append(signum)
            self._stream = self._mux.open(self._target.open_target, self)
            self._start_stdin(tasks)
            for task in tasks:
                task.add_done_callback(self._task_ended)
            return await self._outcome
        finally:
            self._stop_reading()
            for installed in signals:
                self._loop.remove_signal_handler(installed)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            writer.close()

    def _finish(self, status: int, message: str | None = None) -> None:
        if not self._outcome.done():
            self._outcome.set_result((status, message))
        self._stop_reading()

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._finish(EXIT_FAILURE, f"tether: internal error in {task.get_name()}: {task.exception()!r}")

    def _on_signal(self, signum: int) -> None:
        # ssh sends SIGHUP to its ProxyCommand when it is done with it: that is an ordinary end, not news.
        message = (
            None
            if signum == signal.SIGHUP
            else f"tether: proxy to {self._where} ended by {signal.Signals(signum).name}"
        )
        self._finish(EXIT_FAILURE, message)

    # ------------------------------------------------------------------------------------------- StreamHandler

    def on_open(self) -> None:
        self._open = True
        self._update_reader()

    def on_open_failed(self, reason: str) -> None:
        self._finish(EXIT_FAILURE, f"tether: cannot connect to {self._where}: {reason}")

    def on_data(self, data: bytes) -> None:
        self._received += len(data)
        self._out.append(data)
        self._out_ready.set()

    def on_eof(self) -> None:
        self._remote_eof = True
        self._out_ready.set()

    def on_credit(self) -> None:
        self._update_reader()

    def on_finished(self) -> None:
        self._close_stdout()
        self._finish(0)

    def on_reset(self, reason: str) -> None:
        if self._remote_eof and self._stdin_eof and self._written == self._received:
            self._finish(0)  # everything was delivered; the remote side merely closed first
        else:
            self._finish(EXIT_FAILURE, f"tether: connection to {self._where} lost: {reason}")

    # ---------------------------------------------------------------------------------------------------- stdin

    def _start_stdin(self, tasks: list[asyncio.Task[None]]) -> None:
        try:
            self._loop.add_reader(self._stdin_fd, self._on_stdin_readable)
            self._loop.remove_reader(self._stdin_fd)
        except (PermissionError, ValueError, OSError):
            self._pollable = False  # regular files (and /dev/null) cannot be polled
            tasks.append(asyncio.create_task(self._read_unpollable(), name="tether-proxy-stdin"))
        self._update_reader()

    def _want_input(self) -> bool:
        return self._open and not self._stdin_eof and not self._outcome.done() and self._credit() > 0

    def _credit(self) -> int:
        return self._mux.credit(self._stream) if self._stream else 0

    def _update_reader(self) -> None:
        """Read stdin only while the stream has credit: this is where back-pressure reaches the local sender."""
        want = self._want_input()
        if not self._pollable:
            if want:
                self._can_read.set()
            else:
                self._can_read.clear()
        elif want and not self._reading:
            self._loop.add_reader(self._stdin_fd, self._on_stdin_readable)
            self._reading = True
        elif not want and self._reading:
            self._stop_reading()

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._stdin_fd)
            self._reading = False
        self._can_read.clear()

    def _on_stdin_readable(self) -> None:
        size = min(self._credit(), READ_SIZE)
        if size <= 0:
            self._update_reader()
            return
        try:
            data = os.read(self._stdin_fd, size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self._on_input(data)

    async def _read_unpollable(self) -> None:
        reader = _ThreadReader(self._stdin_fd, self._loop)
        while not self._stdin_eof:
            await self._can_read.wait()
            size = min(self._credit(), READ_SIZE)
            if size <= 0 or not self._want_input():
                self._can_read.clear()
                continue
            self._on_input(await reader.read(size))

    def _on_input(self, data: bytes) -> None:
        if data:
            self._mux.send(self._stream, data)
        else:
            self._stdin_eof = True
            self._mux.send_eof(self._stream)  # may finish the stream
        self._update_reader()

    # --------------------------------------------------------------------------------------------------- stdout

    async def _output_loop(self, writer: FdWriter) -> None:
        while True:
            await self._out_ready.wait()
            if not self._out:
                self._out_ready.clear()
                if self._remote_eof:
                    self._close_stdout()
                continue
            chunks = [self._out.popleft()]
            total = len(chunks[0])
            while self._out and total < MAX_WRITE:
                chunks.append(self._out.popleft())
                total += len(chunks[-1])
            try:
                await writer.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))
            except OSError as exc:
                self._finish(EXIT_FAILURE, f"tether: cannot write to standard output: {exc.strerror}")
                return
            self._written += total
            self._mux.consumed(self._stream, total)

    def _close_stdout(self) -> None:
        """Remote EOF, once everything before it is written: the reader of our stdout sees end of file."""
        if not self._stdout_closed:
            self._stdout_closed = True
            _close_output(self._stdout_fd)


async def run_proxy(
    api: ApiClient, target: ForwardTarget, *, stdin_fd: int = 0, stdout_fd: int = 1
) -> tuple[int, str | None]:
    """Start a forwarding session to `target` and bridge stdin/stdout to one connection through it.

    Returns (exit status, message for stderr or None). Raises `ClientError` when the session cannot start.
    """
    async with aiohttp.ClientSession() as http:
        mux = await open_forward_channel(api, http, target, window=PROXY_WINDOW)
        try:
            return await StdioProxy(mux, target, stdin_fd=stdin_fd, stdout_fd=stdout_fd).run()
        finally:
            with contextlib.suppress(Exception):
                await mux.aclose("the proxy ended")

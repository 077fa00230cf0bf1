"""Write bytes to a blocking file descriptor from a thread, reporting completion to the event loop.

Standard output is shared with the parent shell, so it must not be switched to non-blocking mode (the shell would
see EAGAIN after we exit). Blocking writes therefore happen on one daemon thread; the session awaits each write
and only then acknowledges the bytes, which is what carries back-pressure to the remote program. The thread is a
daemon so a stdout that never drains cannot keep the process alive after the session has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import select
import threading

__all__ = ["FdWriter", "write_all"]


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte of `data` to `fd`, looping over partial writes; waits if someone made `fd` non-blocking."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
            continue
        view = view[written:]


class FdWriter:
    """Serialises writes to `fd` on a daemon thread; `await writer.write(data)` returns once all of it is written."""

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self.fd = fd
        self._loop = loop
        self._queue: queue.SimpleQueue[tuple[bytes, asyncio.Future[None]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"tether-write-fd{fd}", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> asyncio.Future[None]:
        """Queue `data`; the future completes when it is written, or fails with the OSError (EPIPE, EIO ...)."""
        future: asyncio.Future[None] = self._loop.create_future()
        self._queue.put((data, future))
        return future

    def close(self) -> None:
        """Stop the thread after the writes already queued."""
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            data, future = item
            error: OSError | None = None
            try:
                write_all(self.fd, data)
            except OSError as exc:
                error = exc
            try:
                self._loop.call_soon_threadsafe(_settle, future, error)
            except RuntimeError:  # the loop is closed: the session is over, nobody waits
                return


def _settle(future: asyncio.Future[None], error: OSError | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
        with contextlib.suppress(Exception):
            future.exception()  # mark retrieved: a cancelled waiter must not cause "never retrieved" noise

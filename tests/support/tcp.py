"""A TCP server on a loopback port for tests to forward to, whose connections end with it.

asyncio.Server (before Python 3.12) stops listening on close() but leaves the connections it accepted open and their
handlers running; the loop then closes under them (unclosed sockets) or cancels them (which 3.11 logs as an error).
`TcpServer.close()` (or leaving `async with`) ends them too: handlers still running are cancelled, every connection
is closed and waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from types import TracebackType

from .ports import LOOPBACK

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class TcpServer:
    def __init__(self, handle: Handler) -> None:
        self._handle = handle
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = False
        self.port = 0

    async def start(self) -> TcpServer:
        self._server = await asyncio.start_server(self._run, LOOPBACK, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def _run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            await self._handle(reader, writer)
        except asyncio.CancelledError:
            if not self._closing:
                raise
        finally:
            self._handlers.discard(task)
            writer.close()

    async def close(self) -> None:
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        for writer in self._writers:
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> TcpServer:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


async def serve_tcp(handle: Handler) -> TcpServer:
    """Start a TcpServer for `handle(reader, writer)` on a free loopback port (`.port`)."""
    return await TcpServer(handle).start()

"""Running a client coroutine from a synchronous test without leaving sockets behind.

`asyncio.run` closes its loop as soon as the coroutine returns. A TLS connection that aiohttp has just closed is
still exchanging close_notify with the server at that moment, so its socket is never closed and Python warns
(ResourceWarning) when the object is collected, inside whichever test happens to run then. `run` lets the loop
finish those closings first (they take a loopback round trip), and aborts what is still open after `settle`
seconds, so a test's sockets end with the test.
"""

from __future__ import annotations

import asyncio
import gc
from asyncio import selector_events
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def _open_transports(loop: asyncio.AbstractEventLoop) -> list[Any]:
    gc.collect()
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, selector_events._SelectorTransport)
        and obj._loop is loop  # type: ignore[attr-defined]
        and obj._sock is not None  # type: ignore[attr-defined]
    ]


async def settle(timeout: float = 2.0) -> None:
    """Inside a loop about to end (an async fixture's teardown): wait for its sockets to finish closing, abort the
    rest after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (left := _open_transports(loop)) and loop.time() < deadline:
        await asyncio.sleep(0.01)
    for transport in left:
        transport.abort()
    await asyncio.sleep(0)  # let the aborts' connection_lost callbacks run


def run(coro: Coroutine[Any, Any, T], settle: float = 2.0) -> T:
    """`asyncio.run(coro)`, then wait up to `settle` seconds for the loop's sockets to finish closing."""
    with asyncio.Runner() as runner:
        try:
            return runner.run(coro)
        finally:
            runner.run(_settle_for(settle))


async def _settle_for(timeout: float) -> None:
    await settle(timeout)

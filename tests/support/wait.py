"""Waiting for something to happen: one polling helper, in an async and a sync version, with one argument order.

    row = await eventually(lambda: api.ok("DescribeInstances", body), what="the agent to be Online", timeout=10)
    line = eventually_sync(lambda: stack.status(instance) == "Online", what=f"{instance} Online", timeout=30)

`check` is called until it returns something truthy, which is returned. A check that raises (an exception, an
`assert`) has not succeeded yet; raise `GiveUp` to stop waiting at once (a process that exited will never
listen). On timeout an AssertionError names `what` and shows the last value or exception seen.

Tests wait with these instead of fixed sleeps; a sleep stays only where a test proves that something does *not*
happen within a time, with a comment saying so.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_INTERVAL = 0.05
_SHOWN = 4000  # characters of the last value (or exception) shown in the failure message


class GiveUp(Exception):
    """Raised by a check: waiting longer cannot help; `eventually` fails at once with this message."""


def _seen(value: object, error: BaseException | None) -> str:
    if error is not None:
        kind, text = "exception", f"{type(error).__name__}: {error}"
    else:
        kind, text = "value", repr(value)
    return f"last {kind}: " + (text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _timed_out(what: str, timeout: float, value: object, error: BaseException | None) -> AssertionError:
    return AssertionError(f"timed out after {timeout:g} s waiting for {what}; {_seen(value, error)}")


def _gave_up(what: str, reason: GiveUp) -> AssertionError:
    return AssertionError(f"gave up waiting for {what}: {reason}")


@overload
async def eventually(
    check: Callable[[], Awaitable[T]], *, what: str, timeout: float = ..., interval: float = ...
) -> T: ...


@overload
async def eventually(check: Callable[[], T], *, what: str, timeout: float = ..., interval: float = ...) -> T: ...


async def eventually(
    check: Callable[[], object],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
) -> object:
    """Await until `check()` (a function, or one returning an awaitable) gives a truthy value; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value: object = None
        error: Exception | None = None
        try:
            value = check()
            if inspect.isawaitable(value):
                value = await value
        except GiveUp as stop:
            raise _gave_up(what, stop) from stop
        except Exception as exc:
            error = exc
        else:
            if value:
                return value
        if loop.time() >= deadline:
            raise _timed_out(what, timeout, value, error) from error
        await asyncio.sleep(interval)


def eventually_sync(
    check: Callable[[], T],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
) -> T:
    """The same for synchronous code (subprocesses, pexpect, the browser tests): sleeps between the checks."""
    deadline = time.monotonic() + timeout
    while True:
        value: object = None
        error: Exception | None = None
        try:
            value = check()
        except GiveUp as stop:
            raise _gave_up(what, stop) from stop
        except Exception as exc:
            error = exc
        else:
            if value:
                return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout, value, error) from error
        time.sleep(interval)

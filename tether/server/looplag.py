"""Event-loop lag: how late the loop wakes a task that sleeps a fixed interval.

Everything on a node (every session's frames, every API call) shares one event loop, so a handler that blocks it
delays all of them; this is the number that shows it. The task wakes every `interval` seconds (cheap: one timer) and
records how much later than asked it ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

INTERVAL = 0.5


async def measure_lag(observe: Callable[[float], None], stop: asyncio.Event, interval: float = INTERVAL) -> None:
    """Call `observe(lag_seconds)` after each `interval` until `stop` is set."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        asked = loop.time() + interval
        try:
            await asyncio.wait_for(stop.wait(), interval)
            return
        except TimeoutError:
            pass
        observe(max(0.0, loop.time() - asked))

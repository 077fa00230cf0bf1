"""How the commands run their event loop: uvloop where it is installed, the standard loop otherwise.

uvloop cuts the per-message cost of every hop (measured with bench/session_bench.py: keystroke echo through server
and agent about a quarter faster). It is a dependency on Linux; the fallback keeps tether importable elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the fastest loop available."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)

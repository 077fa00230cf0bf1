"""Start-up timestamps for `bench/session_bench.py`: off (one `None` test per mark) unless asked for.

`TETHER_TRACE_STARTUP=/path/file` makes the CLI append `<unix time> <step>` lines to that file at each step from
its entry point to the attached data channel (CLI imported, API call sent and answered, each new TCP+TLS
connection, the data channel dialled and attached), so the benchmark can break "start to first prompt byte" down
by step. Wall-clock time, so that the lines line up with the agent's log (same machine). Nothing is traced, and
no hook is installed, when the variable is unset: tracing costs nothing in normal use.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when used: the CLI's entry point marks its first step before aiohttp is loaded
    import aiohttp

TRACE_ENV = "TETHER_TRACE_STARTUP"

_path: str | None = os.environ.get(TRACE_ENV) or None


def mark(step: str) -> None:
    """Record that `step` happened now (when tracing is on)."""
    if _path is None:
        return
    with open(_path, "a", encoding="utf-8") as f:
        f.write(f"{time.time():.6f} {step}\n")


def trace_configs() -> list[aiohttp.TraceConfig]:
    """aiohttp hooks that mark each new connection's TCP+TLS set-up; an empty list when tracing is off."""
    if _path is None:
        return []
    import aiohttp

    config = aiohttp.TraceConfig()

    async def started(_session: Any, _ctx: Any, _params: Any) -> None:
        mark("tcp+tls connect start")

    async def ended(_session: Any, _ctx: Any, _params: Any) -> None:
        mark("tcp+tls connected")

    config.on_connection_create_start.append(started)
    config.on_connection_create_end.append(ended)
    return [config]

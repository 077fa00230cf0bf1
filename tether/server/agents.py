"""Which agents hold a control channel to this node, and how to send them a message.

One entry per instance: a newer connection replaces the older one (the agent reconnected, or a copy of its key is
running elsewhere), and only the current connection may clear the entry when it goes away.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSCloseCode, web

from tether.protocol.control import ControlMessage, PushKey, PushKeyResult, encode_control

log = logging.getLogger(__name__)

CLOSE_REPLACED = 4000  # a newer control connection for the same instance took over


def close_reason(text: str) -> bytes:
    """A WebSocket close reason: at most 123 bytes of UTF-8, cut on a character boundary."""
    raw = text.encode("utf-8")[:123]
    return raw.decode("utf-8", "ignore").encode("utf-8")


class AgentConnection:
    """One authenticated control channel."""

    MAX_PENDING = 64  # outstanding push_key requests per agent: a caller flood cannot grow this without bound

    def __init__(self, instance_id: str, ws: web.WebSocketResponse) -> None:
        self.instance_id = instance_id
        self.ws = ws
        self._pending: dict[str, asyncio.Future[PushKeyResult]] = {}

    async def push_key(self, message: PushKey, wait: float) -> PushKeyResult | None:
        """Send `push_key` and wait for the agent's answer; None if the channel went away or it did not answer."""
        if len(self._pending) >= self.MAX_PENDING:
            return PushKeyResult(message.request_id, False, "Throttling.PushKey", "too many key pushes in flight")
        future: asyncio.Future[PushKeyResult] = asyncio.get_running_loop().create_future()
        self._pending[message.request_id] = future
        try:
            if not await self.send(message):
                return None
            return await asyncio.wait_for(future, wait)
        except TimeoutError:
            return None
        finally:
            self._pending.pop(message.request_id, None)

    def answer(self, result: PushKeyResult) -> bool:
        """Hand the agent's `push_key_result` to the waiting request; False if nobody waits for it."""
        future = self._pending.get(result.request_id)
        if future is None or future.done():
            return False
        future.set_result(result)
        return True

    def abandon(self) -> None:
        """The channel closed: nobody will answer the requests in flight."""
        for future in self._pending.values():
            if not future.done():
                future.cancel()

    async def send(self, message: ControlMessage) -> bool:
        """Send one control message; False if the channel is gone."""
        if self.ws.closed:
            return False
        try:
            await self.ws.send_str(encode_control(message))
        except (ConnectionError, RuntimeError) as exc:
            log.info("control channel of %s is gone: %s", self.instance_id, exc)
            return False
        return True

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=close_reason(reason))


class AgentRegistry:
    def __init__(self) -> None:
        self._agents: dict[str, AgentConnection] = {}

    def get(self, instance_id: str) -> AgentConnection | None:
        return self._agents.get(instance_id)

    def attach(self, conn: AgentConnection) -> AgentConnection | None:
        """Make `conn` current for its instance; returns the connection it replaced, if any."""
        previous = self._agents.get(conn.instance_id)
        self._agents[conn.instance_id] = conn
        return previous

    def detach(self, conn: AgentConnection) -> bool:
        """Forget `conn` if it is still current; True if it was."""
        if self._agents.get(conn.instance_id) is conn:
            del self._agents[conn.instance_id]
            return True
        return False

    async def send(self, instance_id: str, message: ControlMessage) -> bool:
        conn = self._agents.get(instance_id)
        return conn is not None and await conn.send(message)

    async def close_all(self, code: int = WSCloseCode.SERVICE_RESTART, reason: str = "server restarting") -> None:
        """Close every control channel (1012 tells agents to reconnect, e.g. to another node)."""
        conns = list(self._agents.values())
        await asyncio.gather(*(c.close(code, reason) for c in conns), return_exceptions=True)

    def __len__(self) -> int:
        return len(self._agents)

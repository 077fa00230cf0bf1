"""Which agents hold a control channel to this node, and how to send them a message.

One entry per instance: a newer connection replaces the older one (the agent reconnected, or a copy of its key is
running elsewhere), and only the current connection may clear the entry when it goes away.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSCloseCode, web

from tether.protocol.control import ControlMessage, encode_control

log = logging.getLogger(__name__)

CLOSE_REPLACED = 4000  # a newer control connection for the same instance took over


def close_reason(text: str) -> bytes:
    """A WebSocket close reason: at most 123 bytes of UTF-8, cut on a character boundary."""
    raw = text.encode("utf-8")[:123]
    return raw.decode("utf-8", "ignore").encode("utf-8")


class AgentConnection:
    """One authenticated control channel."""

    def __init__(self, instance_id: str, ws: web.WebSocketResponse) -> None:
        self.instance_id = instance_id
        self.ws = ws

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

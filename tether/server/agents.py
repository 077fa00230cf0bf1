"""The agents connected to this node, and what the server can ask of one, whatever kind of agent it is.

`AgentLink` is that interface: open a session, push an SSH key, end a session, disconnect. Tether's own agent
implements it over its control channel (`AgentConnection`); another kind of agent (the Cloud Assistant agent)
implements it in its own adapter, and everything above (the agent router, the API) never asks which kind it has.

One entry per instance: a newer connection replaces the older one (the agent reconnected, or a copy of its key is
running elsewhere), and only the current connection may clear the entry when it goes away.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiohttp import web

from tether.protocol import CloseCode
from tether.protocol.control import (
    ControlError,
    ControlMessage,
    OpenSession,
    PushKey,
    PushKeyResult,
    TerminateSession,
    encode_control,
)

log = logging.getLogger(__name__)


def close_reason(text: str) -> bytes:
    """A WebSocket close reason: at most 123 bytes of UTF-8, cut on a character boundary."""
    raw = text.encode("utf-8")[:123]
    return raw.decode("utf-8", "ignore").encode("utf-8")


class AgentLink(Protocol):
    """One connected agent, as the server uses it."""

    instance_id: str

    async def open_session(self, message: OpenSession) -> bool:
        """Ask the agent to start a session (it dials the data channel); False if the agent is gone."""
        ...

    async def push_key(self, message: PushKey, wait: float) -> PushKeyResult | None:
        """Make a public key valid for SSH logins for a while; None if the agent did not answer in `wait` s."""
        ...

    async def terminate(self, message: TerminateSession) -> bool:
        """Ask the agent to end a session; False if the agent is gone."""
        ...

    async def disconnect(self, code: str, message: str) -> None:
        """Tell the agent why it is being dropped (e.g. its instance was deregistered), then close its channel."""
        ...

    async def close(self, code: int, reason: str) -> None:
        """Close the channel without a word (shutdown, replaced by a newer connection)."""
        ...


class AgentConnection:
    """Tether's own agent on its authenticated control channel (JSON text messages, docs/protocol.md section 2)."""

    MAX_PENDING = 64  # outstanding push_key requests per agent: a caller flood cannot grow this without bound

    def __init__(self, instance_id: str, ws: web.WebSocketResponse) -> None:
        self.instance_id = instance_id
        self.ws = ws
        self._pending: dict[str, asyncio.Future[PushKeyResult]] = {}

    async def open_session(self, message: OpenSession) -> bool:
        return await self.send(message)

    async def terminate(self, message: TerminateSession) -> bool:
        return await self.send(message)

    async def push_key(self, message: PushKey, wait: float) -> PushKeyResult | None:
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

    async def disconnect(self, code: str, message: str) -> None:
        await self.send(ControlError(code=code, message=message))
        await self.close(CloseCode.POLICY_VIOLATION, f"{code}: {message}")

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=close_reason(reason))


class AgentRegistry:
    """The agents whose control channel this node holds, by instance id."""

    def __init__(self) -> None:
        self._agents: dict[str, AgentLink] = {}

    def get(self, instance_id: str) -> AgentLink | None:
        return self._agents.get(instance_id)

    def attach(self, link: AgentLink) -> AgentLink | None:
        """Make `link` current for its instance; returns the one it replaced, if any."""
        previous = self._agents.get(link.instance_id)
        self._agents[link.instance_id] = link
        return previous

    def detach(self, link: AgentLink) -> bool:
        """Forget `link` if it is still current; True if it was."""
        if self._agents.get(link.instance_id) is link:
            del self._agents[link.instance_id]
            return True
        return False

    async def close_all(self, code: int = CloseCode.SERVICE_RESTART, reason: str = "server restarting") -> None:
        """Close every control channel (1012 tells agents to reconnect, e.g. to another node)."""
        links = list(self._agents.values())
        await asyncio.gather(*(link.close(code, reason) for link in links), return_exceptions=True)

    def __len__(self) -> int:
        return len(self._agents)

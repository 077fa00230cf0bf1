"""The Cloud Assistant agent as an `AgentLink`, and the sessions this node serves through it.

`AssistLink` is one agent's `notify_server` WebSocket: the agent router hands it OpenSession and TerminateSession
like any agent link, and it turns them into the agent's text kicks (`kick_vm session start|stop <channelId>`).
`AssistService` builds the session's agent-side endpoint (tether/server/assist/bridge.py), admits it to the relay
with the session's single-use agent token (the same admission tether's own agent's data channel goes through), and
answers the agent's channel requests from its table.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from tether.protocol import CloseCode, SessionKind, Side
from tether.protocol.control import OpenSession, PushKey, PushKeyResult, TerminateSession
from tether.server.agents import close_reason
from tether.server.api.errors import ApiError
from tether.server.assist.bridge import AssistBridge, BridgeSpec
from tether.server.assist.channels import ChannelTable
from tether.server.data import _admit as admit_side
from tether.server.logs import printable
from tether.server.state import ServerState

log = logging.getLogger(__name__)

DEFAULT_USER = "ecs-assist-user"  # what the agent runs a session without `username` as (it creates it, with sudo)
UNSUPPORTED_CODE = "UnsupportedOperation.CloudAssistantAgent"
PUSH_KEY_MESSAGE = (
    "this instance runs the Cloud Assistant agent, which cannot take temporary SSH keys through tether: "
    "open a shell with `tether session` or forward port 22 with `tether portforward` instead"
)


def agent_username(username: str | None) -> str:
    """The `username` of the session/list entry: empty for the default user, which the agent creates itself."""
    return "" if not username or username == DEFAULT_USER else username


SERVICE_KEY: web.AppKey[AssistService]


class AssistLink:
    """One Cloud Assistant agent's notify socket (text messages only)."""

    def __init__(self, instance_id: str, ws: web.WebSocketResponse, service: AssistService) -> None:
        self.instance_id = instance_id
        self.ws = ws
        self._service = service

    async def kick(self, text: str) -> bool:
        if self.ws.closed:
            return False
        try:
            await self.ws.send_str(text)
        except (ConnectionError, RuntimeError) as exc:
            log.info("notify socket of %s is gone: %s", self.instance_id, exc)
            return False
        return True

    async def open_session(self, message: OpenSession) -> bool:
        return await self._service.open(self, message)

    async def push_key(self, message: PushKey, wait: float) -> PushKeyResult | None:
        return PushKeyResult(message.request_id, False, UNSUPPORTED_CODE, PUSH_KEY_MESSAGE)

    async def terminate(self, message: TerminateSession) -> bool:
        await self._service.stop_channels(message.session_id)
        return not self.ws.closed

    async def disconnect(self, code: str, message: str) -> None:
        await self.close(CloseCode.POLICY_VIOLATION, f"{code}: {message}")

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=close_reason(reason))


class AssistService:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.table = ChannelTable()
        self._bridges: dict[str, AssistBridge] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def kick(self, instance_id: str, text: str) -> bool:
        """Send a kick on the instance's current notify socket (the agent may have reconnected since)."""
        link = self.state.agents.get(instance_id)
        return isinstance(link, AssistLink) and await link.kick(text)

    async def open(self, link: AssistLink, message: OpenSession) -> bool:
        config = self.state.config
        kind = SessionKind(message.kind)
        if message.no_new_privileges or message.username == "root":
            # the API refuses these with a clear code first (tether/server/api/agentkinds.py); never run them
            log.warning("session %s: refused on the Cloud Assistant agent of %s", message.session_id, link.instance_id)
            return False
        spec = BridgeSpec(
            session_id=message.session_id,
            instance_id=link.instance_id,
            kind=kind,
            username=agent_username(message.username),
            command=message.command or "",
            target_host=message.target_host or "",
            target_port=message.target_port or 0,
            idle_timeout=float(message.idle_timeout or 0),
            max_duration=float(message.max_duration or 0),
            connect_timeout=config.agent_connect_timeout,
            window=message.window,
        )
        bridge = AssistBridge(spec, self.table, lambda text: self.kick(link.instance_id, text))
        if not await bridge.start():
            await bridge.close(CloseCode.GOING_AWAY, b"the agent is not connected")
            return False
        self._bridges[spec.session_id] = bridge
        task = asyncio.get_running_loop().create_task(self._serve(bridge, message.token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _serve(self, bridge: AssistBridge, token: str) -> None:
        session_id = bridge.spec.session_id
        try:
            try:
                rs = await admit_side(self.state, session_id, Side.AGENT, token)
            except ApiError as error:
                log.info("session %s: not admitted (%s)", printable(session_id), error.code)
                return
            await self.state.relay.serve(rs, bridge)
        except Exception:
            log.exception("session %s: serving the Cloud Assistant side failed", session_id)
        finally:
            self._bridges.pop(session_id, None)
            if not bridge.closed:
                await bridge.close(CloseCode.GOING_AWAY, b"session over")

    async def stop_channels(self, session_id: str) -> None:
        """TerminateSession: kick every channel of the session off the agent (the relay closes the sockets)."""
        bridge = self._bridges.get(session_id)
        if bridge is not None:
            await bridge.stop_agent()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)


SERVICE_KEY = web.AppKey("tether_assist", AssistService)

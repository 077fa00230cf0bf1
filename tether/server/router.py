"""The agent router: the one way the server reaches an agent, on this node or on the node that holds it.

An agent keeps its control channel on one node (`instances.connected_node`). Whoever needs the agent (an API call
starting a session or pushing a key, the relay ending a session, DeregisterInstance) asks the router, which uses
the agent's link if this node holds it and the node bus otherwise. The question "is the agent here, elsewhere or
gone?" is answered here and nowhere else. What the router asks of an agent is `AgentLink` (tether/server/agents.py),
so a second kind of agent plugs in below it without any caller noticing.

Messages it sends over the bus, and answers for other nodes:
- `open` {instance_id, message: OpenSession} -> {"ok": bool} (false: the agent is not here, or is gone);
- `push_key` {instance_id, message: PushKey, wait} -> {"result": PushKeyResult or null};
- `tell_agent` {instance_id, message: TerminateSession} (no reply: at most once; the agent's own limits end a
  session it never hears of);
- `disconnect` {instance_id, code, message} (no reply): drop the agent's channel, e.g. after DeregisterInstance.
Control messages travel in their protocol encoding and are decoded (validated) again on arrival.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tether.protocol import ProtocolError
from tether.protocol.control import (
    ControlMessage,
    OpenSession,
    PushKey,
    PushKeyResult,
    TerminateSession,
    decode_control,
    encode_control,
)
from tether.server.agents import AgentLink, AgentRegistry
from tether.server.bus import Bus, NodeBusError, NodeBusTimeout
from tether.server.clock import utcnow
from tether.store import Instance, InstanceRepo

log = logging.getLogger(__name__)

OPEN, PUSH_KEY, TELL_AGENT, DISCONNECT = "open", "push_key", "tell_agent", "disconnect"
MAX_PUSH_WAIT = 60.0  # a peer's push_key may not keep a handler waiting longer than this
PUSH_KEY_MARGIN = 2.0  # extra seconds a cross-node push_key waits for the other node's answer


def pack(message: ControlMessage) -> dict[str, Any]:
    """A control message as a bus body value, in its protocol encoding."""
    return json.loads(encode_control(message))  # type: ignore[no-any-return]


def unpack(value: object, *types: type[Any]) -> Any:
    """A control message from a bus body, validated like one from an agent; ValueError if it is not one of `types`."""
    if not isinstance(value, dict):
        raise ValueError("message must be an object")
    try:
        message = decode_control(json.dumps(value))
    except ProtocolError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(message, types):
        raise ValueError(f"unexpected control message {message.TYPE}")
    return message


def text_field(body: dict[str, Any], name: str, limit: int = 128) -> str:
    """A required non-empty string field of a bus body; ValueError (a malformed message) otherwise."""
    value = body.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise ValueError(f"{name} must be a non-empty string of at most {limit} characters")
    return value


@dataclass(frozen=True)
class Route:
    """How this node reaches one agent right now: its link here, or the other node that holds it."""

    instance_id: str
    link: AgentLink | None = None
    node: str | None = None


class AgentRouter:
    def __init__(
        self, registry: AgentRegistry, bus: Bus, instances: InstanceRepo, *, node_id: str, heartbeat_interval: float
    ) -> None:
        self.registry = registry
        self._bus = bus
        self._instances = instances
        self._node_id = node_id
        self._heartbeat_interval = heartbeat_interval
        bus.on(OPEN, self._on_open)
        bus.on(PUSH_KEY, self._on_push_key)
        bus.on(TELL_AGENT, self._on_tell_agent)
        bus.on(DISCONNECT, self._on_disconnect)

    def is_online(self, instance: Instance, now: datetime | None = None) -> bool:
        """Connected to some node, and heard from within three heartbeat intervals."""
        if instance.connected_node is None or instance.last_heartbeat is None:
            return False
        limit = timedelta(seconds=3 * self._heartbeat_interval)
        return (now or utcnow()) - instance.last_heartbeat <= limit

    def _other_node(self, instance: Instance) -> str | None:
        """The other node holding the instance's control channel, if one does and the bus can reach it."""
        node = instance.connected_node
        if not self._bus.multi_node or node is None or node == self._node_id:
            return None
        return node

    def route(self, instance: Instance) -> Route | None:
        """How to reach the instance's agent; None if it is offline (not here, and no live node holds it)."""
        link = self.registry.get(instance.id)
        if link is not None:
            return Route(instance.id, link=link)
        node = self._other_node(instance)
        if node is not None and self.is_online(instance):
            return Route(instance.id, node=node)
        return None

    async def open_session(self, route: Route, message: OpenSession) -> bool:
        """Hand OpenSession to the agent; True once it was sent (here) or confirmed (by the other node). False if
        the agent is gone or the other node did not answer in time; raises NodeBusError if it could not be asked."""
        if route.link is not None:
            return await route.link.open_session(message)
        assert route.node is not None
        body = {"instance_id": route.instance_id, "message": pack(message)}
        try:
            reply = await self._bus.request(route.node, OPEN, body)
        except NodeBusTimeout as exc:
            log.warning("session %s: %s", message.session_id, exc)
            return False
        return reply.get("ok") is True

    async def push_key(self, route: Route, message: PushKey, wait: float) -> PushKeyResult | None:
        """SendSSHPublicKey: the agent's answer, or None if it gave none within `wait` seconds. Raises
        NodeBusError if the other node could not be asked."""
        if route.link is not None:
            return await route.link.push_key(message, wait)
        assert route.node is not None
        body = {"instance_id": route.instance_id, "message": pack(message), "wait": wait}
        try:
            reply = await self._bus.request(route.node, PUSH_KEY, body, wait=wait + PUSH_KEY_MARGIN)
        except NodeBusTimeout as exc:
            log.warning("push_key %s: %s", message.request_id, exc)
            return None
        result = reply.get("result")
        if result is None:
            return None
        try:
            return unpack(result, PushKeyResult)  # type: ignore[no-any-return]
        except ValueError as exc:
            log.warning("push_key %s: node %s answered nonsense: %s", message.request_id, route.node, exc)
            return None

    async def terminate(self, instance_id: str, message: TerminateSession) -> bool:
        """TerminateSession to the agent wherever its control channel is; False if it is nowhere we can reach.
        Across nodes this is fire-and-forget (at most once). Never raises: ending a session must not fail because
        its agent cannot be told."""
        link = self.registry.get(instance_id)
        if link is not None:
            return await link.terminate(message)
        if not self._bus.multi_node:
            return False
        instance = await self._instances.get(instance_id)
        node = self._other_node(instance) if instance is not None else None
        if node is None:
            return False
        try:
            await self._bus.notify(node, TELL_AGENT, {"instance_id": instance_id, "message": pack(message)})
        except NodeBusError as exc:
            log.warning("could not tell node %s to end session %s: %s", node, message.session_id, exc)
            return False
        return True

    async def disconnect(self, instance: Instance, code: str, message: str) -> None:
        """Drop the instance's agent wherever it is connected, telling it why (`code`: message). Never raises."""
        link = self.registry.get(instance.id)
        if link is not None:
            self.registry.detach(link)
            await link.disconnect(code, message)
            return
        node = self._other_node(instance)
        if node is None:
            return
        try:
            await self._bus.notify(node, DISCONNECT, {"instance_id": instance.id, "code": code, "message": message})
        except NodeBusError as exc:
            log.warning("could not tell node %s to drop the agent of %s: %s", node, instance.id, exc)

    # -- answering other nodes -------------------------------------------------------------------------------------

    async def _on_open(self, body: dict[str, Any], _sender: str) -> dict[str, Any]:
        instance_id, message = text_field(body, "instance_id"), unpack(body.get("message"), OpenSession)
        link = self.registry.get(instance_id)
        ok = link is not None and await link.open_session(message)
        if not ok:
            log.info("asked to open session %s on %s, whose agent is not here", message.session_id, instance_id)
        return {"ok": ok}

    async def _on_push_key(self, body: dict[str, Any], _sender: str) -> dict[str, Any]:
        instance_id, message = text_field(body, "instance_id"), unpack(body.get("message"), PushKey)
        wait = body.get("wait")
        if not isinstance(wait, int | float) or isinstance(wait, bool) or wait <= 0:
            raise ValueError("wait must be a positive number")
        link = self.registry.get(instance_id)
        if link is None:
            return {"result": None}
        result = await link.push_key(message, min(float(wait), MAX_PUSH_WAIT))
        return {"result": pack(result) if result is not None else None}

    async def _on_tell_agent(self, body: dict[str, Any], _sender: str) -> None:
        instance_id, message = text_field(body, "instance_id"), unpack(body.get("message"), TerminateSession)
        link = self.registry.get(instance_id)
        if link is not None:
            await link.terminate(message)

    async def _on_disconnect(self, body: dict[str, Any], _sender: str) -> None:
        instance_id = text_field(body, "instance_id")
        code, message = text_field(body, "code"), text_field(body, "message", 1024)
        link = self.registry.get(instance_id)
        if link is not None:
            self.registry.detach(link)
            await link.disconnect(code, message)

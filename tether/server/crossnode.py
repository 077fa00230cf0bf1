"""What one node asks of another over the node bus (tether/server/bus.py), and how a node answers.

An agent keeps its control channel on one node (`instances.connected_node`); a session's relay lives on the node
that accepted StartTerminalSession (`sessions.node`). When they differ, the API node reaches the agent's node with:

- `open` {instance_id, message: OpenSession}: forward it to the agent; reply {"ok": bool} (false: not here/gone).
- `terminate` {session_id, instance_id, reason, agent: bool, relay: bool}: tell the agent (TerminateSession)
  and/or end the relay session here (close code 4001); reply {"relay": bool} (true: this node held it).
- `session_ended` {session_id, instance_id, message: SessionEnded|SessionFailed}: the agent's end report, sent
  by the agent's node to the relay node, which handles it as if it had come on its own control channel.
- `push_key` {instance_id, message: PushKey, wait}: SendSSHPublicKey; reply {"result": PushKeyResult or null}.

Control messages travel in their protocol encoding and are decoded (validated) again on arrival.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tether.protocol import ProtocolError
from tether.protocol.control import (
    ControlMessage,
    OpenSession,
    PushKey,
    PushKeyResult,
    SessionEnded,
    SessionFailed,
    TerminateSession,
    decode_control,
    encode_control,
)
from tether.server.api.errors import ApiError
from tether.server.bus import NodeBus, NodeBusError, NodeBusTimeout, PayloadTooLarge
from tether.server.state import ServerState
from tether.store import Instance, Session, SessionState

log = logging.getLogger(__name__)

OPEN, TERMINATE, SESSION_ENDED, PUSH_KEY = "open", "terminate", "session_ended", "push_key"
MAX_PUSH_WAIT = 60.0  # a peer's push_key may not keep a handler waiting longer than this


def bus_error(exc: NodeBusError) -> ApiError:
    """The API error for a cross-node call that could not be made."""
    if isinstance(exc, PayloadTooLarge):
        return ApiError("InvalidParameter.TooLarge", f"{exc}.", 400)
    return ApiError(
        "ServiceUnavailable.NodeBus",
        f"This server could not reach the node that holds the agent's connection ({exc}); try again.",
        503,
    )


def _pack(message: ControlMessage) -> dict[str, Any]:
    return json.loads(encode_control(message))  # type: ignore[no-any-return]


def _unpack(value: object, *types: type[Any]) -> Any:
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


def agent_node(state: ServerState, instance: Instance) -> str | None:
    """The other node holding the instance's control channel, if there is a bus to reach it and one holds it."""
    node = instance.connected_node
    if state.bus is None or node is None or node == state.node_id:
        return None
    return node


def _require_bus(state: ServerState) -> NodeBus:
    if state.bus is None:
        raise RuntimeError("no node bus on this server")
    return state.bus


async def open_on_node(state: ServerState, node: str, instance_id: str, message: OpenSession) -> bool:
    """Have `node` hand OpenSession to the agent of `instance_id`; True once it confirmed, False if it said the
    agent is not there or did not answer in time. Raises ApiError (503/400) if the message could not be sent."""
    try:
        reply = await _require_bus(state).request(node, OPEN, {"instance_id": instance_id, "message": _pack(message)})
    except NodeBusTimeout as exc:
        log.warning("session %s: %s", message.session_id, exc)
        return False
    except NodeBusError as exc:
        raise bus_error(exc) from exc
    return reply.get("ok") is True


async def push_key_on_node(
    state: ServerState, node: str, instance_id: str, message: PushKey, wait: float
) -> PushKeyResult | None:
    """SendSSHPublicKey through `node`; None if the agent is not there or nobody answered in time."""
    try:
        reply = await _require_bus(state).request(
            node, PUSH_KEY, {"instance_id": instance_id, "message": _pack(message), "wait": wait}, wait=wait + 2
        )
    except NodeBusTimeout as exc:
        log.warning("push_key %s: %s", message.request_id, exc)
        return None
    except NodeBusError as exc:
        raise bus_error(exc) from exc
    result = reply.get("result")
    if result is None:
        return None
    try:
        return _unpack(result, PushKeyResult)  # type: ignore[no-any-return]
    except ValueError as exc:
        log.warning("push_key %s: node %s answered nonsense: %s", message.request_id, node, exc)
        return None


async def tell_agent(state: ServerState, instance_id: str, message: TerminateSession) -> bool:
    """TerminateSession to the agent wherever its control channel is; False if it is nowhere we can reach.
    Across nodes this is fire-and-forget (at most once): the agent's own limits end a session it never hears of."""
    conn = state.agents.get(instance_id)
    if conn is not None:
        return await conn.send(message)
    if state.bus is None:
        return False
    instance = await state.instances.get(instance_id)
    node = agent_node(state, instance) if instance is not None else None
    if node is None:
        return False
    body = {"session_id": message.session_id, "instance_id": instance_id, "reason": message.reason}
    try:
        await state.bus.notify(node, TERMINATE, body | {"agent": True, "relay": False})
    except NodeBusError as exc:
        log.warning("could not tell node %s to end session %s on %s: %s", node, message.session_id, instance_id, exc)
        return False
    return True


async def end_relay_on_node(state: ServerState, row: Session, reason: str) -> bool | None:
    """Ask the session's relay node to end it; True if it held it, False if not, None if it did not answer.
    Raises ApiError if this node's bus is down."""
    body = {"session_id": row.id, "instance_id": row.instance_id, "reason": reason, "agent": False, "relay": True}
    try:
        reply = await _require_bus(state).request(row.node, TERMINATE, body)
    except NodeBusTimeout as exc:
        log.warning("session %s: %s", row.id, exc)
        return None
    except NodeBusError as exc:
        raise bus_error(exc) from exc
    return reply.get("relay") is True


async def forward_agent_end(state: ServerState, row: Session, message: SessionEnded | SessionFailed) -> bool:
    """Send the agent's end report to the session's relay node; False if it could not be sent (the relay there
    still ends the session when the agent's data channel closes, or at its connect deadline)."""
    if state.bus is None:
        return False
    body = {"session_id": row.id, "instance_id": row.instance_id, "message": _pack(message)}
    try:
        await state.bus.notify(row.node, SESSION_ENDED, body)
    except NodeBusError as exc:
        log.warning("could not forward the end of session %s to node %s: %s", row.id, row.node, exc)
        return False
    return True


# -- the answering side ------------------------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= 128:
        raise ValueError(f"{name} must be a non-empty string")
    return value


async def handle(state: ServerState, kind: str, body: dict[str, Any], sender: str) -> dict[str, Any] | None:
    """A message from node `sender`; returns the reply body. Malformed bodies are logged and answered with an
    error (the asking node then treats it as a refusal)."""
    try:
        if kind == OPEN:
            return await _handle_open(state, body)
        if kind == TERMINATE:
            return await _handle_terminate(state, body)
        if kind == SESSION_ENDED:
            return await _handle_session_ended(state, body)
        if kind == PUSH_KEY:
            return await _handle_push_key(state, body)
    except ValueError as exc:
        log.warning("node bus: malformed %r from %s: %s", kind, sender, exc)
        return {"error": f"malformed: {exc}"}
    log.warning("node bus: unknown message %r from %s", kind, sender)
    return {"error": f"unknown message {kind!r}"}


async def _handle_open(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    instance_id, message = _text(body, "instance_id"), _unpack(body.get("message"), OpenSession)
    conn = state.agents.get(instance_id)
    ok = conn is not None and await conn.send(message)
    if not ok:
        log.info("asked to open session %s on %s, whose agent is not connected here", message.session_id, instance_id)
    return {"ok": ok}


async def _handle_terminate(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    from tether.server.relay import CLOSE_ENDED

    session_id, instance_id = _text(body, "session_id"), _text(body, "instance_id")
    reason = _text(body, "reason")
    if body.get("agent") is True:
        conn = state.agents.get(instance_id)
        if conn is not None:
            await conn.send(TerminateSession(session_id=session_id, reason=reason))
    held = False
    if body.get("relay") is True:
        relay = state.get_relay()
        rs = relay.get(session_id)
        if rs is not None and rs.instance_id == instance_id:
            held = True
            await relay.end(
                rs,
                SessionState.TERMINATED,
                reason,
                code=CLOSE_ENDED,
                message="the session was ended with EndTerminalSession",
                agent_knows=True,
            )
    return {"relay": held}


async def _handle_session_ended(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    from tether.server.control import apply_agent_end

    session_id, instance_id = _text(body, "session_id"), _text(body, "instance_id")
    message = _unpack(body.get("message"), SessionEnded, SessionFailed)
    if message.session_id != session_id:
        raise ValueError("the report is for another session")
    row = await state.sessions.get(session_id)
    if row is None or row.instance_id != instance_id or row.node != state.node_id:
        log.info("node bus: end report for session %s, which is not this node's", session_id)
        return {}
    await apply_agent_end(state, row, message)
    return {}


async def _handle_push_key(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    instance_id, message = _text(body, "instance_id"), _unpack(body.get("message"), PushKey)
    wait = body.get("wait")
    if not isinstance(wait, int | float) or isinstance(wait, bool) or wait <= 0:
        raise ValueError("wait must be a positive number")
    conn = state.agents.get(instance_id)
    if conn is None:
        return {"result": None}
    result = await conn.push_key(message, min(float(wait), MAX_PUSH_WAIT))
    return {"result": _pack(result) if result is not None else None}

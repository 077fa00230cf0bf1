"""`GET /agent/v1/control`: authenticate an agent by challenge-response, then serve its control channel.

The agent proves it holds the Ed25519 key it registered by signing a fresh random nonce, so a stolen instance id
alone is worthless and a recorded handshake cannot be replayed.
"""

from __future__ import annotations

import base64
import logging
import os

from aiohttp import WSMsgType, web
from sqlalchemy.exc import SQLAlchemyError

from tether.auth.agentkey import verify_challenge
from tether.protocol import CloseCode, ProtocolError
from tether.protocol.control import (
    MAX_CONTROL_MESSAGE,
    AgentHello,
    Challenge,
    ControlError,
    ControlMessage,
    Heartbeat,
    PushKeyResult,
    SessionEnded,
    SessionFailed,
    Welcome,
    decode_control,
    encode_control,
)
from tether.server import presence
from tether.server.agents import AgentConnection, close_reason
from tether.server.clock import iso, utcnow
from tether.server.logs import printable
from tether.server.metrics import METRICS_KEY
from tether.server.state import ServerState, get_state
from tether.store import AgentIdentity

log = logging.getLogger(__name__)

WS_HEARTBEAT = 20.0
CHALLENGE_BYTES = 32


async def _refuse(ws: web.WebSocketResponse, code: str, message: str) -> None:
    await ws.send_str(encode_control(ControlError(code=code, message=message)))
    await ws.close(code=CloseCode.POLICY_VIOLATION, message=close_reason(f"{code}: {message}"))


async def _read_hello(ws: web.WebSocketResponse, wait: float) -> AgentHello | str:
    """The agent's hello, or a message saying why there is none."""
    try:
        msg = await ws.receive(timeout=wait)
    except TimeoutError:
        return f"no hello within {wait:g} seconds"
    if msg.type is not WSMsgType.TEXT:
        return "expected a hello text message"
    try:
        hello = decode_control(msg.data)
    except ProtocolError as exc:
        return str(exc)
    if not isinstance(hello, AgentHello):
        return f"expected hello, got {hello.TYPE}"
    return hello


def hello_identity(hello: AgentHello) -> AgentIdentity | None:
    """The default login user the agent reports (None from agents that predate it: the stored facts stay)."""
    if not hello.default_user:
        return None
    return AgentIdentity(hello.default_user, hello.default_user_sudo, hello.notices)


async def control_channel(request: web.Request) -> web.StreamResponse:
    state = get_state(request)
    gate = state.handshakes
    if not await gate.enter():
        # more agents mid-handshake (and waiting) than the node should take on at once: a fast, cheap answer that
        # makes the agent back off, instead of a queue that grows until every handshake times out
        request.app[METRICS_KEY].agent_handshakes_refused.inc()
        return web.Response(
            status=503,
            headers={"Retry-After": str(gate.retry_after)},  # what this node needs for the crowd (connguard.py)
            text="ServiceUnavailable.Busy: too many agents connecting at once; retry after a short wait\n",
        )
    entered = True
    ws = web.WebSocketResponse(
        heartbeat=WS_HEARTBEAT,
        max_msg_size=MAX_CONTROL_MESSAGE + 1,  # aiohttp refuses sizes >= the limit
        timeout=5.0,
    )
    try:
        await ws.prepare(request)
        known = await _authenticate(state, request, ws)
        if known is None:
            return ws
        instance_id, hello = known
        gate.leave()
        entered = False  # the handshake is over once the agent proved who it is
        await _attached(state, request, ws, instance_id, hello)
    except ConnectionError as exc:  # the peer went away: an ordinary end, one line
        log.info("control channel from %s: %s", printable(state.client_ip(request)), exc or type(exc).__name__)
    finally:
        if entered:
            gate.leave()
    return ws


async def _authenticate(
    state: ServerState, request: web.Request, ws: web.WebSocketResponse
) -> tuple[str, AgentHello] | None:
    """Challenge, hello, signature check; the instance id and its hello, or None once the agent was told why not."""
    nonce = os.urandom(CHALLENGE_BYTES)
    await ws.send_str(
        encode_control(Challenge(nonce=base64.b64encode(nonce).decode(), server_time=iso(utcnow()) or ""))
    )
    hello = await _read_hello(ws, state.config.hello_timeout)
    if isinstance(hello, str):
        await _refuse(ws, "InvalidMessage", hello)
        return None
    instance_id = hello.instance_id
    try:
        known = await state.instances.credentials(instance_id)
    except SQLAlchemyError as exc:
        log.warning("control channel for %s: the store failed (%s)", instance_id, type(exc).__name__)
        await _refuse(ws, "ServiceUnavailable", "the server could not look up the instance; retry later")
        return None
    if known is None or known[1]:
        await _refuse(ws, "InvalidInstance.NotFound", f"instance {instance_id} is not registered; register again")
        return None
    if not verify_challenge(known[0], nonce, instance_id, hello.signature):
        log.warning(
            "control channel for %s from %s: bad signature", instance_id, printable(state.client_ip(request))
        )
        await _refuse(ws, "InvalidSignature", "the challenge signature does not match the registered key")
        return None
    return instance_id, hello


async def _attached(
    state: ServerState, request: web.Request, ws: web.WebSocketResponse, instance_id: str, hello: AgentHello
) -> None:
    """Make the channel the instance's current one, serve it, and let it go however it ends."""
    conn = AgentConnection(instance_id, ws)
    try:
        await presence.arrive(
            state,
            conn,
            hostname=hello.hostname,
            os_type=hello.os_type,
            os_name=hello.os_name,
            agent_version=hello.agent_version,
            identity=hello_identity(hello),
            channel="control",
        )
        log.info(
            "agent %s connected from %s (version %s)",
            instance_id,
            printable(state.client_ip(request)),
            printable(hello.agent_version or "?"),
        )
        await conn.send(Welcome(heartbeat_interval=state.config.heartbeat_interval))
        await _serve(state, conn)
    finally:
        # also when attaching it failed: the registry must not keep a channel that is not served
        conn.abandon()
        await presence.leave(state, conn)
        log.info("agent %s disconnected", instance_id)


async def _serve(state: ServerState, conn: AgentConnection) -> None:
    async for msg in conn.ws:
        if msg.type is not WSMsgType.TEXT:
            await conn.close(CloseCode.UNSUPPORTED_DATA, "the control channel carries JSON text only")
            return
        try:
            message = decode_control(msg.data)
        except ProtocolError as exc:
            await conn.send(ControlError(code="InvalidMessage", message=str(exc)))
            continue
        try:
            await _handle(state, conn, message)
        except SQLAlchemyError as exc:  # the store failed this one message: the connection itself is healthy
            log.warning(
                "control channel of %s: handling %s failed in the store (%s); the channel stays open",
                conn.instance_id, message.TYPE, type(exc).__name__,
            )


async def _handle(state: ServerState, conn: AgentConnection, message: ControlMessage) -> None:
    if isinstance(message, Heartbeat):
        presence.heartbeat(state, conn)
    elif isinstance(message, SessionFailed | SessionEnded):
        await _agent_ended_session(state, conn, message)
    elif isinstance(message, PushKeyResult):
        if not conn.answer(message):
            log.info("agent %s answered push_key %s, which nobody waits for", conn.instance_id, message.request_id)
    elif isinstance(message, ControlError):
        log.warning("agent %s reports %s: %s", conn.instance_id, printable(message.code), printable(message.message))
    else:
        await conn.send(ControlError(code="InvalidMessage", message=f"unexpected message type {message.TYPE}"))


async def _agent_ended_session(
    state: ServerState, conn: AgentConnection, message: SessionFailed | SessionEnded
) -> None:
    row = await state.sessions.get(message.session_id)
    if row is None or row.instance_id != conn.instance_id:
        await conn.send(ControlError(code="InvalidSession.NotFound", message=f"no session {message.session_id}"))
        return
    await state.lifecycle.agent_ended(row, message)

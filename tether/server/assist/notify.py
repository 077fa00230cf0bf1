"""`GET /luban/notify_server`: the Cloud Assistant agent's control socket, served as an `AgentLink`.

A text WebSocket the agent holds open for as long as it runs. The server sends kicks (`kick_vm session start|stop
<channelId>`), the agent answers `accept:...` or `reject:...` and pings every 60 s. As with tether's own agent
(tether/server/control.py) the link is registered in the agent registry (a newer socket replaces an older one),
the instance is marked connected on this node, and while the socket lives (WebSocket heartbeats detect a dead
peer) its LastHeartbeat is refreshed every heartbeat interval: the agent's own heart-beat comes only once a minute.
All of it goes through the node's batched presence writer (tether/server/presencewriter.py), never one transaction
per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSMsgType, web

from tether.protocol import CloseCode
from tether.server import presence
from tether.server.assist.service import DEFAULT_USER, SERVICE_KEY, AssistLink
from tether.server.assist.signed import LubanError, authenticate
from tether.server.logs import printable
from tether.server.state import ServerState, get_state
from tether.store import AgentIdentity

log = logging.getLogger(__name__)

WS_HEARTBEAT = 20.0
MAX_TEXT = 4096  # the agent's answers are one short line each


async def _beat(state: ServerState, link: AssistLink) -> None:
    while True:
        await asyncio.sleep(state.config.heartbeat_interval)
        presence.heartbeat(state, link)  # in memory; written with the next batch


async def notify_server(request: web.Request) -> web.StreamResponse:
    state = get_state(request)
    try:
        instance = await authenticate(state, request)
    except LubanError as error:
        return error.response()
    ws = web.WebSocketResponse(heartbeat=WS_HEARTBEAT, max_msg_size=MAX_TEXT + 1, timeout=5.0)
    await ws.prepare(request)
    link = AssistLink(instance.id, ws, request.app[SERVICE_KEY])
    beat: asyncio.Task[None] | None = None
    try:
        await presence.arrive(
            state,
            link,
            hostname=instance.hostname,
            os_type=instance.os_type,
            os_name=instance.os_name,
            agent_version=instance.agent_version,
            identity=AgentIdentity(DEFAULT_USER, True),
            channel="notify",
        )
        log.info(
            "Cloud Assistant agent %s connected from %s (version %s)",
            instance.id,
            printable(state.client_ip(request)),
            printable(instance.agent_version or "?"),
        )
        beat = asyncio.get_running_loop().create_task(_beat(state, link))
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                log.debug("agent %s: %s", instance.id, printable(msg.data[:200]))
            elif msg.type is WSMsgType.BINARY:
                await ws.close(code=CloseCode.UNSUPPORTED_DATA, message=b"the notify socket carries text only")
    finally:
        if beat is not None:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await presence.leave(state, link)
        log.info("Cloud Assistant agent %s disconnected", instance.id)
    return ws

"""`GET /luban/session/backend?channelId=ID`: the Cloud Assistant agent's data socket for one channel.

Authenticated by the agent's signature headers, and admitted only for a channel this node is waiting for *and*
that belongs to the signing instance (one socket per channel, once): an instance can never reach another's session.
The socket is handed to the session's bridge (tether/server/assist/bridge.py), which reads and writes it; this
handler only keeps the connection until the bridge lets go of it.
"""

from __future__ import annotations

import logging

from aiohttp import web

from tether.protocol.axt.agent import MAX_MESSAGE
from tether.server.assist.service import SERVICE_KEY
from tether.server.assist.signed import LubanError, authenticate
from tether.server.logs import printable
from tether.server.state import get_state

log = logging.getLogger(__name__)


async def session_backend(request: web.Request) -> web.StreamResponse:
    state = get_state(request)
    service = request.app[SERVICE_KEY]
    channel_id = request.query.get("channelId", "")
    try:
        instance = await authenticate(state, request)
        channel = service.table.of_instance(channel_id, instance.id)
        if channel is None:
            # DEBUG: the real agent redials every ended channel about ten times over 15 s after its stop, so a busy
            # forward would fill the log; the refusal itself (404) is what protects the channel
            log.debug("instance %s dialled channel %s, not one it may have", instance.id, printable(channel_id))
            raise LubanError("InvalidChannel.NotFound", f"no channel {channel_id} is waiting for this instance", 404)
        if channel.ws is not None:
            raise LubanError("InvalidChannel.Connected", f"channel {channel_id} is already connected", 409)
    except LubanError as error:
        return error.response()
    # no WebSocket heartbeat: while a stream's credit is spent the socket is not read (back-pressure), and pongs
    # would then go unseen; the bridge's limits and the agent's own pings cover a dead peer
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE + 1, compress=False, timeout=5.0)
    await ws.prepare(request)
    channel.attach(ws)
    await channel.released.wait()
    return ws

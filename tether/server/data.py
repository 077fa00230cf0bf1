"""Data-channel endpoints: check the one-time token, then hand the upgraded socket to the relay.

Every refusal happens before the WebSocket upgrade, as an HTTP status with the usual JSON error body, so a CLI or
browser can tell a forged token (403) from a used or expired one (410) or an unknown session (404).

A browser's client-side handshake must come from our own origin or one configured with
`--console-allowed-origin` (tether.server.origins), checked before the token is looked at, let alone used up: a
session URL that leaked to another site's page is useless there. Handshakes without `Origin` (the CLI) pass.
"""

from __future__ import annotations

import logging
import uuid

from aiohttp import web

from tether.auth.tokens import token_matches
from tether.protocol import MAX_MESSAGE, Side
from tether.server.api.errors import ApiError, error_response, session_not_found
from tether.server.clock import utcnow
from tether.server.logs import printable
from tether.server.origins import origin_allowed
from tether.server.relay import RelaySession, WebSocketEndpoint
from tether.server.state import ServerState, get_state
from tether.store import SessionState

log = logging.getLogger(__name__)

WS_HEARTBEAT = 20.0
# aiohttp refuses a message whose size is >= max_msg_size, so allow one byte more than the largest legal frame
WS_MAX_MSG_SIZE = MAX_MESSAGE + 1
WS_CLOSE_TIMEOUT = 5.0


async def _admit(state: ServerState, session_id: str, side: Side, token: str) -> RelaySession:
    """Validate and consume the side's token; raise ApiError with the reason otherwise."""
    row = await state.sessions.get(session_id)
    if row is None:
        raise session_not_found(session_id)
    hashed = row.agent_token_hash if side is Side.AGENT else row.client_token_hash
    if not token_matches(token, hashed):
        raise ApiError("InvalidToken", f"The token is not valid for session {session_id}.", 403)
    used = row.agent_token_used if side is Side.AGENT else row.client_token_used
    if used:
        raise ApiError("InvalidToken.Used", "This token was already used; start a new session for a new one.", 410)
    if row.state != SessionState.PENDING.value:
        raise ApiError("InvalidSession.Ended", f"Session {session_id} has ended ({row.state}); start a new one.", 410)
    if side is Side.CLIENT and row.client_token_expires_at <= utcnow():
        raise ApiError("InvalidToken.Expired", "The session URL has expired; start a new session.", 410)
    rs = state.relay.get(session_id)
    if rs is None:
        raise ApiError("InvalidSession.Ended", f"Session {session_id} is no longer active on this server.", 410)
    claimed = (
        await state.sessions.use_agent_token(session_id)
        if side is Side.AGENT
        else await state.sessions.use_client_token(session_id, utcnow())
    )
    if not claimed:
        raise ApiError("InvalidToken.Used", "This token was already used.", 410)
    return rs


async def _serve(request: web.Request, side: Side, token: str | None) -> web.StreamResponse:
    state = get_state(request)
    session_id = request.match_info["session_id"]
    try:
        if side is Side.CLIENT and not origin_allowed(request, state, allow_list=True):
            log.warning(
                "refused a client data channel for %s from origin %r (not ours, not in --console-allowed-origin)",
                printable(session_id),
                request.headers.get("Origin", "")[:200],
            )
            raise ApiError(
                "OriginRefused",
                "Session WebSockets are accepted only from the server's own pages or an origin allowed with "
                "--console-allowed-origin.",
                403,
            )
        if not token:
            raise ApiError("MissingToken", f"The {side} data channel needs its session token.", 401)
        rs = await _admit(state, session_id, side, token)
    except ApiError as error:
        log.info("refused %s data channel for %s: %s", side, printable(session_id), error.code)
        return error_response(error, str(uuid.uuid4()))
    ws = web.WebSocketResponse(
        max_msg_size=WS_MAX_MSG_SIZE, compress=False, heartbeat=WS_HEARTBEAT, timeout=WS_CLOSE_TIMEOUT
    )
    await ws.prepare(request)
    await state.relay.serve(rs, WebSocketEndpoint(side, ws))
    return ws


async def agent_data(request: web.Request) -> web.StreamResponse:
    """`GET /agent/v1/data/{session_id}` with `Authorization: Bearer <agent token>`."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return await _serve(request, Side.AGENT, token.strip() if scheme.lower() == "bearer" else None)


async def client_data(request: web.Request) -> web.StreamResponse:
    """`GET /client/v1/data/{session_id}?token=<client token>` (browsers cannot set headers)."""
    return await _serve(request, Side.CLIENT, request.query.get("token"))

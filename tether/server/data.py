"""Data-channel endpoints: check the one-time token, then hand the upgraded socket to the relay.

Every refusal happens before the WebSocket upgrade, as an HTTP status with the usual JSON error body, so a CLI or
browser can tell a forged token (403) from a used or expired one (410) or an unknown session (404).

A client data channel speaks tether's frames or one of Alibaba's client framings (tether/server/framings: detected
from the handshake, else from the first message). Its token is single-use for the first attach; the only further
WebSockets it admits, on the node holding the session and while it lives, are a new stream of a port forward whose
client is ali-instance-cli (at most framings.forward.MAX_STREAMS at once) and the reconnect of a browser client
(1.02) whose WebSocket is down, with the matching `channelId` (docs/threat-model.md).

A browser's client-side handshake must come from our own origin or one configured with
`--console-allowed-origin` (tether.server.origins), checked before the token is looked at, let alone used up: a
session URL that leaked to another site's page is useless there. Handshakes without `Origin` (the CLI) pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import uuid

from aiohttp import WSMsgType, web

from tether.auth.tokens import token_matches
from tether.protocol import (
    LOGIN_SHELL_HEADER,
    MAX_MESSAGE,
    SUBPROTOCOL,
    CloseCode,
    ProtocolError,
    SessionKind,
    Side,
    login_shell,
)
from tether.server.api.errors import ApiError, error_response, session_not_found
from tether.server.clock import utcnow
from tether.server.framings import wire
from tether.server.framings.detect import FIRST_MESSAGE_WAIT, Framing, from_first_message, from_handshake
from tether.server.framings.forward import MAX_STREAMS, ForwardEndpoint, target_text
from tether.server.framings.shell import Shell101Endpoint, Shell102Endpoint
from tether.server.logs import printable
from tether.server.origins import origin_allowed
from tether.server.relay import RelaySession, WebSocketEndpoint
from tether.server.relay.core import Phase
from tether.server.relay.endpoint import Endpoint
from tether.server.relay.resume import ResumeState
from tether.server.state import ServerState, get_state
from tether.store import SessionState

log = logging.getLogger(__name__)

WS_HEARTBEAT = 20.0
# aiohttp refuses a message whose size is >= max_msg_size, so allow one byte more than the largest legal frame
WS_MAX_MSG_SIZE = MAX_MESSAGE + 1
WS_CLOSE_TIMEOUT = 5.0
ATTACH_WAIT = 5.0  # a second forward WebSocket racing the first waits this long for the first's endpoint
RESUME_HEADER = "X-Tether-Resume"  # an agent's data-channel dial: it can resume (docs/protocol.md section 6)


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


def _precheck(request: web.Request, state: ServerState, session_id: str, side: Side, token: str | None) -> str:
    """The checks before any token is looked at: a client's origin, and that there is a token at all."""
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
    return token


async def _serve(request: web.Request, side: Side, token: str | None) -> web.StreamResponse:
    state = get_state(request)
    session_id = request.match_info["session_id"]
    try:
        token = _precheck(request, state, session_id, side, token)
        rs = await _admit(state, session_id, side, token)
    except ApiError as error:
        log.info("refused %s data channel for %s: %s", side, printable(session_id), error.code)
        return error_response(error, str(uuid.uuid4()))
    said = request.query.get("resumable") if side is Side.CLIENT else request.headers.get(RESUME_HEADER)
    if said in ("1", "2"):  # both sides can: a shell session outlives a broken connection ("2": and re-dials)
        state.relay.can_resume(rs, side, redials=said == "2")
    ws = _socket(Framing.TETHER) if side is Side.CLIENT else _agent_socket()
    if side is Side.AGENT:
        rs.login_shell = login_shell(request.headers.get(LOGIN_SHELL_HEADER)) or rs.login_shell
    await ws.prepare(request)
    await state.relay.serve(rs, WebSocketEndpoint(side, ws))
    return ws


async def agent_data(request: web.Request) -> web.StreamResponse:
    """`GET /agent/v1/data/{session_id}` with `Authorization: Bearer <agent token>`."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else None
    if request.headers.get(RESUME_HEADER) == "reattach":
        return await _serve_agent_again(request, bearer)
    return await _serve(request, Side.AGENT, bearer)


async def _serve_agent_again(request: web.Request, token: str | None) -> web.StreamResponse:
    """An agent re-dialling the broken data channel of a resumable session, with the resume token it was given."""
    state = get_state(request)
    session_id = request.match_info["session_id"]
    try:
        token = _precheck(request, state, session_id, Side.AGENT, token)
        rs, resume = _resumable(state, session_id)
        if not resume.take_agent_token(token):
            raise ApiError("InvalidToken", f"The token is not valid for session {session_id}.", 403)
    except ApiError as error:
        log.info("refused an agent data channel re-dial for %s: %s", printable(session_id), error.code)
        return error_response(error, str(uuid.uuid4()))
    ws = _agent_socket()
    await ws.prepare(request)
    await state.relay.reattach(rs, WebSocketEndpoint(Side.AGENT, ws))
    return ws


async def client_data(request: web.Request) -> web.StreamResponse:
    """`GET /client/v1/data/{session_id}?token=<client token>` (browsers cannot set headers)."""
    framing = from_handshake(request)
    if framing is Framing.TETHER and "resume" in request.query:
        return await _serve_resumed(request, request.query["resume"])
    if framing is Framing.TETHER:
        return await _serve(request, Side.CLIENT, request.query.get("token"))
    state = get_state(request)
    session_id = request.match_info["session_id"]
    if framing is not None:
        try:
            token = _precheck(request, state, session_id, Side.CLIENT, request.query.get("token"))
            again = await _readmit(state, session_id, token, framing, request.query.get("channelId"))
        except ApiError as error:
            log.info("refused a further client data channel for %s: %s", printable(session_id), error.code)
            return error_response(error, str(uuid.uuid4()))
        if again is not None:
            return await _serve_again(request, again)
    return await _serve_translated(request, framing)


async def _serve_resumed(request: web.Request, token: str) -> web.StreamResponse:
    """`?resume=<attach token>` (from ResumeSession): a resuming client's new attachment to its detached session."""
    state = get_state(request)
    session_id = request.match_info["session_id"]
    try:
        token = _precheck(request, state, session_id, Side.CLIENT, token)
        rs, resume = _resumable(state, session_id)
        takeover = resume.take_attach(token)
        if takeover is None:
            raise ApiError(
                "InvalidToken", "This resume URL is not valid (used, expired or forged); call ResumeSession again.", 403
            )
    except ApiError as error:
        log.info("refused a resumed client data channel for %s: %s", printable(session_id), error.code)
        return error_response(error, str(uuid.uuid4()))
    ws = _socket(Framing.TETHER)
    await ws.prepare(request)
    await state.relay.reattach(rs, WebSocketEndpoint(Side.CLIENT, ws), takeover=takeover)
    return ws


async def _readmit(
    state: ServerState, session_id: str, token: str, framing: Framing, channel_id: str | None
) -> ForwardEndpoint | Shell102Endpoint | None:
    """The endpoint a further WebSocket with an already used token joins; None if the token is unused (a first
    attach). Raises ApiError for a used token that may not come again."""
    row = await state.sessions.get(session_id)
    if row is None or not row.client_token_used:
        return None
    if not token_matches(token, row.client_token_hash):
        raise ApiError("InvalidToken", f"The token is not valid for session {session_id}.", 403)
    rs = state.relay.get(session_id)
    if framing is Framing.AXT101 and row.kind == SessionKind.PORT_FORWARD.value and rs is not None:
        if rs.endpoints[Side.CLIENT] is None:  # the first WebSocket's claim is ahead of its endpoint a moment
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rs.reached(Phase.PAIRED), ATTACH_WAIT)
        endpoint = rs.endpoints[Side.CLIENT]
        if isinstance(endpoint, ForwardEndpoint) and not rs.ended and not endpoint.closed:
            if endpoint.open_streams >= MAX_STREAMS:
                raise ApiError(
                    "Throttling.ForwardStreams",
                    f"This port-forward session already carries {MAX_STREAMS} connections; close one first.",
                    429,
                )
            return endpoint
    if framing is Framing.AXT102 and channel_id is not None and rs is not None and not rs.ended:
        endpoint = rs.endpoints[Side.CLIENT]
        if (
            isinstance(endpoint, Shell102Endpoint)
            and endpoint.waiting_reconnect
            and hmac.compare_digest(channel_id.encode(), session_id.encode())
        ):
            return endpoint
    raise ApiError("InvalidToken.Used", "This token was already used; start a new session for a new one.", 410)


def _resumable(state: ServerState, session_id: str) -> tuple[RelaySession, ResumeState]:
    """The live resumable session a re-dialling agent or a resuming client reattaches to; ApiError if none."""
    rs = state.relay.get(session_id)
    if rs is None or rs.ended or rs.resume is None:
        raise ApiError("InvalidSession.Ended", f"Session {session_id} is no longer active on this server.", 410)
    return rs, rs.resume


def _agent_socket() -> web.WebSocketResponse:
    return web.WebSocketResponse(
        max_msg_size=WS_MAX_MSG_SIZE, compress=False, heartbeat=WS_HEARTBEAT, timeout=WS_CLOSE_TIMEOUT
    )


def _socket(framing: Framing | None) -> web.WebSocketResponse:
    size = WS_MAX_MSG_SIZE if framing is Framing.TETHER else max(WS_MAX_MSG_SIZE, wire.WS_MAX_MSG_SIZE)
    return web.WebSocketResponse(
        max_msg_size=size,
        compress=False,
        heartbeat=WS_HEARTBEAT,
        timeout=WS_CLOSE_TIMEOUT,
        protocols=(SUBPROTOCOL,) if framing is Framing.TETHER else (),
    )


async def _serve_again(request: web.Request, endpoint: ForwardEndpoint | Shell102Endpoint) -> web.StreamResponse:
    ws = _socket(Framing.AXT101 if isinstance(endpoint, ForwardEndpoint) else Framing.AXT102)
    await ws.prepare(request)
    if isinstance(endpoint, ForwardEndpoint):
        await endpoint.serve_stream(ws)
    else:
        await endpoint.attach(ws)
        await endpoint.served()
    return ws


async def _first_message(ws: web.WebSocketResponse) -> tuple[Framing, bytes | None]:
    """The framing of a connection whose handshake did not say, and the message that told (None: silence)."""
    try:
        msg = await ws.receive(timeout=FIRST_MESSAGE_WAIT)
    except TimeoutError:
        return Framing.AXT102, None  # the browser client says nothing before Status(Opened)
    if msg.type is not WSMsgType.BINARY:
        raise ProtocolError("unknown-framing", "the first message is not a binary frame")
    return from_first_message(msg.data), msg.data


class _PrimedEndpoint(WebSocketEndpoint):
    """Tether's framing, whose first frame was already read to detect it."""

    __slots__ = ("first",)

    def __init__(self, ws: web.WebSocketResponse, first: bytes) -> None:
        super().__init__(Side.CLIENT, ws)
        self.first: bytes | None = first

    async def receive(self) -> bytes:
        first, self.first = self.first, None
        return first if first is not None else await super().receive()


async def _serve_translated(request: web.Request, framing: Framing | None) -> web.StreamResponse:
    """A first attach whose framing is Alibaba's or not known before the upgrade."""
    state = get_state(request)
    session_id = request.match_info["session_id"]
    token = request.query.get("token")
    try:
        token = _precheck(request, state, session_id, Side.CLIENT, token)
        try:
            rs = await _admit(state, session_id, Side.CLIENT, token)
        except ApiError as error:
            # several forward WebSockets at once: the others lost the first attach to one of them, and join it
            again = await _readmit(state, session_id, token, framing, None) if framing is Framing.AXT101 else None
            if error.code != "InvalidToken.Used" or again is None:
                raise
            return await _serve_again(request, again)
    except ApiError as error:
        log.info("refused client data channel for %s: %s", printable(session_id), error.code)
        return error_response(error, str(uuid.uuid4()))
    ws = _socket(framing)
    await ws.prepare(request)
    first: bytes | None = None
    if framing is None:
        try:
            framing, first = await _first_message(ws)
        except ProtocolError as exc:
            await _refuse(state, rs, ws, f"protocol_error: {exc.code}", CloseCode.PROTOCOL_ERROR, exc.message)
            return ws
    endpoint: Endpoint
    if framing is Framing.TETHER:
        assert first is not None
        endpoint = _PrimedEndpoint(ws, first)
    elif framing is Framing.AXT101 and rs.kind is SessionKind.PORT_FORWARD:
        row = await state.sessions.get(session_id)
        host, port = (row.target_host, row.target_port) if row is not None else (None, None)
        forward = ForwardEndpoint(session_id, target_text(host or "127.0.0.1", port or 0))
        await forward.add(ws, first)
        endpoint = forward
    elif framing is Framing.AXT101:
        shell = Shell101Endpoint(ws, session_id)
        await shell.start(first)
        endpoint = shell
    elif rs.kind is SessionKind.PORT_FORWARD:
        await _refuse(
            state, rs, ws, "protocol_error: unsupported", CloseCode.UNSUPPORTED_DATA,
            "the 1.02 browser client serves shell sessions, not port forwards",
        )
        return ws
    else:
        browser = Shell102Endpoint(session_id)
        await browser.attach(ws, first)
        endpoint = browser
    log.info("session %s: client speaks the %s framing", printable(session_id), framing.value)
    await state.relay.serve(rs, endpoint)
    return ws


async def _refuse(
    state: ServerState, rs: RelaySession, ws: web.WebSocketResponse, reason: str, code: int, message: str
) -> None:
    log.warning("session %s: %s", printable(rs.session_id), printable(message))
    await state.relay.end(rs, SessionState.TERMINATED, reason, code=code, message=message)
    await ws.close(code=code, message=message.encode()[:120])

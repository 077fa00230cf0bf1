"""Starting a session and dialling its data channel: shared by the shell, port forwards and the stdio proxy.

Every kind of session begins the same way (StartTerminalSession, then a WebSocket to the `WebSocketUrl` it returned)
and fails in the same ways, so the dialling and the translation of failures into one line of advice live here once.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tether.client import tracing
from tether.client.api import ApiClient, describe_connection_error
from tether.client.errors import ClientError
from tether.protocol import MAX_MESSAGE, SUBPROTOCOL, CloseCode

__all__ = [
    "CLOSE_CODES",
    "CLOSE_TIMEOUT",
    "CONNECT_TIMEOUT",
    "HEARTBEAT",
    "SessionFailure",
    "StartedSession",
    "connect_data_channel",
    "describe_close",
    "drop_reason",
    "redact_url",
    "start_session",
]

HEARTBEAT = 20.0  # WebSocket ping interval; a peer silent for another half of it is declared dead
CONNECT_TIMEOUT = 15.0
CLOSE_TIMEOUT = 3.0

CLOSE_CODES: dict[int, str] = {
    CloseCode.PROTOCOL_ERROR: "protocol error",
    CloseCode.ABNORMAL: "the connection broke",
    CloseCode.POLICY_VIOLATION: "closed by policy",
    CloseCode.MESSAGE_TOO_BIG: "a message exceeded the size limit",
    CloseCode.INTERNAL_ERROR: "the server hit an internal error",
    CloseCode.SERVICE_RESTART: "the server is restarting",
    CloseCode.TRY_AGAIN_LATER: "the server is overloaded, try again later",
    CloseCode.ENDED: "the session was ended with EndTerminalSession",
    CloseCode.REATTACHED: "the session was resumed from another terminal",
}


class SessionFailure(ClientError):
    """The data channel could not be opened; the message says why and what to do."""


@dataclass(frozen=True)
class StartedSession:
    """What StartTerminalSession gave us: the session and where (and with which TLS context) to dial it."""

    session_id: str
    url: str
    ssl_context: ssl.SSLContext | None


def redact_url(url: str) -> str:
    """The data-channel URL without its single-use token, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def start_session(api: ApiClient, body: dict[str, Any]) -> StartedSession:
    """Call StartTerminalSession with `body` and check that the answer says where to connect."""
    response = await api.call("StartTerminalSession", body)
    url = response.get("WebSocketUrl")
    if not isinstance(url, str) or not url.startswith(("wss://", "ws://")):
        raise ClientError("the server's StartTerminalSession answer has no WebSocketUrl — server too old?")
    ssl_context = api.ssl_context if url.startswith("wss://") else None
    return StartedSession(str(response.get("SessionId") or ""), url, ssl_context)


async def connect_data_channel(
    http: aiohttp.ClientSession,
    url: str,
    *,
    ssl_context: ssl.SSLContext | None,
    connect_timeout: float = CONNECT_TIMEOUT,
    heartbeat: float = HEARTBEAT,
) -> aiohttp.ClientWebSocketResponse:
    """Dial a session's data channel within `connect_timeout`; `SessionFailure` with advice if it cannot."""
    where = redact_url(url)
    secure = url.startswith("wss:")
    try:
        tracing.mark("data channel dialling")
        async with asyncio.timeout(connect_timeout):
            ws = await http.ws_connect(
                url,
                ssl=(ssl_context or True) if secure else False,
                # aiohttp rejects a message whose size *equals* max_msg_size; a full DATA frame is MAX_MESSAGE.
                max_msg_size=MAX_MESSAGE + 1,
                heartbeat=heartbeat,
                protocols=(SUBPROTOCOL,),  # says "tether framing" at once (the server also speaks Alibaba's)
                timeout=aiohttp.ClientWSTimeout(ws_close=CLOSE_TIMEOUT),
            )
        tracing.mark("data channel attached")
        return ws
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status in (401, 403, 404, 410):
            raise SessionFailure(
                f"the server refused the session's data channel (HTTP {exc.status}) — a session URL is "
                "single-use and must be used soon after the session starts (30 s by default); start a new session"
            ) from exc
        raise SessionFailure(f"cannot open the session at {where}: HTTP {exc.status} {exc.message}") from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise SessionFailure(describe_connection_error(where, exc, timeout=connect_timeout)) from exc


def describe_close(code: int | None, reason: str | None, *, default: str) -> str:
    """A close code (and the close frame's text) in a few words; `default` for an ordinary close."""
    if code is None or code in (1000, 1001, 1005):
        return default
    meaning = CLOSE_CODES.get(code, "closed")
    text = " ".join((reason or "").split())
    return f"{meaning} (WebSocket code {code}{': ' + text if text else ''})"


def drop_reason(
    ws: aiohttp.ClientWebSocketResponse, heartbeat: float = HEARTBEAT, *, default: str, reason: str | None = None
) -> str:
    """Why a data channel ended, in a few words; `default` when it was an ordinary close.

    `reason` is the close frame's text, when the caller saw one: the relay puts the agent's refusal there.
    """
    error = ws.exception()
    if isinstance(error, aiohttp.ServerTimeoutError | TimeoutError):
        return f"no answer from the server for {heartbeat * 1.5:g} s (network down?)"
    if error is not None:
        return " ".join(str(error).split()) or type(error).__name__
    return describe_close(ws.close_code, reason, default=default)

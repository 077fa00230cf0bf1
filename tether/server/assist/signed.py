"""Who is calling a `/luban/` endpoint: the Cloud Assistant agent's signature headers, checked against the store.

The agent's signature (tether/auth/assist.py) covers neither method, path nor body, so everything that bounds a
captured header set is enforced here, for every request and WebSocket handshake alike:
- TLS only: `/luban/` is refused on a connection without TLS (a `--no-tls` server serves no Cloud Assistant
  agent), so header sets are not there to be read off the wire;
- the timestamp within TIMESTAMP_WINDOW of the server's clock;
- the request id used once per instance, in the nonce table every node shares (a replay on another node fails too);
- the instance registered, not deregistered, of the Cloud Assistant kind, and the signature valid for its key and
  machine id. What the caller may then reach (its own channels only) is the handlers' business.
Refusals are JSON errors with a code; nothing secret is logged.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from aiohttp import web

from tether.auth.assist import TIMESTAMP_WINDOW, check_timestamp, parse_headers, verify
from tether.auth.signing import AuthError
from tether.server.clock import utcnow
from tether.server.logs import printable
from tether.server.state import ServerState
from tether.store import AGENT_CLOUD_ASSISTANT, Instance

log = logging.getLogger(__name__)

NONCE_PREFIX = "assist:"  # nonce-table key of an instance's request ids (apart from access keys' nonces)


class LubanError(Exception):
    """A refusal on a `/luban/` endpoint: HTTP `status`, a stable `code`, a sentence."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def response(self) -> web.Response:
        # `code`/`errMsg` are the fields the agent reads from its server's answers
        body = {"code": self.status, "errCode": self.code, "errMsg": self.message}
        return web.Response(status=self.status, text=json.dumps(body), content_type="application/json")


def is_tls(request: web.BaseRequest) -> bool:
    """Whether the request came over TLS on this listener."""
    transport = request.transport
    return transport is not None and transport.get_extra_info("sslcontext") is not None


def require_tls(request: web.BaseRequest) -> None:
    if not is_tls(request):
        raise LubanError(
            "TlsRequired",
            "The Cloud Assistant agent's signature does not cover the request, so tether serves it over TLS only.",
            403,
        )


async def authenticate(state: ServerState, request: web.BaseRequest) -> Instance:
    """The Cloud Assistant instance that signed this request; LubanError otherwise."""
    require_tls(request)
    try:
        signed = parse_headers(request.headers)
        check_timestamp(signed, window=TIMESTAMP_WINDOW)
    except AuthError as exc:
        raise LubanError(exc.code, exc.message, exc.status) from None
    instance = await state.instances.get(signed.instance_id)
    if (
        instance is None
        or instance.deregistered
        or instance.agent_kind != AGENT_CLOUD_ASSISTANT
        or not instance.assist_public_key
    ):
        raise LubanError("InvalidInstance.NotFound", f"instance {signed.instance_id} is not registered", 401)
    if not verify(signed, instance.assist_public_key, instance.machine_id or ""):
        log.warning("luban request for %s from %s: bad signature", instance.id, printable(state.client_ip(request)))
        raise LubanError("InvalidSignature", "the request signature does not match the registered key", 401)
    # only a verified request spends a request id: a forger cannot burn the agent's ids
    expires = utcnow() + timedelta(seconds=2 * TIMESTAMP_WINDOW)
    if not await state.nonces.use(NONCE_PREFIX + instance.id, signed.request_id.lower(), expires):
        log.warning("luban request for %s: request id %s replayed", instance.id, printable(signed.request_id))
        raise LubanError("InvalidRequestId.Replayed", "this request id was already used", 401)
    return instance

"""`POST /api/v1/{Action}`: size limit, authentication, body parsing, then the action's handler.

The browser console's `POST /console/v1/api/{Action}` runs through the same `run_action`: the action table, body
limits, parameter parsing, policies, audit rows and error documents are shared, and only the authenticator differs
(a signature here, a cookie session plus CSRF token there; see tether/server/console.py).

Every response carries a RequestId; an unexpected exception becomes InternalError with that id logged, so a user
can quote it and the administrator can find the traceback. Every call, including those refused before the caller
is known, leaves one audit row, written in `finally` in its own transaction after the handler's transactions have
committed or rolled back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tether.server.api import (
    activations,
    audit,
    console,
    delivery,
    instances,
    ram,
    recordings,
    search,
    sessions,
    settings,
    simulate,
    sshkeys,
    streams,
    sts,
    tags,
)
from tether.server.api.actions import Action, AuditRecord, Context
from tether.server.api.authn import authenticate
from tether.server.api.body import read_body
from tether.server.api.errors import ApiError, error_response, from_store_error, json_body
from tether.server.api.params import parse_params
from tether.server.logs import printable
from tether.server.principals import Principal
from tether.server.state import ServerState, get_state
from tether.store import StoreError

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024

ACTIONS: dict[str, Action] = {
    **activations.ACTIONS,
    **instances.ACTIONS,
    **sessions.ACTIONS,
    **recordings.ACTIONS,
    **search.ACTIONS,
    **streams.ACTIONS,
    **delivery.ACTIONS,
    **sshkeys.ACTIONS,
    **settings.ACTIONS,
    **tags.ACTIONS,
    **ram.ACTIONS,
    **sts.ACTIONS,
    **audit.ACTIONS,
    **simulate.ACTIONS,
    **console.ACTIONS,
}

# who is calling: (state, request, action, body, audit record) -> the principal, or None for an unsigned action;
# raises ApiError to refuse
Authenticator = Callable[[ServerState, web.Request, Action, bytes, AuditRecord], Awaitable[Principal | None]]


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    value = json_body(body)
    if not isinstance(value, dict):
        raise ApiError("InvalidParameter", "The request body must be a JSON object.", 400)
    return value


async def _dispatch(
    request: web.Request, name: str, record: AuditRecord, authenticator: Authenticator
) -> dict[str, Any] | web.StreamResponse:
    action = ACTIONS.get(name)
    if action is None:
        raise ApiError("InvalidAction.NotFound", f"There is no action {name!r}; see docs/api.md.", 404)
    state = get_state(request)
    body = await read_body(request, MAX_BODY, state.config.body_timeout)
    principal = await authenticator(state, request, action, body, record)
    if principal is not None:
        record.note_principal(principal)
    params = parse_params(action.params, name, _json_object(body))
    context = Context(
        state=state,
        principal=principal,
        request_id=record.request_id,
        remote=record.source_ip,
        secure=request.secure,
        audit=record,
    )
    try:
        return await action.handler(context, params)
    except StoreError as exc:
        raise from_store_error(exc) from None


async def signed_caller(
    state: ServerState, request: web.Request, action: Action, body: bytes, record: AuditRecord
) -> Principal | None:
    """The signed API's authenticator: the access key that signed the request (unsigned actions have none)."""
    if not action.signed:
        return None
    return await authenticate(state, request, body, record)


async def api_handler(request: web.Request) -> web.StreamResponse:
    """`POST /api/v1/{Action}`, signed with an access key."""
    return await run_action(request, request.match_info.get("action", "?"), signed_caller)


async def run_action(
    request: web.Request,
    name: str,
    authenticator: Authenticator,
    headers: dict[str, str] | None = None,
    detail: str | None = None,
) -> web.StreamResponse:
    """Run action `name` for the caller `authenticator` finds, answer it, and write its audit row.

    `headers` are added to every answer (success or error); `detail` goes to the audit row.
    """
    request_id = str(uuid.uuid4())
    record = AuditRecord(name, request_id, get_state(request).client_ip(request), detail=detail)
    extra = headers or {}
    try:
        try:
            result = await _dispatch(request, name, record, authenticator)
        except ApiError as error:
            record.result_code, record.http_status = error.code, error.status
            response = error_response(error, request_id)
            response.headers.update(extra)
            return response
        except Exception:
            log.exception("request %s (%s) failed", request_id, printable(record.event_name))
            failure = ApiError(
                "InternalError",
                f"The server failed to handle the request; give the administrator RequestId {request_id}.",
                500,
            )
            record.result_code, record.http_status = failure.code, failure.status
            response = error_response(failure, request_id)
            response.headers.update(extra)
            return response
        record.result_code, record.http_status = "Success", 200
        if isinstance(result, web.StreamResponse):
            result.headers["X-Tether-Request-Id"] = request_id
            result.headers.update(extra)
            record.http_status = result.status
            return result
        result["RequestId"] = request_id
        return web.json_response(result, headers={**extra, "X-Tether-Request-Id": request_id})
    finally:
        await get_state(request).audit_trail.write(record.columns())

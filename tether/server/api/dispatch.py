"""`POST /api/v1/{Action}`: size limit, authentication, body parsing, then the action's handler.

The browser console's `POST /console/v1/api/{Action}` runs through the same `run_action`: the action table, body
limits, parameter parsing, policies, audit rows and error documents are shared, and only the authenticator differs
(a signature here, a cookie session plus CSRF token there; see tether/server/console.py). The ECS OpenAPI dialect
(`POST /` and `GET /?Action=...`, tether/server/openapi) is a third way in through the same `run_action`: a `Dialect`
says how its requests name the action, carry their parameters, are authenticated, and how results and errors are
written; authorisation, handlers and audit rows are the same.

Every response carries a RequestId; an unexpected exception becomes InternalError with that id logged, so a user
can quote it and the administrator can find the traceback. Every call, including those refused before the caller
is known, leaves one audit row, written in `finally` in its own transaction after the handler's transactions have
committed or rolled back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
    resume,
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
from tether.server.metrics import METRICS_KEY
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
    **resume.ACTIONS,
}

# who is calling: (state, request, action, body, audit record) -> the principal, or None for an unsigned action;
# raises ApiError to refuse
Authenticator = Callable[[ServerState, web.Request, Action, bytes, AuditRecord], Awaitable[Principal | None]]


def json_object(_request: web.Request, body: bytes) -> dict[str, Any]:
    """The JSON object a tether API request's body holds (empty body: no parameters)."""
    if not body.strip():
        return {}
    value = json_body(body)
    if not isinstance(value, dict):
        raise ApiError("InvalidParameter", "The request body must be a JSON object.", 400)
    return value


@dataclass(frozen=True)
class Dialect:
    """One way in to the actions: how its requests are authenticated and carry their parameters, how its answers
    look. The defaults are tether's own JSON API."""

    authenticator: Authenticator
    # the request's parameters as the action's Params model reads them
    decode: Callable[[web.Request, bytes], dict[str, Any]] = json_object
    # the action's name when the path does not give it (read from the request and its body)
    action_name: Callable[[web.Request, bytes], str] | None = None
    # the result document as this dialect answers it: (action, result) -> document
    shape: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    # the error answer: (error, request id) -> response
    render_error: Callable[[ApiError, str], web.Response] = error_response
    detail: str | None = None  # what the audit row's detail says about this way in


async def _dispatch(
    request: web.Request, name: str | None, record: AuditRecord, dialect: Dialect
) -> dict[str, Any] | web.StreamResponse:
    body: bytes | None = None
    if name is None:
        assert dialect.action_name is not None
        body = await read_body(request, MAX_BODY, get_state(request).config.body_timeout)
        name = dialect.action_name(request, body)
        record.event_name = name
    action = ACTIONS.get(name)
    if action is None:
        raise ApiError("InvalidAction.NotFound", f"There is no action {name!r}; see docs/api.md.", 404)
    state = get_state(request)
    if body is None:
        body = await read_body(request, MAX_BODY, state.config.body_timeout)
    principal = await dialect.authenticator(state, request, action, body, record)
    if principal is not None:
        record.note_principal(principal)
    params = parse_params(action.params, name, dialect.decode(request, body))
    context = Context(
        state=state,
        principal=principal,
        request_id=record.request_id,
        remote=record.source_ip,
        secure=request.secure,
        audit=record,
    )
    try:
        result = await action.handler(context, params)
    except StoreError as exc:
        raise from_store_error(exc) from None
    if dialect.shape is not None and not isinstance(result, web.StreamResponse):
        result = dialect.shape(name, result)
    return result


async def signed_caller(
    state: ServerState, request: web.Request, action: Action, body: bytes, record: AuditRecord
) -> Principal | None:
    """The signed API's authenticator: the access key that signed the request (unsigned actions have none)."""
    if not action.signed:
        return None
    return await authenticate(state, request, body, record)


SIGNED_API = Dialect(signed_caller)


async def api_handler(request: web.Request) -> web.StreamResponse:
    """`POST /api/v1/{Action}`, signed with an access key."""
    return await run_action(request, request.match_info.get("action", "?"), SIGNED_API)


async def run_action(
    request: web.Request,
    name: str | None,
    dialect: Dialect,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    """Run action `name` (None: the dialect reads it from the request) for the caller the dialect authenticates,
    answer it, and write its audit row.

    `headers` are added to every answer (success or error); the dialect's `detail` goes to the audit row.
    """
    request_id = str(uuid.uuid4())
    record = AuditRecord(name or "?", request_id, get_state(request).client_ip(request), detail=dialect.detail)
    extra = headers or {}
    render_error = dialect.render_error
    try:
        try:
            result = await _dispatch(request, name, record, dialect)
        except ApiError as error:
            record.result_code, record.http_status = error.code, error.status
            response = render_error(error, request_id)
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
            response = render_error(failure, request_id)
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
        if METRICS_KEY in request.app:
            request.app[METRICS_KEY].api_call(record.event_name, record.http_status, record.decision_effect)
        await get_state(request).audit_trail.write(record.columns())

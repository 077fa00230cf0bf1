"""`POST /` and `GET /?Action=...`: the ECS OpenAPI dialect (version 2014-05-26) on the main HTTPS listener.

Alibaba Cloud's SDKs and CLI call an endpoint this way, signed with the RPC signature (parameters) or the V3
`ACS3-HMAC-SHA256` header. This module only translates: it reads the action and parameters the dialect's way,
authenticates through the same `authenticate_signed` as tether's own API, and runs the action through the same
`run_action` (authorisation, handlers, audit rows; the audit row's detail names the dialect and signature), then
writes the answer in the shapes of tether.server.openapi.shapes. `GET /` without an Action is the console's.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tether.auth.acs import is_v3, parse_rpc, parse_v3
from tether.auth.signing import AuthError, Signed
from tether.server.api.actions import Action, AuditRecord
from tether.server.api.authn import authenticate_signed
from tether.server.api.dispatch import Dialect, run_action
from tether.server.api.errors import ApiError
from tether.server.openapi.params import ActionSpec, decode_form, merge, translate
from tether.server.openapi.shapes import SERVICES, error_response, shape
from tether.server.principals import Principal
from tether.server.state import ServerState

_PARSED = "tether.openapi.request"
FORM_TYPE = "application/x-www-form-urlencoded"
ALLOWED_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class OpenApiRequest:
    """One request's parameters: the query alone (what V3 signs), and query plus form body (what RPC signs)."""

    v3: bool
    query: dict[str, str]
    params: dict[str, str]


def _parsed(request: web.Request, body: bytes) -> OpenApiRequest:
    found = request.get(_PARSED)
    if isinstance(found, OpenApiRequest):
        return found
    query_pairs = decode_form(request.rel_url.raw_query_string)  # decoded once, here: query_string is decoded
    form_pairs: list[tuple[str, str]] = []
    if body:
        if request.content_type != FORM_TYPE:
            raise ApiError(
                "InvalidParameter.Body",
                f"A request body must be {FORM_TYPE} (or send the parameters in the query string).",
                400,
            )
        try:
            form_pairs = decode_form(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError("InvalidParameter.Body", "The form body is not UTF-8.", 400) from None
    parsed = OpenApiRequest(
        v3=is_v3(request.headers.items()), query=merge(query_pairs), params=merge(query_pairs, form_pairs)
    )
    request[_PARSED] = parsed
    return parsed


def _spec(request: web.Request, body: bytes) -> tuple[str, ActionSpec]:
    """The action's name and spec, after checking the service version and format."""
    parsed = _parsed(request, body)
    if parsed.v3:
        name, version = request.headers.get("x-acs-action", ""), request.headers.get("x-acs-version", "")
        where = "the x-acs-action header"
    else:
        name, version = parsed.params.get("Action", ""), parsed.params.get("Version", "")
        where = "the Action parameter"
    if not name:
        raise ApiError("MissingParameter.Action", f"The request names no action: send {where}.", 400)
    service = SERVICES.get(version)
    if service is None:
        raise ApiError(
            "InvalidVersion",
            f"Version {version!r} is not served: this endpoint speaks ECS 2014-05-26, RAM 2015-05-01 and STS "
            "2015-04-01.",
            400,
        )
    fmt = parsed.params.get("Format", "JSON")
    if fmt.upper() != "JSON":
        raise ApiError("InvalidParameter.Format", "Only Format=JSON is supported.", 400)
    spec = service.get(name)
    if spec is None:
        raise ApiError(
            "InvalidAction.NotFound", f"Version {version} has no action {name!r} here; see docs/alibaba.md.", 404
        )
    return name, spec


def _action_name(request: web.Request, body: bytes) -> str:
    return _spec(request, body)[0]


async def _caller(
    state: ServerState, request: web.Request, action: Action, body: bytes, record: AuditRecord
) -> Principal | None:
    if not action.signed:
        return None
    parsed = _parsed(request, body)
    signed: Signed
    try:
        if parsed.v3:
            signed = parse_v3(request.method, request.path, parsed.query, request.headers.items(), body)
        else:
            signed = parse_rpc(request.method, parsed.params)
    except AuthError as exc:
        raise ApiError(exc.code, exc.message, exc.status) from None
    return await authenticate_signed(state, signed, record)


def _decode(request: web.Request, body: bytes) -> dict[str, Any]:
    name, spec = _spec(request, body)
    return translate(name, spec, _parsed(request, body).params)


def _dialect(request: web.Request) -> Dialect:
    host = request.host

    def render(error: ApiError, request_id: str) -> web.Response:
        return error_response(error, request_id, host)

    signature = "V3" if is_v3(request.headers.items()) else "RPC"
    return Dialect(
        _caller,
        decode=_decode,
        action_name=_action_name,
        shape=shape,
        render_error=render,
        detail=f"via OpenAPI ({signature} signature)",
    )


def wants_openapi(request: web.Request) -> bool:
    """A request to `/` is an OpenAPI call unless it is a plain GET (or HEAD) without an Action: the console."""
    if request.method in ("GET", "HEAD"):
        return "Action" in request.query or "x-acs-action" in request.headers
    return True


def root_handler(
    console: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler of every method on `/`: OpenAPI calls here, the rest to `console` (its redirect)."""

    async def root(request: web.Request) -> web.StreamResponse:
        if wants_openapi(request):
            return await openapi_call(request)
        return await console(request)

    return root


async def openapi_call(request: web.Request) -> web.StreamResponse:
    """Any request to `/` that is an OpenAPI call; methods other than GET and POST get a JSON 405."""
    if request.method not in ALLOWED_METHODS:
        error = ApiError("UnsupportedHTTPMethod", f"Call the OpenAPI with {' or '.join(ALLOWED_METHODS)}.", 405)
        response = error_response(error, str(uuid.uuid4()), request.host)
        response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
        return response
    return await run_action(request, None, _dialect(request))

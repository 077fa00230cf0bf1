"""Answers for requests no route takes: a coded JSON 404 or 405 like every other refusal, not a text page.

The router's miss is known before any handler runs (`match_info.http_exception`), so this middleware answers it
without touching handlers that raise their own 404s on purpose.
"""

from __future__ import annotations

import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from tether.server.api.errors import ApiError, error_response


@web.middleware
async def coded_route_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    miss = request.match_info.http_exception
    if miss is None:
        return await handler(request)
    if isinstance(miss, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(miss.allowed_methods))
        error = ApiError(
            "MethodNotAllowed",
            f"{request.method} is not accepted here; use {allowed} (the API takes POST /api/v1/<Action>).",
            405,
            headers={"Allow": allowed},
        )
    else:
        error = ApiError(
            "NotFound", "There is nothing at this path; the API is POST /api/v1/<Action> (see docs/api.md).", 404
        )
    return error_response(error, str(uuid.uuid4()))

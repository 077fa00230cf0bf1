"""Reading a request body: whole, at most `limit` bytes, within a time limit (a slow sender is a slowloris too)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from tether.server.api.errors import ApiError

READ_CHUNK = 64 * 1024


async def read_body(request: web.Request, limit: int, seconds: float) -> bytes:
    """The whole body; `RequestTooLarge` (413) past `limit` bytes, `RequestTimeout` (408) past `seconds`."""
    too_large = ApiError("RequestTooLarge", f"The request body exceeds {limit} bytes.", 413)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = bytearray()
    try:
        async with asyncio.timeout(seconds):
            while chunk := await request.content.read(READ_CHUNK):
                body += chunk
                if len(body) > limit:
                    raise too_large
    except TimeoutError:
        raise ApiError(
            "RequestTimeout", f"The request body did not arrive within {seconds:g} seconds; send it at once.", 408
        ) from None
    return bytes(body)

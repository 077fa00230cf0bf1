"""API errors: one exception type carrying the code, HTTP status and message of docs/api.md."""

from __future__ import annotations

import json

from aiohttp import web


class ApiError(Exception):
    """An error answered as `{"Code", "Message", "RequestId"}` with `status`."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def error_response(error: ApiError, request_id: str) -> web.Response:
    return web.Response(
        status=error.status,
        text=json.dumps({"Code": error.code, "Message": error.message, "RequestId": request_id}),
        content_type="application/json",
        headers={"X-Tether-Request-Id": request_id},
    )


def instance_not_found(instance_id: str) -> ApiError:
    return ApiError(
        "InvalidInstance.NotFound",
        f"Instance {instance_id} does not exist or was deregistered: list instances with DescribeInstances.",
        404,
    )


def session_not_found(session_id: str) -> ApiError:
    return ApiError(
        "InvalidSession.NotFound",
        f"Session {session_id} does not exist: list sessions with DescribeTerminalSessions.",
        404,
    )

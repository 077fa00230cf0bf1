"""API errors: one exception type carrying the code, HTTP status and message of docs/api.md."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tether.protocol import jsondepth
from tether.server.bus import NodeBusError, PayloadTooLarge
from tether.store.errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound, StoreError


class ApiError(Exception):
    """An error answered as `{"Code", "Message", "RequestId"}` with `status`."""

    def __init__(self, code: str, message: str, status: int = 400, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = dict(headers or {})  # extra response headers, e.g. Retry-After


def error_response(error: ApiError, request_id: str) -> web.Response:
    return web.Response(
        status=error.status,
        text=json.dumps({"Code": error.code, "Message": error.message, "RequestId": request_id}),
        content_type="application/json",
        headers={**error.headers, "X-Tether-Request-Id": request_id},
    )


def json_body(body: bytes) -> Any:
    """A request body parsed as JSON, at most `jsondepth.MAX_DEPTH` levels deep, or a coded 400."""
    try:
        return jsondepth.loads(body)
    except jsondepth.JsonDepthError as exc:
        raise ApiError(
            "InvalidParameter.JsonDepth",
            f"The request body nests arrays and objects more than {exc.max_depth} levels deep; flatten it.",
            400,
        ) from None
    except ValueError:  # also UnicodeDecodeError
        raise ApiError("InvalidParameter", "The request body is not valid UTF-8 JSON.", 400) from None


def bus_error(exc: NodeBusError) -> ApiError:
    """The API error for a cross-node call (scale-out) that could not be made."""
    if isinstance(exc, PayloadTooLarge):
        return ApiError("InvalidParameter.TooLarge", f"{exc}.", 400)
    return ApiError(
        "ServiceUnavailable.NodeBus",
        f"This server could not reach the node that holds the agent's connection ({exc}); try again.",
        503,
    )


def instance_offline(instance_id: str, detail: str = "is not connected: check that it runs and can reach this server"
                     ) -> ApiError:
    return ApiError("InvalidInstance.Offline", f"The agent of {instance_id} {detail}.", 409)


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


def from_store_error(exc: StoreError) -> ApiError:
    """A repository's refusal as the RAM-style error code (`EntityNotExist.User`, `DeleteConflict.User.Group`...)."""
    if isinstance(exc, NotFound):
        if exc.entity == "Instance":
            return instance_not_found(exc.name)
        return ApiError(f"EntityNotExist.{exc.entity}", f"The {_words(exc.entity)} {exc.name} does not exist.", 404)
    if isinstance(exc, AlreadyExists):
        return ApiError(
            f"EntityAlreadyExists.{exc.entity}", f"The {_words(exc.entity)} {exc.name} already exists.", 409
        )
    if isinstance(exc, DeleteConflict):
        return ApiError(
            f"DeleteConflict.{exc.entity}.{exc.blocker}",
            f"The {exc.entity.lower()} {exc.name} still has {_BLOCKERS.get(exc.blocker, exc.blocker)}: "
            f"{_REMEDIES.get((exc.entity, exc.blocker), 'remove them first')}.",
            409,
        )
    if isinstance(exc, LimitExceeded):
        owner, _, what = exc.entity.rpartition(".")
        holder = exc.name if owner else "The account"
        return ApiError(
            f"LimitExceeded.{exc.entity}", f"{holder} already has the maximum of {exc.limit} {_words(what)}s.", 409
        )
    return ApiError("InternalError", "The store refused the change.", 500)


def _words(entity: str) -> str:
    """`User.AccessKey` -> `user access key` (for messages)."""
    words = []
    for part in entity.split("."):
        words.append("".join(f" {c.lower()}" if c.isupper() else c for c in part).strip())
    return " ".join(words)


_BLOCKERS = {
    "AccessKey": "access keys",
    "Group": "group memberships",
    "Policy": "attached policies",
    "User": "members",
    "Attachment": "attachments",
}
_REMEDIES = {
    ("User", "AccessKey"): "delete them with DeleteAccessKey first",
    ("User", "Group"): "remove the user from its groups with RemoveUserFromGroup first",
    ("User", "Policy"): "detach them with DetachPolicyFromUser first",
    ("Group", "User"): "remove them with RemoveUserFromGroup first",
    ("Group", "Policy"): "detach them with DetachPolicyFromGroup first",
    ("Role", "Policy"): "detach them with DetachPolicyFromRole first",
    ("Policy", "Attachment"): "find them with ListEntitiesForPolicy and detach them first",
}

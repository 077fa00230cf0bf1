"""The OpenAPI's actions as tether serves them: their parameters, the answer documents the SDKs parse, and the
error document.

Three services answer on `/`, told apart by their API version as Alibaba's SDKs send it: ECS `2014-05-26` (the
session-manager actions, listed here one by one), RAM `2015-05-01` and STS `2015-04-01` (tether's RAM and STS actions,
whose parameters and answers already follow those services: their specs are read from the actions' Params models).

Answers are tether's own results reshaped, never recomputed: the same handler ran. The shapes follow what the SDKs'
models read (docs/alibaba.md): PascalCase, lists wrapped the way ECS wraps them (`Sessions.Session[]`; a flat list
breaks the new SDK's model), numbers where the models expect numbers. Errors carry only strings (the Go SDK
type-asserts each value) and are JSON for every status.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from pydantic import BaseModel

from tether.server.api import ram, sts
from tether.server.api.actions import Action
from tether.server.api.errors import ApiError
from tether.server.openapi.params import VERSION, ActionSpec, Kind, Param

RAM_VERSION = "2015-05-01"
STS_VERSION = "2015-04-01"

STATUS_KEY_ALIASES = {"sessionManagerStatus": "sessionManagerEnable"}  # the name ali-instance-cli uses
RETRY_AFTER = "x-acs-retry-after"


def _status_key(value: Any) -> Any:
    return STATUS_KEY_ALIASES.get(value, value)


_STATUS_KEY = Param(Kind.STR, target="StatusKey", convert=_status_key)

ECS_SPECS: dict[str, ActionSpec] = {
    "StartTerminalSession": ActionSpec(
        params={
            "InstanceId": Param(Kind.LIST),
            "PortNumber": Param(Kind.INT),
            "TargetServer": Param(Kind.STR),
            "CommandLine": Param(Kind.STR),
            "Username": Param(Kind.STR),
        },
        unsupported={
            "PasswordName": "Windows password names are not kept by tether; sign in with the login user",
            "EncryptionOptions": "tether's data channel is always TLS; there are no further encryption options",
            "ConnectionType": "tether chooses the connection itself",
        },
    ),
    "EndTerminalSession": ActionSpec(params={"SessionId": Param(Kind.STR)}),
    "DescribeTerminalSessions": ActionSpec(
        params={
            "InstanceId": Param(Kind.STR),
            "SessionId": Param(Kind.STR),
            "MaxResults": Param(Kind.INT),
            "NextToken": Param(Kind.STR),
        },
    ),
    "DescribeCloudAssistantStatus": ActionSpec(
        params={"InstanceId": Param(Kind.LIST)},
        unsupported={
            "OSType": "filter the answer by OSType instead",
            "PageNumber": "give the instance ids (at most 100) instead",
            "PageSize": "give the instance ids (at most 100) instead",
            "MaxResults": "give the instance ids (at most 100) instead",
            "NextToken": "give the instance ids (at most 100) instead",
        },
    ),
    "DescribeUserBusinessBehavior": ActionSpec(
        params={"statusKey": _STATUS_KEY, "StatusKey": _STATUS_KEY},
        ignored=frozenset({"statusValue", "StatusValue"}),
    ),
    "ModifyUserBusinessBehavior": ActionSpec(
        params={
            "statusKey": _STATUS_KEY,
            "StatusKey": _STATUS_KEY,
            "statusValue": Param(Kind.STR, target="StatusValue"),
            "StatusValue": Param(Kind.STR),
        },
    ),
    "ModifyCloudAssistantSettings": ActionSpec(
        params={
            "SettingType": Param(Kind.STR),
            "SessionManagerConfig": Param(Kind.JSON),
            "SessionManagerDeliveryConfig": Param(Kind.JSON),
        },
        unsupported={
            "AgentUpgradeConfig": "tether agents are upgraded with their package",
            "OssDeliveryConfig": "use SessionManagerDeliveryConfig (S3-compatible storage)",
            "SlsDeliveryConfig": "use SessionManagerDeliveryConfig (S3-compatible storage)",
        },
    ),
    "DescribeCloudAssistantSettings": ActionSpec(params={"SettingType": Param(Kind.LIST)}),
}


def _kind(annotation: Any) -> Kind:
    """The OpenAPI kind of a Params field: how its value arrives as a string."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        kinds = [_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        return kinds[0] if len(set(kinds)) == 1 else Kind.STR
    if origin is list:
        return Kind.LIST
    if origin is Literal or annotation is str:
        return Kind.STR
    if annotation is bool:
        return Kind.BOOL
    if annotation is int:
        return Kind.INT
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return Kind.JSON
    return Kind.STR


def specs_from_models(actions: Mapping[str, Action]) -> dict[str, ActionSpec]:
    """Specs for actions whose Params already use the service's own parameter names (RAM, STS)."""
    return {
        name: ActionSpec(params={field: Param(_kind(info.annotation)) for field, info in
                                 action.params.model_fields.items()})
        for name, action in actions.items()
    }


SERVICES: dict[str, dict[str, ActionSpec]] = {
    VERSION: ECS_SPECS,
    RAM_VERSION: specs_from_models(ram.ACTIONS),
    STS_VERSION: specs_from_models(sts.ACTIONS),
}


def _token_of(url: str) -> str | None:
    tokens = parse_qs(urlsplit(url).query).get("token")
    return tokens[0] if tokens else None


def _identity_type(arn: str | None) -> str:
    text = arn or ""
    if ":assumed-role/" in text:
        return "AssumedRoleUser"
    if ":user/" in text:
        return "RamUser"
    return "Account" if text.endswith(":root") else "Unknown"


_CONNECTION_STATUS = {"Pending": "Connecting", "Connected": "Connected", "Terminated": "Disconnected",
                      "Expired": "Failed"}


def _session(row: dict[str, Any]) -> dict[str, Any]:
    state = row.get("State") or ""
    connection = {
        "InstanceId": row.get("InstanceId") or "",
        "Status": _CONNECTION_STATUS.get(state, state),
        "StartTime": row.get("StartTime") or row.get("CreationTime") or "",
        "EndTime": row.get("EndTime") or "",
        "ClosedReason": row.get("EndReason") or "",
        "FailedDetail": "the client never connected before its URL expired" if state == "Expired" else "",
    }
    shaped = {
        "SessionId": row["SessionId"],
        "ClientIP": row.get("ClientIp") or "",
        "CreationTime": row.get("CreationTime") or "",
        "IdentityType": _identity_type(row.get("PrincipalId")),
        "PrincipalId": row.get("PrincipalId") or "",
        "Username": row.get("Username") or "",
        "TargetServer": row.get("TargetServer") or "",
        "Connections": {"Connection": [connection]},
    }
    if row.get("PortNumber") is not None:
        shaped["PortNumber"] = row["PortNumber"]
    return shaped


def shape(action: str, result: dict[str, Any]) -> dict[str, Any]:
    """Tether's result for `action` as the ECS SDKs' response models read it."""
    if action == "StartTerminalSession":
        url = result["WebSocketUrl"]
        return {"SessionId": result["SessionId"], "WebSocketUrl": url, "SecurityToken": _token_of(url) or "",
                "Expiration": result.get("Expiration")}
    if action == "DescribeTerminalSessions":
        shaped: dict[str, Any] = {"Sessions": {"Session": [_session(r) for r in result["Sessions"]]}}
        shaped["NextToken"] = result.get("NextToken") or ""
        return shaped
    if action == "DescribeCloudAssistantStatus":
        rows = result["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
        statuses = [
            {
                "InstanceId": r["InstanceId"],
                "CloudAssistantStatus": r["CloudAssistantStatus"],
                "CloudAssistantVersion": r.get("CloudAssistantVersion") or "",
                "LastHeartbeatTime": r.get("LastHeartbeatTime") or "",
                "OSType": r.get("OSType") or "",
                "SupportSessionManager": bool(r.get("SupportSessionManager")),
                "ActiveTaskCount": 0,
                "InvocationCount": 0,
                "LastInvokedTime": "",
            }
            for r in rows
        ]
        return {
            "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": statuses},
            "TotalCount": len(statuses),
            "PageNumber": 1,
            "PageSize": max(len(statuses), 1),
            "NextToken": "",
        }
    return result


def error_document(error: ApiError, request_id: str, host_id: str) -> dict[str, str]:
    return {
        "Code": error.code,
        "Message": error.message,
        "RequestId": request_id,
        "HostId": host_id,
        "Recommend": f"See docs/alibaba.md and docs/api.md for error {error.code}.",
    }


def error_response(error: ApiError, request_id: str, host_id: str) -> web.Response:
    """The OpenAPI error answer: JSON of strings, `x-acs-retry-after` (whole seconds, at least 1) on throttling."""
    headers = {**error.headers, "X-Tether-Request-Id": request_id}
    if error.status == 429:
        retry = headers.get("Retry-After", "1")
        headers[RETRY_AFTER] = str(max(1, int(retry))) if retry.isdigit() else "1"
    return web.Response(
        status=error.status,
        text=json.dumps(error_document(error, request_id, host_id)),
        content_type="application/json",
        headers=headers,
    )

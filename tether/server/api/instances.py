"""Instances: listing, status and deregistration."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize, tag_context
from tether.server.api.errors import ApiError, instance_not_found
from tether.server.api.params import Params
from tether.server.clock import iso
from tether.server.principals import instance_arn
from tether.server.state import ServerState
from tether.store import Instance

InstanceId = Field(min_length=1, max_length=64)


class DescribeInstancesParams(Params):
    InstanceIds: list[str] | None = Field(None, max_length=100)
    InstanceName: str | None = Field(None, max_length=128)
    PageNumber: int = Field(1, ge=1, le=1_000_000)
    PageSize: int = Field(10, ge=1, le=100)
    # keyset paging (what a caller listing everything should use): no count, and a page deep in the list costs
    # what the first one does; the answer carries NextToken while there is more
    MaxResults: int | None = Field(None, ge=1, le=100)
    NextToken: str | None = Field(None, max_length=512)


class DeregisterInstanceParams(Params):
    InstanceId: str = InstanceId


class DescribeCloudAssistantStatusParams(Params):
    InstanceId: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=100)


def tags_view(tags: dict[str, str]) -> dict[str, Any]:
    """Tags the way ECS shows them: `{"Tag": [{"TagKey", "TagValue"}]}`."""
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]}


def _instance_view(state: ServerState, row: Instance, tags: dict[str, str]) -> dict[str, Any]:
    return {
        "InstanceId": row.id,
        "InstanceName": row.name,
        "Hostname": row.hostname,
        "OsType": row.os_type,
        "OsName": row.os_name,
        "AgentVersion": row.agent_version,
        "AgentKind": row.agent_kind,  # "tether" or "cloud_assistant" (Alibaba's agent, tether/server/assist)
        "Status": "Online" if state.router.is_online(row) else "Offline",
        "Connected": row.connected_node is not None,
        "LastHeartbeatTime": iso(row.last_heartbeat),
        "RegistrationTime": iso(row.registered_at),
        "ActivationId": row.activation_id,
        "LoginUser": row.default_user,
        "LoginUserSudo": row.default_user_sudo,
        "Notices": row.notice_list,
        "Tags": tags_view(tags),
    }


def _next_token(row: Instance) -> str:
    raw = f"{row.registered_at.astimezone(UTC).isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(token: str) -> tuple[datetime, str]:
    try:
        at, instance_id = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split("|", 1)
        when = datetime.fromisoformat(at)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            "InvalidParameter", "The parameter NextToken is invalid: pass the NextToken of the previous answer.", 400
        ) from None
    if when.tzinfo is None or not instance_id:
        raise ApiError("InvalidParameter", "The parameter NextToken is invalid.", 400)
    return when, instance_id


async def _describe_keyset(ctx: Context, p: DescribeInstancesParams) -> dict[str, Any]:
    limit = p.MaxResults or p.PageSize
    after = _after(p.NextToken) if p.NextToken else None
    rows = list(
        await ctx.state.instances.page_after(
            instance_ids=p.InstanceIds, name=p.InstanceName, after=after, limit=limit + 1
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    tags = await ctx.state.tags.tags_of_many([r.id for r in rows])
    result: dict[str, Any] = {
        "Instances": [_instance_view(ctx.state, r, tags.get(r.id, {})) for r in rows],
        "MaxResults": limit,
    }
    if more and rows:
        result["NextToken"] = _next_token(rows[-1])
    return result


async def describe_instances(ctx: Context, p: DescribeInstancesParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:DescribeInstances", "*")
    await ctx.state.presence.settle()  # what this node's agents just did (presencewriter.py)
    if p.MaxResults is not None or p.NextToken is not None:
        return await _describe_keyset(ctx, p)
    rows, total = await ctx.state.instances.page(
        instance_ids=p.InstanceIds,
        name=p.InstanceName,
        offset=(p.PageNumber - 1) * p.PageSize,
        limit=p.PageSize,
    )
    tags = await ctx.state.tags.tags_of_many([r.id for r in rows])
    return {
        "Instances": [_instance_view(ctx.state, r, tags.get(r.id, {})) for r in rows],
        "TotalCount": total,
        "PageNumber": p.PageNumber,
        "PageSize": p.PageSize,
    }


async def deregister_instance(ctx: Context, p: DeregisterInstanceParams) -> dict[str, Any]:
    state = ctx.state
    ctx.audit.instance_id = p.InstanceId
    await authorize(
        ctx,
        "ecs:DeregisterInstance",
        instance_arn(state.config.region, state.account_id, p.InstanceId),
        tag_context(await state.tags.tags_of(p.InstanceId)),
    )
    before = await state.instances.get(p.InstanceId)  # where its agent is connected: deregistering forgets it
    instance = await state.instances.deregister(p.InstanceId)
    if instance is None or before is None:
        raise instance_not_found(p.InstanceId)
    await state.activations.count_deregistration(instance.activation_id)
    await state.router.disconnect(before, "InvalidInstance.NotFound", "this instance was deregistered")
    return {}


async def describe_cloud_assistant_status(ctx: Context, p: DescribeCloudAssistantStatusParams) -> dict[str, Any]:
    """Status of up to 100 instances at once; each instance is authorised on its own ARN (with its tags), and one
    refusal refuses the call, naming that instance, so a caller never learns about instances it may not see."""
    state = ctx.state
    ids = list(dict.fromkeys(p.InstanceId))
    tags = await state.tags.tags_of_many(ids)
    for instance_id in ids:
        await authorize(
            ctx,
            "ecs:DescribeCloudAssistantStatus",
            instance_arn(state.config.region, state.account_id, instance_id),
            tag_context(tags.get(instance_id, {})),
        )
    await state.presence.settle()
    rows, _ = await state.instances.page(instance_ids=ids, name=None, offset=0, limit=len(ids))
    return {
        "InstanceCloudAssistantStatusSet": {
            "InstanceCloudAssistantStatus": [
                {
                    "InstanceId": r.id,
                    "CloudAssistantStatus": "true" if state.router.is_online(r) else "false",
                    "CloudAssistantVersion": r.agent_version,
                    "LastHeartbeatTime": iso(r.last_heartbeat),
                    "SupportSessionManager": True,
                    "OSType": r.os_type,
                }
                for r in rows
            ]
        }
    }


ACTIONS = {
    "DescribeInstances": Action(DescribeInstancesParams, describe_instances),
    "DeregisterInstance": Action(DeregisterInstanceParams, deregister_instance),
    "DescribeCloudAssistantStatus": Action(DescribeCloudAssistantStatusParams, describe_cloud_assistant_status),
}

"""Instances: listing, status and deregistration."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import WSCloseCode
from pydantic import Field

from tether.protocol.control import ControlError
from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize, instance_arn
from tether.server.api.errors import instance_not_found
from tether.server.api.params import Params
from tether.server.state import ServerState, iso, utcnow
from tether.store import Instance

InstanceId = Field(min_length=1, max_length=64)


class DescribeInstancesParams(Params):
    InstanceIds: list[str] | None = Field(None, max_length=100)
    InstanceName: str | None = Field(None, max_length=128)
    PageNumber: int = Field(1, ge=1, le=1_000_000)
    PageSize: int = Field(10, ge=1, le=100)


class DeregisterInstanceParams(Params):
    InstanceId: str = InstanceId


class DescribeCloudAssistantStatusParams(Params):
    InstanceId: list[str] = Field(min_length=1, max_length=100)


def is_online(state: ServerState, instance: Instance, now: datetime | None = None) -> bool:
    """Connected, and heard from within three heartbeat intervals."""
    if instance.connected_node is None or instance.last_heartbeat is None:
        return False
    limit = timedelta(seconds=3 * state.config.heartbeat_interval)
    return (now or utcnow()) - instance.last_heartbeat <= limit


def _instance_view(state: ServerState, row: Instance) -> dict[str, Any]:
    return {
        "InstanceId": row.id,
        "InstanceName": row.name,
        "Hostname": row.hostname,
        "OsType": row.os_type,
        "OsName": row.os_name,
        "AgentVersion": row.agent_version,
        "Status": "Online" if is_online(state, row) else "Offline",
        "Connected": row.connected_node is not None,
        "LastHeartbeatTime": iso(row.last_heartbeat),
        "RegistrationTime": iso(row.registered_at),
        "ActivationId": row.activation_id,
    }


async def describe_instances(ctx: Context, p: DescribeInstancesParams) -> dict[str, Any]:
    authorize(ctx.caller(), "ecs:DescribeInstances", "*")
    rows, total = await ctx.state.instances.page(
        instance_ids=p.InstanceIds,
        name=p.InstanceName,
        offset=(p.PageNumber - 1) * p.PageSize,
        limit=p.PageSize,
    )
    return {
        "Instances": [_instance_view(ctx.state, r) for r in rows],
        "TotalCount": total,
        "PageNumber": p.PageNumber,
        "PageSize": p.PageSize,
    }


async def deregister_instance(ctx: Context, p: DeregisterInstanceParams) -> dict[str, Any]:
    state = ctx.state
    authorize(ctx.caller(), "ecs:DeregisterInstance", instance_arn(state.config.region, state.account_id, p.InstanceId))
    instance = await state.instances.deregister(p.InstanceId)
    if instance is None:
        raise instance_not_found(p.InstanceId)
    await state.activations.count_deregistration(instance.activation_id)
    conn = state.agents.get(p.InstanceId)
    if conn is not None:
        state.agents.detach(conn)
        await conn.send(ControlError(code="InvalidInstance.NotFound", message="this instance was deregistered"))
        await conn.close(WSCloseCode.POLICY_VIOLATION, "InvalidInstance.NotFound: deregistered")
    return {}


async def describe_cloud_assistant_status(ctx: Context, p: DescribeCloudAssistantStatusParams) -> dict[str, Any]:
    state = ctx.state
    authorize(ctx.caller(), "ecs:DescribeCloudAssistantStatus", "*")
    rows, _ = await state.instances.page(instance_ids=p.InstanceId, name=None, offset=0, limit=len(p.InstanceId))
    return {
        "InstanceCloudAssistantStatusSet": {
            "InstanceCloudAssistantStatus": [
                {
                    "InstanceId": r.id,
                    "CloudAssistantStatus": "true" if is_online(state, r) else "false",
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

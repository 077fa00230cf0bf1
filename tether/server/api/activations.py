"""Activations and registration: how a machine becomes an instance (CreateActivation ... RegisterInstance)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, field_validator

from tether.auth.agentkey import parse_public_key
from tether.auth.tokens import hash_token, new_id, new_token, token_matches
from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.clock import iso, utcnow
from tether.server.state import ServerState
from tether.store import Activation, AgentIdentity

# how many machines one activation may register: a fleet is enrolled with one activation, and the bound keeps a
# leaked code's reach finite (an activation can also be disabled or deleted)
MAX_ACTIVATION_USES = 100_000


class CreateActivationParams(Params):
    Description: str = Field("", max_length=1024)
    InstanceName: str = Field("", max_length=128)
    InstanceCount: int = Field(10, ge=1, le=MAX_ACTIVATION_USES)
    TimeToLiveInHours: int = Field(4, ge=1, le=876000)


class DescribeActivationsParams(Params):
    ActivationId: str | None = Field(None, max_length=64)
    PageNumber: int = Field(1, ge=1, le=1_000_000)
    PageSize: int = Field(10, ge=1, le=100)


class DeleteActivationParams(Params):
    ActivationId: str = Field(min_length=1, max_length=64)


class RegisterInstanceParams(Params):
    ActivationId: str = Field(min_length=1, max_length=64)
    ActivationCode: str = Field(min_length=1, max_length=256)
    PublicKey: str = Field(min_length=1, max_length=128)
    Hostname: str = Field("", max_length=255)
    OsType: str = Field("", max_length=32)
    OsName: str = Field("", max_length=255)
    AgentVersion: str = Field("", max_length=64)
    DefaultUser: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$")
    DefaultUserSudo: bool | None = None
    Notices: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=16)

    @field_validator("PublicKey")
    @classmethod
    def _ed25519(cls, value: str) -> str:
        parse_public_key(value)  # ValueError names the problem
        return value


def activation_arn(ctx: Context, activation_id: str) -> str:
    return f"acs:ecs:{ctx.state.config.region}:{ctx.state.account_id}:activation/{activation_id}"


def _activation_view(row: Activation) -> dict[str, Any]:
    return {
        "ActivationId": row.id,
        "Description": row.description,
        "InstanceName": row.instance_name,
        "InstanceCount": row.usage_limit,
        "RegisteredCount": row.registered_count,
        "DeregisteredCount": row.deregistered_count,
        "CreationTime": iso(row.created_at),
        "ExpiredTime": iso(row.expires_at),
        "Disabled": row.disabled,
    }


async def create_activation(ctx: Context, p: CreateActivationParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:CreateActivation", "*")
    code = new_token()
    now = utcnow()
    row = await ctx.state.activations.create(
        activation_id=new_id("act"),
        code_hash=hash_token(code),
        description=p.Description,
        instance_name=p.InstanceName,
        usage_limit=p.InstanceCount,
        expires_at=now + timedelta(hours=p.TimeToLiveInHours),
        now=now,
    )
    return {"ActivationId": row.id, "ActivationCode": code}


async def describe_activations(ctx: Context, p: DescribeActivationsParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:DescribeActivations", "*")
    rows, total = await ctx.state.activations.page(
        activation_id=p.ActivationId, offset=(p.PageNumber - 1) * p.PageSize, limit=p.PageSize
    )
    return {
        "Activations": [_activation_view(r) for r in rows],
        "TotalCount": total,
        "PageNumber": p.PageNumber,
        "PageSize": p.PageSize,
    }


async def delete_activation(ctx: Context, p: DeleteActivationParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:DeleteActivation", activation_arn(ctx, p.ActivationId))
    if not await ctx.state.activations.delete(p.ActivationId):
        raise ApiError("InvalidActivation.NotFound", f"Activation {p.ActivationId} does not exist.", 404)
    return {}


async def claim_activation(state: ServerState, activation_id: str, code: str, now: datetime) -> Activation:
    """Count one registration against the activation, or raise the ApiError that says why not. Every kind of agent
    registers through this (RegisterInstance; the Cloud Assistant agent's /luban/api/instance/register)."""
    activation = await state.activations.get(activation_id)
    if activation is None or activation.disabled:
        raise ApiError("InvalidActivation.NotFound", f"Activation {activation_id} does not exist.", 404)
    if not token_matches(code, activation.code_hash):
        raise ApiError("InvalidActivationCode", "The activation code does not match the activation id.", 401)
    if activation.expires_at <= now:
        raise ApiError("InvalidActivation.Expired", f"Activation {activation_id} has expired; create a new one.", 400)
    if not await state.activations.claim(activation.id, now):
        raise ApiError(
            "InvalidActivation.UsageLimitExceeded",
            f"Activation {activation_id} was already used {activation.usage_limit} times; create a new one.",
            400,
        )
    return activation


async def register_instance(ctx: Context, p: RegisterInstanceParams) -> dict[str, Any]:
    """Unsigned: the activation code is the credential, compared by hash in constant time."""
    state = ctx.state
    now = utcnow()
    activation = await claim_activation(state, p.ActivationId, p.ActivationCode, now)
    instance = await state.instances.create(
        instance_id=new_id("mi"),
        name=activation.instance_name or p.Hostname,
        public_key=p.PublicKey,
        hostname=p.Hostname,
        os_type=p.OsType,
        os_name=p.OsName,
        agent_version=p.AgentVersion,
        activation_id=activation.id,
        now=now,
        identity=AgentIdentity(p.DefaultUser, bool(p.DefaultUserSudo), tuple(p.Notices)) if p.DefaultUser else None,
    )
    return {"InstanceId": instance.id}


ACTIONS = {
    "CreateActivation": Action(CreateActivationParams, create_activation),
    "DescribeActivations": Action(DescribeActivationsParams, describe_activations),
    "DeleteActivation": Action(DeleteActivationParams, delete_activation),
    "RegisterInstance": Action(RegisterInstanceParams, register_instance, signed=False),
}

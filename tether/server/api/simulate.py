"""SimulatePrincipalPolicy: how the caller's own policies decide some actions on some resources, without doing them.

The console uses it to say plainly which permission is missing (and to disable Connect with the reason) before the
user tries. It needs no permission of its own: it evaluates only the caller's own policies, through the same
`decide` that every real request goes through, with the same condition keys (source IP, time, TLS, and for
instance ARNs the instance's tags), so its answers are the decisions the real call would meet. Conditions on
request parameters (`ecs:Username`, `ecs:PortNumber`, ...) can be supplied in `ContextEntries`; otherwise the
defaults of the real call apply: for `ecs:StartTerminalSession` an interactive shell as the instance's default login
user (`ecs:SessionKind` `Shell`, `ecs:Username` the user its agent reported, `ecs:Sudo` whether that user can sudo).

The call leaves the usual single audit row; the individual results are not audited (nothing was attempted).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from tether.server.api.actions import Action, Context
from tether.server.api.authz import decide, tag_context
from tether.server.api.logins import KIND_SHELL, can_sudo, default_user_of, sudo_value
from tether.server.api.params import Params
from tether.server.api.targets import canonical_target

MAX_ACTIONS = 20
MAX_RESOURCES = 100
MAX_CONTEXT_ENTRIES = 20
_ACTION_NAME = re.compile(r"^[A-Za-z0-9-]{1,32}:[A-Za-z0-9*?]{1,128}$")
_CONTEXT_KEY = re.compile(r"^[A-Za-z0-9-]{1,32}:[A-Za-z0-9_./@-]{1,128}$")
_INSTANCE_ARN = re.compile(r"^acs:ecs:([^:]*):(\d+):instance/(mi-[0-9a-f]{1,32})$")


class ContextEntry(Params):
    ContextKeyName: str = Field(max_length=161)
    ContextKeyValues: list[str] = Field(min_length=1, max_length=20)

    @field_validator("ContextKeyName")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _CONTEXT_KEY.match(value):
            raise ValueError("must be a condition key like ecs:Username")
        return value

    @field_validator("ContextKeyValues")
    @classmethod
    def _values(cls, values: list[str]) -> list[str]:
        if any(len(v) > 1024 for v in values):
            raise ValueError("each value must be at most 1024 characters")
        return values


class SimulatePrincipalPolicyParams(Params):
    ActionNames: list[str] = Field(min_length=1, max_length=MAX_ACTIONS)
    ResourceArns: list[str] = Field(["*"], min_length=1, max_length=MAX_RESOURCES)
    ContextEntries: list[ContextEntry] = Field([], max_length=MAX_CONTEXT_ENTRIES)

    @field_validator("ActionNames")
    @classmethod
    def _actions(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _ACTION_NAME.match(value):
                raise ValueError(f"{value[:80]!r} is not a policy action like ecs:StartTerminalSession")
        return values

    @field_validator("ResourceArns")
    @classmethod
    def _resources(cls, values: list[str]) -> list[str]:
        for value in values:
            if value != "*" and (not value.startswith("acs:") or len(value) > 512):
                raise ValueError(f"{value[:80]!r} is not a resource ARN (acs:...) or *")
        return values


_DECISIONS = {"Allow": "allowed", "Deny": "explicitDeny", "ImplicitDeny": "implicitDeny"}


async def _resource_context(ctx: Context, arn: str) -> tuple[dict[str, str | list[str]], dict[str, str]]:
    """The instance's tags as `ecs:tag/<key>` when `arn` is one of this account's instances, and the defaults of a
    shell on it (`ecs:Username`, `ecs:Sudo`, `ecs:SessionKind`)."""
    match = _INSTANCE_ARN.match(arn)
    instance = None
    tags: dict[str, str | list[str]] = {}
    if match and match.group(1) == ctx.state.config.region and match.group(2) == ctx.state.account_id:
        tags = tag_context(await ctx.state.tags.tags_of(match.group(3)))
        instance = await ctx.state.instance(match.group(3))
    user = default_user_of(instance)
    shell = {"ecs:SessionKind": KIND_SHELL, "ecs:Username": user, "ecs:Sudo": sudo_value(can_sudo(user, instance))}
    return tags, shell


def _may_retry_without_sudo(extra: dict[str, str | list[str]], given: dict[str, str | list[str]]) -> bool:
    given_keys = {k.lower() for k in given}
    return "ecs:sudo" not in given_keys and extra.get("ecs:Sudo") == "true" and extra.get("ecs:Username") != "root"


def _values(entry: ContextEntry) -> list[str]:
    """The entry's values as the real call would present them: a TargetServer in its canonical spelling (or the
    same InvalidParameter.TargetServer the real call answers), so a simulation cannot be fooled by `127.1`."""
    if entry.ContextKeyName.lower() == "ecs:targetserver":
        return [canonical_target(v) for v in entry.ContextKeyValues]
    return list(entry.ContextKeyValues)


async def simulate_principal_policy(ctx: Context, p: SimulatePrincipalPolicyParams) -> dict[str, Any]:
    given: dict[str, str | list[str]] = {}
    for entry in p.ContextEntries:
        values = _values(entry)
        given[entry.ContextKeyName] = values[0] if len(values) == 1 else values
    results = []
    for resource in dict.fromkeys(p.ResourceArns):
        resource_context, shell_defaults = await _resource_context(ctx, resource)
        for action in dict.fromkeys(p.ActionNames):
            extra: dict[str, str | list[str]] = {}
            if action == "ecs:StartTerminalSession":
                extra.update(shell_defaults)
            extra.update(resource_context)
            extra.update(given)
            decision = await decide(ctx, action, resource, extra)
            if not decision.allowed and action == "ecs:StartTerminalSession" and _may_retry_without_sudo(extra, given):
                # the real call starts such a shell with no_new_privileges when only that is allowed
                retry = await decide(ctx, action, resource, {**extra, "ecs:Sudo": "false"})
                decision = retry if retry.allowed else decision
            results.append(
                {
                    "ActionName": action,
                    "ResourceArn": resource,
                    "Decision": _DECISIONS.get(decision.effect, "implicitDeny"),
                    "MatchedPolicy": decision.policy,
                    "MatchedStatement": decision.statement,
                }
            )
    return {"EvaluationResults": results}


ACTIONS = {"SimulatePrincipalPolicy": Action(SimulatePrincipalPolicyParams, simulate_principal_policy)}

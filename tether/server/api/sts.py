"""STS: AssumeRole (temporary credentials for a role) and GetCallerIdentity.

Assuming a role takes two yeses, as in the cloud: the caller's own policies must allow `sts:AssumeRole` on the
role's ARN, and the role's trust policy must name the caller (or the account root, which trusts the whole
account). The credentials are a key id (`STS.` prefix), a secret and a security token; the secret is sealed like
any access-key secret, the token stored only as a hash, and the optional session policy kept so every request made
with the credentials is bounded by it. The origin of the credentials (the user or root behind a chain of roles) is
recorded and checked again on every use, and chains are bounded (tether/server/api/stschain.py).
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import timedelta
from typing import Any

from pydantic import Field

from tether.auth.policy import Decision, PolicyError, parse_policy
from tether.auth.tokens import hash_token, new_token
from tether.server.api.actions import Action, Context
from tether.server.api.authn import STS_PREFIX
from tether.server.api.authz import authorize, forbidden
from tether.server.api.errors import ApiError
from tether.server.api.params import NoParams, Params
from tether.server.api.stschain import origin_of
from tether.server.api.trust import TrustPolicyError, parse_trust_policy
from tether.server.clock import iso, utcnow
from tether.server.principals import ROLE, ROOT, USER, assumed_role_arn

MAX_DURATION = 3600
MAX_SESSION_POLICY_BYTES = 2048
TRUST_POLICY = "(trust policy)"  # the Decision.policy recorded when the trust policy decided
_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([A-Za-z0-9.-]{1,64})$")
_KEY_ALPHABET = string.ascii_uppercase + string.digits


class AssumeRoleParams(Params):
    RoleArn: str = Field(min_length=1, max_length=256)
    RoleSessionName: str = Field(pattern=r"^[A-Za-z0-9._@-]{2,64}$")
    DurationSeconds: int = 3600
    Policy: str | None = Field(None, min_length=1)


def temporary_key_id() -> str:
    return STS_PREFIX + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(24))


def _session_policy(text: str | None) -> None:
    if text is None:
        return
    size = len(text.encode("utf-8"))
    if size > MAX_SESSION_POLICY_BYTES:
        raise ApiError(
            "InvalidParameter.Policy",
            f"The session policy is {size} bytes; the limit is {MAX_SESSION_POLICY_BYTES}.",
            400,
        )
    try:
        parse_policy(text)
    except PolicyError as exc:
        raise ApiError("InvalidParameter.Policy", f"The session policy is not valid: {exc}", 400) from None


async def assume_role(ctx: Context, p: AssumeRoleParams) -> dict[str, Any]:
    state, caller = ctx.state, ctx.caller()
    match = _ROLE_ARN.match(p.RoleArn)
    if match is None:
        raise ApiError("InvalidParameter.RoleArn", "RoleArn must look like acs:ram::<account>:role/<role name>.", 400)
    low = state.config.sts_min_duration
    if not low <= p.DurationSeconds <= MAX_DURATION:
        raise ApiError(
            "InvalidParameter.DurationSeconds", f"DurationSeconds must be {low} to {MAX_DURATION} seconds.", 400
        )
    _session_policy(p.Policy)
    await authorize(ctx, "sts:AssumeRole", p.RoleArn)
    origin = await origin_of(state, caller)  # who is behind the caller, and how deep the chain would become
    role = await state.iam.get_role(match.group(2)) if match.group(1) == state.account_id else None
    if role is None:
        raise ApiError("EntityNotExist.Role", f"The role {p.RoleArn} does not exist.", 404)
    try:
        trust = parse_trust_policy(role.trust_policy, state.account_id)
    except TrustPolicyError:
        trusted, index = False, None  # stored before a rule tightened: trust nobody rather than guess
    else:
        trusted, index = trust.decide(caller, state.account_id)
    if not trusted:
        if index is not None:
            decision = Decision(False, "Deny", TRUST_POLICY, index)
        else:
            decision = Decision(False, "ImplicitDeny", TRUST_POLICY)
        ctx.audit.note_decision(p.RoleArn, decision)
        raise forbidden("sts:AssumeRole", p.RoleArn)
    if p.DurationSeconds > role.max_session_duration:
        raise ApiError(
            "InvalidParameter.DurationSeconds",
            f"DurationSeconds {p.DurationSeconds} exceeds the role's MaxSessionDuration "
            f"({role.max_session_duration} seconds).",
            400,
        )
    key_id, secret, token = temporary_key_id(), new_token(), new_token()
    now = utcnow()
    expires = now + timedelta(seconds=p.DurationSeconds)
    if origin.parent is not None:
        expires = min(expires, origin.parent.expires_at)  # chained credentials never outlive the ones that assumed
    await state.sts.create(
        key_id=key_id,
        secret_encrypted=state.secretbox.encrypt(secret),
        token_hash=hash_token(token),
        role_name=role.name,
        role_id=role.id,
        session_name=p.RoleSessionName,
        session_policy=p.Policy,
        source_principal=caller.arn,
        now=now,
        expires_at=expires,
        origin_principal=origin.principal,
        origin_id=origin.principal_id,
        chain_depth=origin.depth,
        parent_role_name=origin.parent.role_name if origin.parent else None,
        parent_role_id=origin.parent.role_id if origin.parent else None,
    )
    return {
        "Credentials": {
            "AccessKeyId": key_id,
            "AccessKeySecret": secret,
            "SecurityToken": token,
            "Expiration": iso(expires),
        },
        "AssumedRoleUser": {
            "Arn": assumed_role_arn(state.account_id, role.name, p.RoleSessionName),
            "AssumedRoleId": f"{role.id}:{p.RoleSessionName}",
        },
    }


async def get_caller_identity(ctx: Context, _p: NoParams) -> dict[str, Any]:
    """Who the credentials belong to. Like the cloud's, it needs no permission: anyone may ask who they are."""
    caller, state = ctx.caller(), ctx.state
    # a console caller (cookie session) has no access key: null, not ""
    key_id = caller.access_key_id or None
    identity: dict[str, Any] = {"AccountId": state.account_id, "Arn": caller.arn, "AccessKeyId": key_id}
    if caller.kind == ROOT:
        identity["IdentityType"] = "Account"
    elif caller.kind == USER and caller.name is not None:
        user = await state.iam.get_user(caller.name)
        identity["IdentityType"] = "RAMUser"
        identity["UserId"] = user.id if user else None
    elif caller.kind == ROLE and caller.name is not None:
        role = await state.iam.get_role(caller.name)
        identity["IdentityType"] = "AssumedRoleUser"
        identity["RoleId"] = f"{role.id}:{caller.session_name}" if role else None
    else:
        identity["IdentityType"] = "Unknown"
    return identity


ACTIONS = {
    "AssumeRole": Action(AssumeRoleParams, assume_role),
    "GetCallerIdentity": Action(NoParams, get_caller_identity),
}

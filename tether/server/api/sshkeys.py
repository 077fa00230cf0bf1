"""SendSSHPublicKey: make a public key valid for SSH logins as one user on one instance, for a short time.

The server only authorises and relays: the agent validates the key and the user and writes the key with an
`expiry-time` that sshd itself enforces (docs/ssh.md), then answers. The call waits for that answer so that a
caller who gets a success can log in at once, and one who gets an error learns why (unknown user, sshd not set up).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tether.auth.tokens import new_id
from tether.protocol.control import PushKey
from tether.server.api.actions import Action, Context
from tether.server.api.agentkinds import require_push_key_support
from tether.server.api.authz import authorize, tag_context
from tether.server.api.errors import ApiError, bus_error, instance_not_found, instance_offline
from tether.server.api.logins import can_sudo, sudo_value
from tether.server.api.params import Params
from tether.server.api.sessions import USERNAME_PATTERN
from tether.server.api.settings import require_session_manager
from tether.server.bus import NodeBusError
from tether.server.principals import instance_arn

MAX_PUBLIC_KEY = 8192  # an OpenSSH public key line; RSA-16384 is well under this

# agent answer codes and the HTTP status the API gives them
_AGENT_CODES = {
    "InvalidUser.NotFound": 404,
    "InvalidUser.NotAllowed": 403,
    "InvalidPublicKey": 400,
    "SshdNotConfigured": 409,
    "Throttling.PushKey": 429,
    "Throttling": 429,
    "KeyLimitExceeded": 409,
    "InvalidUser.Malformed": 400,
    "InvalidParameter": 400,
    "InternalError": 500,
}


class SendSSHPublicKeyParams(Params):
    InstanceId: str = Field(min_length=1, max_length=64)
    UserName: str = Field(pattern=USERNAME_PATTERN)
    SSHPublicKey: str = Field(min_length=1, max_length=MAX_PUBLIC_KEY)


async def send_ssh_public_key(ctx: Context, p: SendSSHPublicKeyParams) -> dict[str, Any]:
    state = ctx.state
    ctx.audit.instance_id = p.InstanceId
    instance = await state.instance(p.InstanceId)
    tags = await state.tags.tags_of(p.InstanceId) if instance is not None else {}
    await authorize(
        ctx,
        "ecs:SendSSHPublicKey",
        instance_arn(state.config.region, state.account_id, p.InstanceId),
        # an SSH login cannot be started without privilege gain: `ecs:Sudo` is the truth and there is no fallback
        {**tag_context(tags), "ecs:Username": p.UserName, "ecs:Sudo": sudo_value(can_sudo(p.UserName, instance))},
    )
    await require_session_manager(state)
    if instance is None or instance.deregistered:
        raise instance_not_found(p.InstanceId)
    require_push_key_support(instance)
    route = state.router.route(instance)  # the agent may hold its control channel on another node (scale-out)
    if route is None:
        raise instance_offline(p.InstanceId)
    message = PushKey(new_id("pk"), p.UserName, p.SSHPublicKey.strip(), state.config.ssh_key_lifetime)
    try:
        result = await state.router.push_key(route, message, state.config.push_key_timeout)
    except NodeBusError as exc:
        raise bus_error(exc) from exc
    if result is None:
        raise instance_offline(
            p.InstanceId, f"did not confirm the key in {state.config.push_key_timeout:g} s; try again"
        )
    if not result.ok:
        raise ApiError(result.code or "PushKeyFailed", result.message or "the agent refused the key",
                       _AGENT_CODES.get(result.code, 400))
    return {"Expiration": result.expires_at, "InstanceId": p.InstanceId, "UserName": p.UserName}


ACTIONS = {"SendSSHPublicKey": Action(SendSSHPublicKeyParams, send_ssh_public_key)}

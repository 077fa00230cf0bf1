"""Deciding StartTerminalSession: which login user really runs, whether it may sudo, and the policy context.

A shell permission is only as small as the login user it gets, so the decision is taken on facts, not defaults:
- `ecs:Username` is the requested Username, else the default user the agent reported (never a constant), so a Deny
  on `root` also stops an agent whose default user is root;
- `ecs:Sudo` is whether that user can gain root through sudo: the agent reports it for its default user; any other
  user counts as able to (the server cannot know), and root always can. The request is first decided with the
  truth; when that is denied and the user is not root, it is decided again with `ecs:Sudo=false`, and if *that* is
  allowed the shell starts with `no_new_privileges` (the agent sets PR_SET_NO_NEW_PRIVS, so sudo cannot work).
- `ecs:SessionKind` (`Shell`, `Command` for a CommandLine, `PortForward`) keeps a shell permission from being a
  forward permission; forwards carry `ecs:PortNumber`/`ecs:TargetServer`, commands `ecs:CommandLine`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tether.auth.policy import Decision
from tether.server.api.actions import Context
from tether.server.api.authz import decide, forbidden
from tether.server.api.errors import ApiError
from tether.store import Instance

# an agent that does not report its default user predates the report, and so has the old default
LEGACY_DEFAULT_USER = "tether-user"
ROOT = "root"

KIND_SHELL = "Shell"
KIND_COMMAND = "Command"
KIND_PORT_FORWARD = "PortForward"


@dataclass(frozen=True, slots=True)
class LoginGrant:
    """The outcome for a shell: who runs it, and whether it must start without privilege gain."""

    login_user: str
    no_new_privileges: bool


def default_user_of(instance: Instance | None) -> str:
    return (instance.default_user if instance is not None else None) or LEGACY_DEFAULT_USER


def effective_login_user(requested: str | None, instance: Instance | None) -> str:
    """The account the shell will run as: the requested one, else the agent's reported default user."""
    return requested or default_user_of(instance)


def can_sudo(user: str, instance: Instance | None) -> bool:
    """Whether `user` can gain root on `instance` as far as the server knows (unknown counts as yes)."""
    if user == ROOT:
        return True
    if instance is None or instance.default_user is None or user != instance.default_user:
        return True
    return instance.default_user_sudo is not False


def sudo_value(flag: bool) -> str:
    return "true" if flag else "false"


async def authorize_shell(
    ctx: Context,
    action: str,
    resource: str,
    context: dict[str, str | list[str]],
    *,
    login_user: str,
    instance: Instance | None,
) -> LoginGrant:
    """Decide a shell (or command) session as the module docstring says; raise `Forbidden.RAM` when denied."""
    sudo = can_sudo(login_user, instance)
    first = await decide(ctx, action, resource, {**context, "ecs:Sudo": sudo_value(sudo)})
    if first.allowed:
        ctx.audit.note_decision(resource, first)
        return LoginGrant(login_user, False)
    if sudo and login_user != ROOT:
        second: Decision = await decide(ctx, action, resource, {**context, "ecs:Sudo": "false"})
        if second.allowed:
            ctx.audit.note_decision(resource, second)
            return LoginGrant(login_user, True)
    ctx.audit.note_decision(resource, first)
    raise forbidden(action, resource)


def require_no_new_privileges_support(instance: Instance) -> None:
    """An agent that never reported its default user predates `no_new_privileges` and would ignore it: refuse."""
    if instance.default_user is None:
        raise ApiError(
            "UnsupportedOperation.NoNewPrivileges",
            f"You may open a shell on {instance.id} only without sudo, and its agent is too old to enforce that; "
            "upgrade the agent on that machine.",
            409,
        )

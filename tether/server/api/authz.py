"""Authorisation: the single decision point every action goes through.

Each action names one policy action (`ecs:StartTerminalSession`) and one resource ARN per object it touches. The
account root may do everything (as in the cloud); anyone else is decided by the policy engine against the policies
attached to the user and its groups, or to the role of a temporary session (narrowed by its session policy).

Policies are read from the database once per request and parsed once per version: the parsed documents are cached
in memory keyed by policy name and update time, so the parse cost is paid when a policy changes, not per request.
A denial says which action on which resource was refused and nothing about the policies; the decision (effect,
policy, statement) goes to the audit trail instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tether.auth.policy import (
    AuthzRequest,
    Decision,
    PolicyDocument,
    PolicyError,
    evaluate,
    evaluate_with_boundary,
)
from tether.server.api.errors import ApiError
from tether.server.principals import ROLE, USER

if TYPE_CHECKING:
    from tether.server.api.actions import Context

log = logging.getLogger(__name__)

ROOT_POLICY = "(root)"  # the Decision.policy recorded for the account root (policy names cannot hold parentheses)
ROOT_DECISION = Decision(True, "Allow", ROOT_POLICY)
BROKEN_POLICY_DECISION = Decision(False, "Deny", "(unreadable policy)")


def forbidden(action: str, resource: str) -> ApiError:
    return ApiError("Forbidden.RAM", f"You are not authorized to do action {action} on resource {resource}.", 403)


async def _load_policies(ctx: Context) -> tuple[Sequence[tuple[str, PolicyDocument]], PolicyDocument | None] | None:
    """The caller's policies (and session policy), parsed; None if one of them cannot be read (fail closed)."""
    principal, state = ctx.caller(), ctx.state
    if principal.kind == USER:
        rows = await state.iam.effective_policies(user_name=principal.name)
    elif principal.kind == ROLE:
        rows = await state.iam.effective_policies(role_name=principal.name)
    else:
        return [], None
    try:
        policies = [
            (r.name, state.policy_cache.get(r.name, f"{r.version}@{r.updated_at.isoformat()}", r.document))
            for r in rows
        ]
        session = state.policy_cache.session_policy(principal.session_policy) if principal.session_policy else None
    except PolicyError as exc:
        log.error("a stored policy of %s no longer parses (%s); denying its requests", principal.arn, exc)
        return None
    return policies, session


async def decide(
    ctx: Context, action: str, resource: str, extra_context: Mapping[str, str | list[str]] | None = None
) -> Decision:
    """The decision for one action on one resource, without raising; the policies are loaded once per request."""
    principal = ctx.caller()
    if principal.is_root:
        return ROOT_DECISION
    if not ctx.policies_loaded:
        ctx.loaded_policies = await _load_policies(ctx)
        ctx.policies_loaded = True
    if ctx.loaded_policies is None:
        return BROKEN_POLICY_DECISION
    policies, session = ctx.loaded_policies
    request = AuthzRequest(action, resource, {**ctx.base_context(), **(extra_context or {})})
    if principal.kind == ROLE:
        return evaluate_with_boundary(policies, session, request)
    return evaluate(policies, request)


async def authorize(
    ctx: Context, action: str, resource: str, extra_context: Mapping[str, str | list[str]] | None = None
) -> None:
    """Raise `Forbidden.RAM` unless the caller may perform `action` on `resource` (an ARN or `*`).

    The decision is recorded on the request for the audit trail: the first one of the request, or the denial.
    """
    decision = await decide(ctx, action, resource, extra_context)
    ctx.audit.note_decision(resource, decision)
    if not decision.allowed:
        raise forbidden(action, resource)


def tag_context(tags: Mapping[str, str]) -> dict[str, str | list[str]]:
    """An instance's tags as the condition keys `ecs:tag/<key>`."""
    return {f"ecs:tag/{key}": value for key, value in tags.items()}

"""The decision: may this request go ahead under these policies?

Rules (cloud RAM style; docs/policies.md has the user-facing version):
1. A statement applies when its Action matches the request's action (case-insensitively), its Resource matches the
   request's resource (case-sensitively) and every condition holds.
2. If any applicable statement in any policy is a Deny, the answer is Deny, whatever allows.
3. Otherwise, if any applicable statement is an Allow, the answer is Allow.
4. Otherwise ImplicitDeny: nothing granted access. Default deny.
A session policy (AssumeRole's `Policy`) is a boundary, not a grant: access needs an Allow from the attached policies
AND from the session policy, and a Deny in either wins.

Why two passes (all Denies, then Allows) rather than one: the Deny pass must look at every policy anyway, but the
Allow pass can stop at the first match, and a request nobody denies never evaluates an Allow statement's conditions
past the first that applies. The outcome never depends on the order of `policies`; only which statement is reported
as deciding does (the first in the order given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tether.auth.policy.conditions import Context, normalise_context
from tether.auth.policy.document import PolicyDocument, Statement

SESSION_POLICY = "(session policy)"
"""The `Decision.policy` name reported when the session policy decided (policy names cannot contain parentheses)."""


@dataclass(slots=True)
class AuthzRequest:
    """What is being attempted: `action` ("ecs:StartTerminalSession"), `resource` (an ARN) and the facts conditions
    may test (`acs:SourceIp`, `acs:CurrentTime`, `ecs:tag/<key>`, ...; keys are case-insensitive)."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, with the policy name and statement index (0-based) that decided, for the audit trail.

    For ImplicitDeny `policy` and `statement` are None, except under a session policy that withheld what the attached
    policies allowed: then `policy` is `SESSION_POLICY` so the audit trail can say why.
    """

    allowed: bool
    effect: Literal["Allow", "Deny", "ImplicitDeny"]
    policy: str | None = None
    statement: int | None = None


IMPLICIT_DENY = Decision(False, "ImplicitDeny")
_SESSION_IMPLICIT_DENY = Decision(False, "ImplicitDeny", SESSION_POLICY)


class _Facts:
    """The request as the statements want it: action lower-cased once, context normalised on first need."""

    __slots__ = ("action", "context", "raw", "resource")

    def __init__(self, request: AuthzRequest) -> None:
        self.action = request.action.lower()
        self.resource = request.resource
        self.raw = request.context
        self.context: Context | None = None


def _holds(statement: Statement, facts: _Facts) -> bool:
    """The statement's Action is known to match; check its Resource and conditions."""
    if not statement.resources.matches(facts.resource):
        return False
    if statement.conditions:
        context = facts.context
        if context is None:
            context = facts.context = normalise_context(facts.raw)
        for condition in statement.conditions:
            if not condition.matches(context):
                return False
    return True


def _decide(policies: Sequence[tuple[str, PolicyDocument]], facts: _Facts) -> Decision:
    action, resource = facts.action, facts.resource
    views = [(name, document.view(action)) for name, document in policies]
    for name, view in views:
        if not view.denies:
            continue
        if view.deny_hints is not None:
            for hint in view.deny_hints:
                if hint in resource:
                    break
            else:
                continue
        for statement in view.denies:
            if _holds(statement, facts):
                return Decision(False, "Deny", name, statement.index)
    for name, view in views:
        if not view.allows:
            continue
        if view.allow_hints is not None:
            for hint in view.allow_hints:
                if hint in resource:
                    break
            else:
                continue
        for statement in view.allows:
            if _holds(statement, facts):
                return Decision(True, "Allow", name, statement.index)
    return IMPLICIT_DENY


def evaluate(policies: Sequence[tuple[str, PolicyDocument]], request: AuthzRequest) -> Decision:
    """Decide `request` against the (name, document) pairs attached to the caller: default deny, Deny wins."""
    return _decide(policies, _Facts(request))


def evaluate_with_boundary(
    policies: Sequence[tuple[str, PolicyDocument]], session_policy: PolicyDocument | None, request: AuthzRequest
) -> Decision:
    """Decide under temporary credentials whose session policy narrows the role's policies.

    Allowed only if the attached policies and the session policy both allow; an explicit Deny in either wins (the
    attached policies' Deny is reported first). Without a session policy this is `evaluate`.
    """
    facts = _Facts(request)
    granted = _decide(policies, facts)
    if session_policy is None or granted.effect == "Deny":
        return granted
    bounded = _decide(((SESSION_POLICY, session_policy),), facts)
    if bounded.effect == "Deny" or not granted.allowed:
        return bounded if bounded.effect == "Deny" else granted
    return granted if bounded.allowed else _SESSION_IMPLICIT_DENY

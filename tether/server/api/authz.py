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

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tether.auth.policy import (
    AuthzRequest,
    Decision,
    PolicyDocument,
    PolicyError,
    evaluate,
    evaluate_with_boundary,
    parse_policy,
)
from tether.server.api.errors import ApiError

if TYPE_CHECKING:
    from tether.server.api.actions import Context

log = logging.getLogger(__name__)

ROOT, USER, ROLE, UNKNOWN = "root", "user", "role", "unknown"
ROOT_POLICY = "(root)"  # the Decision.policy recorded for the account root (policy names cannot hold parentheses)
ROOT_DECISION = Decision(True, "Allow", ROOT_POLICY)
BROKEN_POLICY_DECISION = Decision(False, "Deny", "(unreadable policy)")

_USER_ARN = re.compile(r"^acs:ram::(\d+):user/(.+)$")


@dataclass(frozen=True)
class Principal:
    """Who signed the request: the access key and the identity it belongs to.

    `kind` is "root", "user", "role" (temporary credentials of an assumed role) or "unknown" (a key whose owner
    does not exist in this account: it is authenticated but every action is denied).
    """

    access_key_id: str
    arn: str  # acs:ram::{account}:root | :user/{name} | :assumed-role/{role}/{session}
    kind: str = UNKNOWN
    name: str | None = None  # the user name, or the role name of a role session
    session_name: str | None = None
    session_policy: str | None = None  # AssumeRole's Policy (JSON text), role sessions only

    @property
    def is_root(self) -> bool:
        return self.kind == ROOT

    @property
    def role_session(self) -> str | None:
        """`role/session` for a role session (the audit trail's "role session" column), else None."""
        return f"{self.name}/{self.session_name}" if self.kind == ROLE else None


def instance_arn(region: str, account_id: str, instance_id: str) -> str:
    return f"acs:ecs:{region}:{account_id}:instance/{instance_id}"


def root_arn(account_id: str) -> str:
    return f"acs:ram::{account_id}:root"


def ram_arn(account_id: str, kind: str, name: str) -> str:
    """`acs:ram::{account}:{kind}/{name}` for kind user, group, role or policy."""
    return f"acs:ram::{account_id}:{kind}/{name}"


def assumed_role_arn(account_id: str, role: str, session: str) -> str:
    return f"acs:ram::{account_id}:assumed-role/{role}/{session}"


def key_principal(account_id: str, key_id: str, arn: str) -> Principal:
    """The principal a permanent access key belongs to, from the ARN stored with it."""
    if arn == root_arn(account_id):
        return Principal(key_id, arn, ROOT)
    match = _USER_ARN.match(arn)
    if match and match.group(1) == account_id:
        return Principal(key_id, arn, USER, name=match.group(2))
    return Principal(key_id, arn, UNKNOWN)


def forbidden(action: str, resource: str) -> ApiError:
    return ApiError("Forbidden.RAM", f"You are not authorized to do action {action} on resource {resource}.", 403)


class PolicyCache:
    """Parsed policy documents by (name, version stamp), least recently used evicted beyond `size` entries."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._docs: OrderedDict[tuple[str, str], PolicyDocument] = OrderedDict()

    def get(self, name: str, stamp: str, text: str) -> PolicyDocument:
        """The parsed `text` of policy `name` at version `stamp`; raises PolicyError if it does not parse."""
        key = (name, stamp)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        doc = parse_policy(text)
        self._docs[key] = doc
        if len(self._docs) > self._size:
            self._docs.popitem(last=False)
        return doc

    def session_policy(self, text: str) -> PolicyDocument:
        return self.get("(session)", hashlib.sha256(text.encode("utf-8")).hexdigest(), text)

    def __len__(self) -> int:
        return len(self._docs)


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

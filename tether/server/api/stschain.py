"""Where temporary credentials come from, checked again on every use, and how long a chain of roles may be.

Credentials issued by AssumeRole used to be checked only when they were issued: once the user who assumed the
role was deleted, the role deleted and re-created, or its trust policy changed, the credentials (and credentials
chained from them) still worked until they expired. So every STS credential row names its origin (the permanent
identity, a RAM user or the account root, at the root of the chain, with the user's id) and, for chained
credentials, the role whose session assumed it; each request made with the credentials checks that

- the role still exists and is the same role (`InvalidSecurityToken.RoleGone`);
- the origin user still exists and is the same user, and for chained credentials the intermediate role too
  (`InvalidSecurityToken.SourceGone`);
- every role of the chain still trusts whoever assumed it (`InvalidSecurityToken.TrustRevoked`).

A chain is bounded: credentials from a permanent key have depth 1, AssumeRole with those gives depth 2, and
AssumeRole with depth-2 credentials is refused (`Forbidden.RoleChainTooDeep`). Chained credentials never outlive
the credentials that assumed them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tether.server.api.errors import ApiError
from tether.server.api.trust import TrustPolicyError, parse_trust_policy
from tether.server.principals import ROLE, ROOT, USER, Principal, assumed_role_arn, root_arn
from tether.server.state import ServerState
from tether.store.models import RamRole, StsCredential

MAX_CHAIN_DEPTH = 2  # AssumeRole by a permanent key -> 1; by those credentials -> 2; no further


def _trusts(role: RamRole, principal_arn: str, account_id: str) -> bool:
    try:
        trust = parse_trust_policy(role.trust_policy, account_id)
    except TrustPolicyError:
        return False  # a trust policy that no longer parses trusts nobody (as AssumeRole decides)
    trusted, _ = trust.decide(Principal("", principal_arn), account_id)
    return trusted


def _revoked(code: str, key_id: str, why: str) -> ApiError:
    return ApiError(
        f"InvalidSecurityToken.{code}",
        f"The temporary credentials {key_id} are no longer valid: {why}. Call AssumeRole again.",
        401,
    )


async def check_origin(state: ServerState, cred: StsCredential) -> None:
    """Raise a coded 401 unless the role, the chain and the origin behind `cred` still stand and still trust."""
    account = state.account_id
    role = await state.iam.get_role(cred.role_name)
    if role is None or role.id != cred.role_id:
        raise _revoked("RoleGone", cred.id, f"the role {cred.role_name} was deleted")
    origin = cred.origin_principal
    if origin != root_arn(account):
        user_name = origin.rpartition(":user/")[2] if ":user/" in origin else None
        user = await state.iam.get_user(user_name) if user_name else None
        if user is None or user.id != cred.origin_id:
            raise _revoked("SourceGone", cred.id, f"{origin or 'the identity that assumed the role'} was deleted")
    if cred.chain_depth <= 1:
        if not _trusts(role, origin, account):
            raise _revoked("TrustRevoked", cred.id, f"the role {role.name} no longer trusts {origin}")
        return
    parent_name, parent_id = cred.parent_role_name, cred.parent_role_id
    parent = await state.iam.get_role(parent_name) if parent_name else None
    if parent is None or parent.id != parent_id:
        raise _revoked("SourceGone", cred.id, f"the role {parent_name} whose session assumed {role.name} was deleted")
    if not _trusts(parent, origin, account):
        raise _revoked("TrustRevoked", cred.id, f"the role {parent.name} no longer trusts {origin}")
    if not _trusts(role, cred.source_principal, account):
        raise _revoked("TrustRevoked", cred.id, f"the role {role.name} no longer trusts {cred.source_principal}")


@dataclass(frozen=True)
class Origin:
    """What AssumeRole records about its caller: the chain's origin (ARN and user id), the new credentials' depth,
    and for chained credentials the credentials that assume (their role becomes the parent; their expiry caps)."""

    principal: str
    principal_id: str
    depth: int
    parent: StsCredential | None = None


async def origin_of(state: ServerState, caller: Principal) -> Origin:
    """The origin of credentials `caller` is about to be issued; raises Forbidden.RoleChainTooDeep or a 401."""
    if caller.kind == ROOT:
        return Origin(caller.arn, "", 1)
    if caller.kind == USER and caller.name is not None:
        user = await state.iam.get_user(caller.name)
        if user is None:
            raise ApiError("InvalidAccessKeyId.NotFound", f"The user {caller.name} does not exist.", 401)
        return Origin(caller.arn, user.id, 1)
    if caller.kind == ROLE:
        parent = await state.sts.get(caller.access_key_id)
        if parent is None:
            raise ApiError("InvalidAccessKeyId.NotFound", f"Access key {caller.access_key_id} does not exist.", 401)
        depth = parent.chain_depth + 1
        if depth > MAX_CHAIN_DEPTH:
            raise ApiError(
                "Forbidden.RoleChainTooDeep",
                f"Role chaining is limited to {MAX_CHAIN_DEPTH} AssumeRole calls: credentials obtained with "
                f"temporary credentials ({assumed_role_arn(state.account_id, parent.role_name, parent.session_name)})"
                " cannot assume another role. Call AssumeRole with a RAM user's key instead.",
                403,
            )
        return Origin(parent.origin_principal, parent.origin_id, depth, parent)
    raise ApiError("Forbidden.RAM", f"{caller.arn} may not assume roles.", 403)

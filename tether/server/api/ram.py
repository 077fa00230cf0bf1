"""RAM: users, login profiles, access keys, groups, roles and custom policies, with the cloud RAM API's names.

Parameters and responses follow RAM (`{"User": {...}}`, `{"Users": {"User": [...]}, "IsTruncated", "Marker"}`,
`EntityNotExist.User`, `DeleteConflict.User.AccessKey`, ...), so people who script RAM can script tether. Every
action is the policy action `ram:<Action>` on the ARN of the user, group, role or policy it touches (`*` for the
account-wide listings). Deleting something still in use is refused with a DeleteConflict code naming what to remove
first, as RAM does, rather than cascading silently. Secrets (access-key secrets, passwords) are returned once at
creation or never, and are stored sealed (secrets) or argon2id-hashed (passwords).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from tether.auth.policy import PolicyError, parse_policy
from tether.auth.tokens import new_id, new_token
from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.api.trust import TrustPolicyError, parse_trust_policy
from tether.server.bootstrap import CONSOLE_ROOT_NAME
from tether.server.clock import iso, utcnow
from tether.server.passwords import hash_password, password_problem
from tether.server.principals import USER, ram_arn
from tether.store import ConsoleSessionRepo, RamGroup, RamPolicy, RamRole, RamUser
from tether.store.iam import GROUP, ROLE
from tether.store.iam import USER as USER_TYPE

MAX_POLICY_DOCUMENT_BYTES = 6144  # RAM's limit for a policy document

USER_NAME_PATTERN = r"^[A-Za-z0-9.@_-]{1,64}$"
UserName = Field(pattern=USER_NAME_PATTERN)
OptionalUserName = Field(None, pattern=USER_NAME_PATTERN)
GroupName = Field(pattern=r"^[A-Za-z0-9.-]{1,64}$")
RoleName = Field(pattern=r"^[A-Za-z0-9.-]{1,64}$")
PolicyName = Field(pattern=r"^[A-Za-z0-9-]{1,128}$")
Marker = Field(None, max_length=512)
MaxItems = Field(100, ge=1, le=1000)
PolicyTypeName = Literal["Custom", "System"]


# --- helpers -------------------------------------------------------------------------------------------------


def _arn(ctx: Context, kind: str, name: str) -> str:
    return ram_arn(ctx.state.account_id, kind, name)


def _new_numeric_id() -> str:
    """A 16-digit id like RAM's UserId / GroupId / RoleId."""
    return str(secrets.randbelow(9 * 10**15) + 10**15)


def _after(marker: str | None) -> str | None:
    if marker is None:
        return None
    try:
        return base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("InvalidParameter.Marker", "The parameter Marker is invalid.", 400) from None


def _paged(key: str, inner: str, items: list[dict[str, Any]], next_after: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {key: {inner: items}, "IsTruncated": next_after is not None}
    if next_after is not None:
        result["Marker"] = base64.urlsafe_b64encode(next_after.encode("utf-8")).decode().rstrip("=")
    return result


def _custom_only(policy_type: str, name: str) -> None:
    if policy_type != "Custom":
        raise ApiError(
            "EntityNotExist.Policy", f"There is no System policy {name}: this server has Custom policies only.", 404
        )


def _policy_document(text: str) -> None:
    """Refuse a document that is too large or that the policy engine rejects (nothing is stored then)."""
    size = len(text.encode("utf-8"))
    if size > MAX_POLICY_DOCUMENT_BYTES:
        raise ApiError(
            "InvalidParameter.PolicyDocument",
            f"The policy document is {size} bytes; the limit is {MAX_POLICY_DOCUMENT_BYTES}.",
            400,
        )
    try:
        parse_policy(text)
    except PolicyError as exc:
        raise ApiError("InvalidParameter.PolicyDocument", f"The policy document is not valid: {exc}", 400) from None


def _trust_document(ctx: Context, text: str) -> None:
    try:
        parse_trust_policy(text, ctx.state.account_id)
    except TrustPolicyError as exc:
        raise ApiError(
            "InvalidParameter.AssumeRolePolicyDocument", f"The trust policy is not valid: {exc}", 400
        ) from None


def _user_view(row: RamUser) -> dict[str, Any]:
    return {
        "UserId": row.id,
        "UserName": row.name,
        "DisplayName": row.display_name,
        "Comments": row.comments,
        "CreateDate": iso(row.created_at),
        "UpdateDate": iso(row.updated_at),
        "LastLoginDate": iso(row.last_login_at),
    }


def _login_profile_view(row: RamUser) -> dict[str, Any]:
    return {
        "UserName": row.name,
        "PasswordResetRequired": row.password_reset_required,
        "MFABindRequired": False,
        "CreateDate": iso(row.login_profile_created_at),
    }


def _group_view(row: RamGroup) -> dict[str, Any]:
    return {
        "GroupId": row.id,
        "GroupName": row.name,
        "Comments": row.comments,
        "CreateDate": iso(row.created_at),
        "UpdateDate": iso(row.updated_at),
    }


def _role_view(ctx: Context, row: RamRole) -> dict[str, Any]:
    return {
        "RoleId": row.id,
        "RoleName": row.name,
        "Arn": _arn(ctx, "role", row.name),
        "Description": row.description,
        "AssumeRolePolicyDocument": row.trust_policy,
        "MaxSessionDuration": row.max_session_duration,
        "CreateDate": iso(row.created_at),
        "UpdateDate": iso(row.updated_at),
    }


def _policy_view(row: RamPolicy, attachments: int | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "PolicyName": row.name,
        "PolicyType": "Custom",
        "Description": row.description,
        "DefaultVersion": row.version,
        "CreateDate": iso(row.created_at),
        "UpdateDate": iso(row.updated_at),
    }
    if attachments is not None:
        view["AttachmentCount"] = attachments
    return view


def _attached_view(row: RamPolicy, attached: datetime) -> dict[str, Any]:
    return {
        "PolicyName": row.name,
        "PolicyType": "Custom",
        "Description": row.description,
        "DefaultVersion": row.version,
        "AttachDate": iso(attached),
    }


def _key_owner(ctx: Context, user_name: str | None) -> str:
    """Access-key actions default to the calling user, as in RAM; the root must name the user."""
    if user_name is not None:
        return user_name
    caller = ctx.caller()
    if caller.kind == USER and caller.name is not None:
        return caller.name
    raise ApiError("MissingParameter", "Name the user with the parameter UserName.", 400)


# --- users ---------------------------------------------------------------------------------------------------


class CreateUserParams(Params):
    UserName: str = UserName
    DisplayName: str = Field("", max_length=128)
    Comments: str = Field("", max_length=128)


class UserParams(Params):
    UserName: str = UserName


class ListParams(Params):
    Marker: str | None = Marker
    MaxItems: int = MaxItems


class UpdateUserParams(Params):
    UserName: str = UserName
    NewDisplayName: str | None = Field(None, max_length=128)
    NewComments: str | None = Field(None, max_length=128)


async def create_user(ctx: Context, p: CreateUserParams) -> dict[str, Any]:
    await authorize(ctx, "ram:CreateUser", _arn(ctx, "user", p.UserName))
    if p.UserName.lower() == CONSOLE_ROOT_NAME:
        raise ApiError(
            "InvalidParameter.UserName",
            f"The user name {p.UserName} is reserved: the account root signs in to the console as {CONSOLE_ROOT_NAME}.",
            400,
        )
    row = await ctx.state.iam.create_user(
        name=p.UserName,
        user_id=_new_numeric_id(),
        display_name=p.DisplayName or p.UserName,
        comments=p.Comments,
        now=utcnow(),
    )
    return {"User": _user_view(row)}


async def get_user(ctx: Context, p: UserParams) -> dict[str, Any]:
    await authorize(ctx, "ram:GetUser", _arn(ctx, "user", p.UserName))
    row = await ctx.state.iam.get_user(p.UserName)
    if row is None:
        raise ApiError("EntityNotExist.User", f"The user {p.UserName} does not exist.", 404)
    return {"User": _user_view(row)}


async def list_users(ctx: Context, p: ListParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListUsers", "*")
    page = await ctx.state.iam.list_users(after=_after(p.Marker), limit=p.MaxItems)
    return _paged("Users", "User", [_user_view(r) for r in page.items], page.next_after)


async def update_user(ctx: Context, p: UpdateUserParams) -> dict[str, Any]:
    await authorize(ctx, "ram:UpdateUser", _arn(ctx, "user", p.UserName))
    row = await ctx.state.iam.update_user(
        p.UserName, display_name=p.NewDisplayName, comments=p.NewComments, now=utcnow()
    )
    return {"User": _user_view(row)}


async def delete_user(ctx: Context, p: UserParams) -> dict[str, Any]:
    arn = _arn(ctx, "user", p.UserName)
    await authorize(ctx, "ram:DeleteUser", arn)
    await ctx.state.iam.delete_user(p.UserName, arn)
    await _end_console_sessions(ctx, p.UserName)
    return {}


async def _end_console_sessions(ctx: Context, user_name: str) -> None:
    """Sign the user out of the console everywhere (its password changed or is gone). The sessions would be refused
    anyway, since each remembers the password hash it began with; this removes them from the table at once."""
    await ConsoleSessionRepo(ctx.state.db).delete_for(user_name)


# --- login profiles --------------------------------------------------------------------------------------------


class CreateLoginProfileParams(Params):
    UserName: str = UserName
    Password: str = Field(min_length=1, max_length=1024)
    PasswordResetRequired: bool = False
    MFABindRequired: bool = False


class UpdateLoginProfileParams(Params):
    UserName: str = UserName
    Password: str | None = Field(None, min_length=1, max_length=1024)
    PasswordResetRequired: bool | None = None
    MFABindRequired: bool | None = None


async def _password_hash(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise ApiError("InvalidParameter.Password", f"The password {problem}.", 400)
    return await hash_password(password)


def _no_mfa(required: bool | None) -> None:
    if required:
        raise ApiError("InvalidParameter.MFABindRequired", "This server has no MFA devices yet.", 400)


async def create_login_profile(ctx: Context, p: CreateLoginProfileParams) -> dict[str, Any]:
    await authorize(ctx, "ram:CreateLoginProfile", _arn(ctx, "user", p.UserName))
    _no_mfa(p.MFABindRequired)
    hashed = await _password_hash(p.Password)
    row = await ctx.state.iam.set_login_profile(
        p.UserName, password_hash=hashed, reset_required=p.PasswordResetRequired, create=True, now=utcnow()
    )
    return {"LoginProfile": _login_profile_view(row)}


async def update_login_profile(ctx: Context, p: UpdateLoginProfileParams) -> dict[str, Any]:
    await authorize(ctx, "ram:UpdateLoginProfile", _arn(ctx, "user", p.UserName))
    _no_mfa(p.MFABindRequired)
    hashed = await _password_hash(p.Password) if p.Password is not None else None
    await ctx.state.iam.set_login_profile(
        p.UserName, password_hash=hashed, reset_required=p.PasswordResetRequired, create=False, now=utcnow()
    )
    if hashed is not None:
        await _end_console_sessions(ctx, p.UserName)
    return {}


async def get_login_profile(ctx: Context, p: UserParams) -> dict[str, Any]:
    await authorize(ctx, "ram:GetLoginProfile", _arn(ctx, "user", p.UserName))
    row = await ctx.state.iam.get_user(p.UserName)
    if row is None:
        raise ApiError("EntityNotExist.User", f"The user {p.UserName} does not exist.", 404)
    if row.password_hash is None:
        raise ApiError("EntityNotExist.User.LoginProfile", f"The user {p.UserName} has no login profile.", 404)
    return {"LoginProfile": _login_profile_view(row)}


async def delete_login_profile(ctx: Context, p: UserParams) -> dict[str, Any]:
    await authorize(ctx, "ram:DeleteLoginProfile", _arn(ctx, "user", p.UserName))
    await ctx.state.iam.delete_login_profile(p.UserName, utcnow())
    await _end_console_sessions(ctx, p.UserName)
    return {}


# --- access keys ---------------------------------------------------------------------------------------------


class OptionalUserParams(Params):
    UserName: str | None = OptionalUserName


class AccessKeyParams(Params):
    UserName: str | None = OptionalUserName
    UserAccessKeyId: str = Field(min_length=1, max_length=128)


class UpdateAccessKeyParams(AccessKeyParams):
    Status: Literal["Active", "Inactive"]


def new_access_key_id() -> str:
    return new_id("TAK", 20).replace("-", "").upper()


async def create_access_key(ctx: Context, p: OptionalUserParams) -> dict[str, Any]:
    user = _key_owner(ctx, p.UserName)
    arn = _arn(ctx, "user", user)
    await authorize(ctx, "ram:CreateAccessKey", arn)
    secret = new_token()
    row = await ctx.state.iam.create_user_key(
        user, arn, key_id=new_access_key_id(), secret_encrypted=ctx.state.secretbox.encrypt(secret), now=utcnow()
    )
    return {
        "AccessKey": {
            "AccessKeyId": row.id,
            "AccessKeySecret": secret,
            "Status": row.status,
            "CreateDate": iso(row.created_at),
        }
    }


async def list_access_keys(ctx: Context, p: OptionalUserParams) -> dict[str, Any]:
    user = _key_owner(ctx, p.UserName)
    arn = _arn(ctx, "user", user)
    await authorize(ctx, "ram:ListAccessKeys", arn)
    rows = await ctx.state.iam.list_user_keys(user, arn)
    keys = [{"AccessKeyId": r.id, "Status": r.status, "CreateDate": iso(r.created_at)} for r in rows]
    return {"AccessKeys": {"AccessKey": keys}}


async def update_access_key(ctx: Context, p: UpdateAccessKeyParams) -> dict[str, Any]:
    user = _key_owner(ctx, p.UserName)
    arn = _arn(ctx, "user", user)
    await authorize(ctx, "ram:UpdateAccessKey", arn)
    await ctx.state.iam.update_user_key(user, arn, p.UserAccessKeyId, p.Status)
    return {}


async def delete_access_key(ctx: Context, p: AccessKeyParams) -> dict[str, Any]:
    user = _key_owner(ctx, p.UserName)
    arn = _arn(ctx, "user", user)
    await authorize(ctx, "ram:DeleteAccessKey", arn)
    await ctx.state.iam.delete_user_key(user, arn, p.UserAccessKeyId)
    return {}


# --- groups --------------------------------------------------------------------------------------------------


class CreateGroupParams(Params):
    GroupName: str = GroupName
    Comments: str = Field("", max_length=128)


class GroupParams(Params):
    GroupName: str = GroupName


class UpdateGroupParams(Params):
    GroupName: str = GroupName
    NewComments: str = Field(max_length=128)


class MembershipParams(Params):
    UserName: str = UserName
    GroupName: str = GroupName


class ListUsersForGroupParams(Params):
    GroupName: str = GroupName
    Marker: str | None = Marker
    MaxItems: int = MaxItems


async def create_group(ctx: Context, p: CreateGroupParams) -> dict[str, Any]:
    await authorize(ctx, "ram:CreateGroup", _arn(ctx, "group", p.GroupName))
    row = await ctx.state.iam.create_group(
        name=p.GroupName, group_id=_new_numeric_id(), comments=p.Comments, now=utcnow()
    )
    return {"Group": _group_view(row)}


async def get_group(ctx: Context, p: GroupParams) -> dict[str, Any]:
    await authorize(ctx, "ram:GetGroup", _arn(ctx, "group", p.GroupName))
    row = await ctx.state.iam.get_group(p.GroupName)
    if row is None:
        raise ApiError("EntityNotExist.Group", f"The group {p.GroupName} does not exist.", 404)
    return {"Group": _group_view(row)}


async def list_groups(ctx: Context, p: ListParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListGroups", "*")
    page = await ctx.state.iam.list_groups(after=_after(p.Marker), limit=p.MaxItems)
    return _paged("Groups", "Group", [_group_view(r) for r in page.items], page.next_after)


async def update_group(ctx: Context, p: UpdateGroupParams) -> dict[str, Any]:
    await authorize(ctx, "ram:UpdateGroup", _arn(ctx, "group", p.GroupName))
    row = await ctx.state.iam.update_group(p.GroupName, comments=p.NewComments, now=utcnow())
    return {"Group": _group_view(row)}


async def delete_group(ctx: Context, p: GroupParams) -> dict[str, Any]:
    await authorize(ctx, "ram:DeleteGroup", _arn(ctx, "group", p.GroupName))
    await ctx.state.iam.delete_group(p.GroupName)
    return {}


async def add_user_to_group(ctx: Context, p: MembershipParams) -> dict[str, Any]:
    await authorize(ctx, "ram:AddUserToGroup", _arn(ctx, "group", p.GroupName))
    await ctx.state.iam.add_user_to_group(p.UserName, p.GroupName, utcnow())
    return {}


async def remove_user_from_group(ctx: Context, p: MembershipParams) -> dict[str, Any]:
    await authorize(ctx, "ram:RemoveUserFromGroup", _arn(ctx, "group", p.GroupName))
    await ctx.state.iam.remove_user_from_group(p.UserName, p.GroupName)
    return {}


async def list_groups_for_user(ctx: Context, p: UserParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListGroupsForUser", _arn(ctx, "user", p.UserName))
    rows = await ctx.state.iam.groups_for_user(p.UserName)
    groups = [{"GroupName": g.name, "Comments": g.comments, "JoinDate": iso(joined)} for g, joined in rows]
    return {"Groups": {"Group": groups}}


async def list_users_for_group(ctx: Context, p: ListUsersForGroupParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListUsersForGroup", _arn(ctx, "group", p.GroupName))
    page = await ctx.state.iam.users_for_group(p.GroupName, after=_after(p.Marker), limit=p.MaxItems)
    users = [{"UserName": u.name, "DisplayName": u.display_name, "JoinDate": iso(joined)} for u, joined in page.items]
    return _paged("Users", "User", users, page.next_after)


# --- roles ---------------------------------------------------------------------------------------------------


class CreateRoleParams(Params):
    RoleName: str = RoleName
    AssumeRolePolicyDocument: str = Field(min_length=1, max_length=1024 * 1024)
    Description: str = Field("", max_length=1024)
    MaxSessionDuration: int = Field(3600, ge=900, le=43200)


class RoleParams(Params):
    RoleName: str = RoleName


class UpdateRoleParams(Params):
    RoleName: str = RoleName
    NewAssumeRolePolicyDocument: str | None = Field(None, min_length=1, max_length=1024 * 1024)
    NewDescription: str | None = Field(None, max_length=1024)
    NewMaxSessionDuration: int | None = Field(None, ge=900, le=43200)


async def create_role(ctx: Context, p: CreateRoleParams) -> dict[str, Any]:
    await authorize(ctx, "ram:CreateRole", _arn(ctx, "role", p.RoleName))
    _trust_document(ctx, p.AssumeRolePolicyDocument)
    row = await ctx.state.iam.create_role(
        name=p.RoleName,
        role_id=_new_numeric_id(),
        trust_policy=p.AssumeRolePolicyDocument,
        description=p.Description,
        max_session_duration=p.MaxSessionDuration,
        now=utcnow(),
    )
    return {"Role": _role_view(ctx, row)}


async def get_role(ctx: Context, p: RoleParams) -> dict[str, Any]:
    await authorize(ctx, "ram:GetRole", _arn(ctx, "role", p.RoleName))
    row = await ctx.state.iam.get_role(p.RoleName)
    if row is None:
        raise ApiError("EntityNotExist.Role", f"The role {p.RoleName} does not exist.", 404)
    return {"Role": _role_view(ctx, row)}


async def list_roles(ctx: Context, p: ListParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListRoles", "*")
    page = await ctx.state.iam.list_roles(after=_after(p.Marker), limit=p.MaxItems)
    roles = [{k: v for k, v in _role_view(ctx, r).items() if k != "AssumeRolePolicyDocument"} for r in page.items]
    return _paged("Roles", "Role", roles, page.next_after)


async def update_role(ctx: Context, p: UpdateRoleParams) -> dict[str, Any]:
    await authorize(ctx, "ram:UpdateRole", _arn(ctx, "role", p.RoleName))
    if p.NewAssumeRolePolicyDocument is not None:
        _trust_document(ctx, p.NewAssumeRolePolicyDocument)
    row = await ctx.state.iam.update_role(
        p.RoleName,
        trust_policy=p.NewAssumeRolePolicyDocument,
        description=p.NewDescription,
        max_session_duration=p.NewMaxSessionDuration,
        now=utcnow(),
    )
    return {"Role": _role_view(ctx, row)}


async def delete_role(ctx: Context, p: RoleParams) -> dict[str, Any]:
    await authorize(ctx, "ram:DeleteRole", _arn(ctx, "role", p.RoleName))
    await ctx.state.iam.delete_role(p.RoleName)
    return {}


# --- policies ------------------------------------------------------------------------------------------------


class CreatePolicyParams(Params):
    PolicyName: str = PolicyName
    PolicyDocument: str = Field(min_length=1)
    Description: str = Field("", max_length=1024)


class PolicyParams(Params):
    PolicyType: PolicyTypeName = "Custom"
    PolicyName: str = PolicyName


class ListPoliciesParams(Params):
    PolicyType: PolicyTypeName | None = None
    Marker: str | None = Marker
    MaxItems: int = MaxItems


class AttachUserParams(PolicyParams):
    UserName: str = UserName


class AttachGroupParams(PolicyParams):
    GroupName: str = GroupName


class AttachRoleParams(PolicyParams):
    RoleName: str = RoleName


class GroupPoliciesParams(Params):
    GroupName: str = GroupName


async def create_policy(ctx: Context, p: CreatePolicyParams) -> dict[str, Any]:
    await authorize(ctx, "ram:CreatePolicy", _arn(ctx, "policy", p.PolicyName))
    _policy_document(p.PolicyDocument)
    row = await ctx.state.iam.create_policy(
        name=p.PolicyName, document=p.PolicyDocument, description=p.Description, now=utcnow()
    )
    return {"Policy": _policy_view(row)}


async def get_policy(ctx: Context, p: PolicyParams) -> dict[str, Any]:
    await authorize(ctx, "ram:GetPolicy", _arn(ctx, "policy", p.PolicyName))
    _custom_only(p.PolicyType, p.PolicyName)
    row = await ctx.state.iam.get_policy(p.PolicyName)
    if row is None:
        raise ApiError("EntityNotExist.Policy", f"The policy {p.PolicyName} does not exist.", 404)
    counts = await ctx.state.iam.attachment_counts([row.name])
    return {
        "Policy": _policy_view(row, counts.get(row.name, 0)),
        "DefaultPolicyVersion": {
            "VersionId": row.version,
            "IsDefaultVersion": True,
            "PolicyDocument": row.document,
            "CreateDate": iso(row.updated_at),
        },
    }


async def list_policies(ctx: Context, p: ListPoliciesParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListPolicies", "*")
    if p.PolicyType == "System":
        return _paged("Policies", "Policy", [], None)
    page = await ctx.state.iam.list_policies(after=_after(p.Marker), limit=p.MaxItems)
    counts = await ctx.state.iam.attachment_counts([r.name for r in page.items])
    items = [_policy_view(r, counts.get(r.name, 0)) for r in page.items]
    return _paged("Policies", "Policy", items, page.next_after)


async def delete_policy(ctx: Context, p: PolicyParams) -> dict[str, Any]:
    await authorize(ctx, "ram:DeletePolicy", _arn(ctx, "policy", p.PolicyName))
    _custom_only(p.PolicyType, p.PolicyName)
    await ctx.state.iam.delete_policy(p.PolicyName)
    return {}


def _attachment_action(verb: str, principal_type: str) -> Any:
    """The handler of Attach/DetachPolicyTo/From{User,Group,Role}: authorised on the user, group or role."""
    field = f"{principal_type}Name"
    kind = principal_type.lower()
    action = f"ram:{verb}PolicyTo{principal_type}" if verb == "Attach" else f"ram:{verb}PolicyFrom{principal_type}"

    async def handler(ctx: Context, p: PolicyParams) -> dict[str, Any]:
        name: str = getattr(p, field)
        await authorize(ctx, action, _arn(ctx, kind, name))
        _custom_only(p.PolicyType, p.PolicyName)
        if verb == "Attach":
            await ctx.state.iam.attach_policy(p.PolicyName, principal_type, name, utcnow())
        else:
            await ctx.state.iam.detach_policy(p.PolicyName, principal_type, name)
        return {}

    return handler


def _list_policies_for(principal_type: str) -> Any:
    field = f"{principal_type}Name"
    kind = principal_type.lower()

    async def handler(ctx: Context, p: Any) -> dict[str, Any]:
        name: str = getattr(p, field)
        await authorize(ctx, f"ram:ListPoliciesFor{principal_type}", _arn(ctx, kind, name))
        rows = await ctx.state.iam.policies_for(principal_type, name)
        return {"Policies": {"Policy": [_attached_view(policy, attached) for policy, attached in rows]}}

    return handler


async def list_entities_for_policy(ctx: Context, p: PolicyParams) -> dict[str, Any]:
    await authorize(ctx, "ram:ListEntitiesForPolicy", _arn(ctx, "policy", p.PolicyName))
    _custom_only(p.PolicyType, p.PolicyName)
    rows = await ctx.state.iam.entities_for_policy(p.PolicyName)
    by_type: dict[str, list[dict[str, Any]]] = {USER_TYPE: [], GROUP: [], ROLE: []}
    for row in rows:
        entry = {f"{row.principal_type}Name": row.principal_name, "AttachDate": iso(row.attached_at)}
        if row.principal_type == ROLE:
            entry["Arn"] = _arn(ctx, "role", row.principal_name)
        by_type[row.principal_type].append(entry)
    return {
        "Users": {"User": by_type[USER_TYPE]},
        "Groups": {"Group": by_type[GROUP]},
        "Roles": {"Role": by_type[ROLE]},
    }


ACTIONS = {
    "CreateUser": Action(CreateUserParams, create_user),
    "GetUser": Action(UserParams, get_user),
    "ListUsers": Action(ListParams, list_users),
    "UpdateUser": Action(UpdateUserParams, update_user),
    "DeleteUser": Action(UserParams, delete_user),
    "CreateLoginProfile": Action(CreateLoginProfileParams, create_login_profile),
    "UpdateLoginProfile": Action(UpdateLoginProfileParams, update_login_profile),
    "GetLoginProfile": Action(UserParams, get_login_profile),
    "DeleteLoginProfile": Action(UserParams, delete_login_profile),
    "CreateAccessKey": Action(OptionalUserParams, create_access_key),
    "ListAccessKeys": Action(OptionalUserParams, list_access_keys),
    "UpdateAccessKey": Action(UpdateAccessKeyParams, update_access_key),
    "DeleteAccessKey": Action(AccessKeyParams, delete_access_key),
    "CreateGroup": Action(CreateGroupParams, create_group),
    "GetGroup": Action(GroupParams, get_group),
    "ListGroups": Action(ListParams, list_groups),
    "UpdateGroup": Action(UpdateGroupParams, update_group),
    "DeleteGroup": Action(GroupParams, delete_group),
    "AddUserToGroup": Action(MembershipParams, add_user_to_group),
    "RemoveUserFromGroup": Action(MembershipParams, remove_user_from_group),
    "ListGroupsForUser": Action(UserParams, list_groups_for_user),
    "ListUsersForGroup": Action(ListUsersForGroupParams, list_users_for_group),
    "CreateRole": Action(CreateRoleParams, create_role),
    "GetRole": Action(RoleParams, get_role),
    "ListRoles": Action(ListParams, list_roles),
    "UpdateRole": Action(UpdateRoleParams, update_role),
    "DeleteRole": Action(RoleParams, delete_role),
    "CreatePolicy": Action(CreatePolicyParams, create_policy),
    "GetPolicy": Action(PolicyParams, get_policy),
    "ListPolicies": Action(ListPoliciesParams, list_policies),
    "DeletePolicy": Action(PolicyParams, delete_policy),
    "AttachPolicyToUser": Action(AttachUserParams, _attachment_action("Attach", USER_TYPE)),
    "AttachPolicyToGroup": Action(AttachGroupParams, _attachment_action("Attach", GROUP)),
    "AttachPolicyToRole": Action(AttachRoleParams, _attachment_action("Attach", ROLE)),
    "DetachPolicyFromUser": Action(AttachUserParams, _attachment_action("Detach", USER_TYPE)),
    "DetachPolicyFromGroup": Action(AttachGroupParams, _attachment_action("Detach", GROUP)),
    "DetachPolicyFromRole": Action(AttachRoleParams, _attachment_action("Detach", ROLE)),
    "ListPoliciesForUser": Action(UserParams, _list_policies_for(USER_TYPE)),
    "ListPoliciesForGroup": Action(GroupPoliciesParams, _list_policies_for(GROUP)),
    "ListPoliciesForRole": Action(RoleParams, _list_policies_for(ROLE)),
    "ListEntitiesForPolicy": Action(PolicyParams, list_entities_for_policy),
}

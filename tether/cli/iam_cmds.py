"""Access-control commands of the `tether` CLI: `iam` (users, groups, roles, policies, access keys, login
profiles) and `assume-role`.

They are thin wrappers over the RAM/STS-style API actions (docs/api.md): each command is one or a few calls, and
the server stays the only judge of what is valid, so its messages (a policy error names the statement and the
field) are shown as they are. The conventions of `tether.cli.common` hold here too: data on stdout, `--json`
gives one document, notes and one-line errors on stderr. Secrets (an access key's secret, temporary credentials)
are printed only by the command that creates them, because the server cannot show them again; a password is only
ever read, never echoed.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tether.cli.common import (
    ConnectionFlags,
    call,
    collect,
    connection_options,
    done,
    fail,
    json_option,
    note,
    print_json,
    print_table,
    read_password,
    run_async,
)
from tether.client.errors import ClientError, ConfigError
from tether.client.profile import (
    ENV_KEY_ID,
    ENV_KEY_SECRET,
    ENV_TOKEN,
    Profile,
    config_path,
    resolve_settings,
    save_profile,
)

__all__ = ["assume_role", "iam"]

# Policies and trust documents are small; refuse to read something absurd by mistake.
_MAX_DOCUMENT_BYTES = 1024 * 1024
_CUSTOM = "Custom"
_POLICY_TYPES = ("Custom", "System")


# --------------------------------------------------------------------------------------------------- plumbing


def read_document(value: str, flag: str) -> str:
    """A JSON object given inline, as `@FILE`, or `@-` (stdin), checked locally and returned as text.

    Only that it is a JSON object is checked here; whether it is a valid policy is the server's call, and its
    message names the statement and field at fault. The text is sent unchanged, so what the server stores and
    shows back is what the user wrote.
    """
    source = flag
    if value.startswith("@"):
        name = value[1:]
        source = "stdin" if name == "-" else name
        try:
            if name == "-":
                text = sys.stdin.read(_MAX_DOCUMENT_BYTES + 1)
            else:
                with Path(name).expanduser().open(encoding="utf-8") as handle:
                    text = handle.read(_MAX_DOCUMENT_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read {name}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{name} is not UTF-8 text: {exc.reason}") from exc
        if len(text) > _MAX_DOCUMENT_BYTES:
            raise ConfigError(f"{source} is larger than 1 MiB — is it the right file?")
    else:
        text = value
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source} is not JSON: {exc} — pass a JSON object, @FILE or @-") from exc
    if not isinstance(document, dict):
        raise ConfigError(f'{source} must be a JSON object like \'{{"Version": "1", "Statement": [...]}}\'')
    return text.strip()


def _document_or_fail(value: str, flag: str) -> str:
    try:
        return read_document(value, flag)
    except ClientError as exc:
        fail(str(exc))


def _pretty_document(document: object) -> str:
    """A policy document for people: pretty JSON when it parses (the API may carry it as a string)."""
    if isinstance(document, str):
        try:
            parsed = json.loads(document)
        except ValueError:
            return document
        return json.dumps(parsed, indent=2, ensure_ascii=False)
    return json.dumps(document, indent=2, ensure_ascii=False)


def _show(item: dict[str, Any], as_json: bool, columns: list[tuple[str, str]], *, document: Any = None) -> None:
    """Print one object: a one-row table (plus a document below, for roles and policies)."""
    if as_json:
        print_json(item)
        return
    print_table([header for header, _ in columns], [[item.get(key) for _, key in columns]])
    if document is not None:
        click.echo("")
        click.echo(_pretty_document(document))


def _list(items: list[dict[str, Any]], as_json: bool, outer: str, inner: str, columns: list[tuple[str, str]]) -> None:
    """Print a listing: the table, or with --json the API's own wrapping so scripts see one shape."""
    if as_json:
        print_json({outer: {inner: items}})
        return
    print_table([header for header, _ in columns], [[item.get(key) for _, key in columns] for item in items])


def _one_target(user: str | None, group: str | None, role: str | None) -> tuple[str, str, str]:
    """(kind, parameter, name) for --user/--group/--role, of which exactly one must be given."""
    given: list[tuple[str, str, str]] = []
    for kind, param, name in (("User", "UserName", user), ("Group", "GroupName", group), ("Role", "RoleName", role)):
        if name:
            given.append((kind, param, name))
    if len(given) != 1:
        raise click.UsageError("give exactly one of --user, --group, --role")
    return given[0]


_USER_COLUMNS = [
    ("UserName", "UserName"),
    ("UserId", "UserId"),
    ("DisplayName", "DisplayName"),
    ("Created", "CreateDate"),
    ("Comments", "Comments"),
]
_GROUP_COLUMNS = [("GroupName", "GroupName"), ("Comments", "Comments"), ("Created", "CreateDate")]
_ROLE_COLUMNS = [
    ("RoleName", "RoleName"),
    ("Arn", "Arn"),
    ("MaxSessionDuration", "MaxSessionDuration"),
    ("Created", "CreateDate"),
    ("Description", "Description"),
]
_POLICY_COLUMNS = [
    ("PolicyName", "PolicyName"),
    ("Type", "PolicyType"),
    ("Version", "DefaultVersion"),
    ("Attachments", "AttachmentCount"),
    ("Created", "CreateDate"),
    ("Description", "Description"),
]
_ATTACHED_COLUMNS = [
    ("PolicyName", "PolicyName"),
    ("Type", "PolicyType"),
    ("Version", "DefaultVersion"),
    ("Attached", "AttachDate"),
    ("Description", "Description"),
]
_KEY_COLUMNS = [("AccessKeyId", "AccessKeyId"), ("Status", "Status"), ("Created", "CreateDate")]


# -------------------------------------------------------------------------------------------------------- iam


@click.group()
def iam() -> None:
    """Users, groups, roles, access keys and policies (who may do what)."""


# ------------------------------------------------------------------------------------------------------ users


@iam.group()
def user() -> None:
    """Create, list, show and delete users."""


@user.command("create")
@click.argument("name")
@click.option("--display-name", metavar="TEXT", help="A human-friendly name.")
@click.option("--comments", metavar="TEXT", help="Free text, e.g. who the user is.")
@json_option
@connection_options
def user_create(
    name: str, display_name: str | None, comments: str | None, as_json: bool, conn: ConnectionFlags
) -> None:
    """Create the user NAME (it can do nothing until a policy is attached)."""
    body: dict[str, Any] = {"UserName": name}
    if display_name:
        body["DisplayName"] = display_name
    if comments:
        body["Comments"] = comments
    response = call(conn, "CreateUser", body)
    if as_json:
        print_json(response)
        return
    _show(response.get("User") or {}, False, _USER_COLUMNS)
    note(f"Next: `tether iam access-key create {name}` or `tether iam login-profile create {name}`.")


@user.command("list")
@json_option
@connection_options
def user_list(as_json: bool, conn: ConnectionFlags) -> None:
    """List every user."""
    _list(collect(conn, "ListUsers").items, as_json, "Users", "User", _USER_COLUMNS)


@user.command("get")
@click.argument("name")
@json_option
@connection_options
def user_get(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Show the user NAME."""
    response = call(conn, "GetUser", {"UserName": name})
    _show(response if as_json else response.get("User") or {}, as_json, _USER_COLUMNS)


@user.command("delete")
@click.argument("name")
@json_option
@connection_options
def user_delete(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete the user NAME (the server may ask to remove its keys, groups and policies first)."""
    done(call(conn, "DeleteUser", {"UserName": name}), as_json, f"Deleted user {name}.")


# ---------------------------------------------------------------------------------------------- login profile


@iam.group("login-profile")
def login_profile() -> None:
    """Give a user a console password, or take it away."""


@login_profile.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@json_option
@connection_options
def login_profile_create(name: str, password_stdin: bool, as_json: bool, conn: ConnectionFlags) -> None:
    """Set a console password for the user NAME (asked twice, not echoed)."""
    password = read_password(password_stdin)
    response = call(conn, "CreateLoginProfile", {"UserName": name, "Password": password})
    done(response, as_json, f"User {name} can now sign in to the console with that password.")


@login_profile.command("delete")
@click.argument("name")
@json_option
@connection_options
def login_profile_delete(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Remove the console password of the user NAME (its access keys keep working)."""
    done(call(conn, "DeleteLoginProfile", {"UserName": name}), as_json, f"User {name} can no longer sign in.")


# ------------------------------------------------------------------------------------------------ access keys


@iam.group("access-key")
def access_key() -> None:
    """Create, list, enable/disable and delete a user's access keys."""


@access_key.command("create")
@click.argument("name")
@json_option
@connection_options
def access_key_create(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Create an access key for the user NAME; its secret is shown only this once."""
    response = call(conn, "CreateAccessKey", {"UserName": name})
    if as_json:
        print_json(response)
        return
    key = response.get("AccessKey") or {}
    click.echo(f"AccessKeyId:     {key.get('AccessKeyId')}")
    click.echo(f"AccessKeySecret: {key.get('AccessKeySecret')}")
    note(
        "The secret cannot be shown again: store it now, e.g. "
        f"`tether configure --profile {name} --access-key-id {key.get('AccessKeyId')}` (it asks for the secret)."
    )


@access_key.command("list")
@click.argument("name")
@json_option
@connection_options
def access_key_list(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """List the access keys of the user NAME (ids and status; secrets are never shown)."""
    listed = collect(conn, "ListAccessKeys", {"UserName": name}).items
    # A secret has no business in a listing; drop one defensively should a server ever send it.
    keys = [{k: v for k, v in key.items() if k != "AccessKeySecret"} for key in listed]
    _list(keys, as_json, "AccessKeys", "AccessKey", _KEY_COLUMNS)


@access_key.command("update")
@click.argument("name")
@click.argument("key_id")
@click.option("--status", type=click.Choice(["Active", "Inactive"]), required=True, help="Enable or disable the key.")
@json_option
@connection_options
def access_key_update(name: str, key_id: str, status: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Enable or disable the access key KEY_ID of the user NAME."""
    body = {"UserName": name, "UserAccessKeyId": key_id, "Status": status}
    done(call(conn, "UpdateAccessKey", body), as_json, f"Access key {key_id} of {name} is now {status}.")


@access_key.command("delete")
@click.argument("name")
@click.argument("key_id")
@json_option
@connection_options
def access_key_delete(name: str, key_id: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete the access key KEY_ID of the user NAME; requests signed with it fail from now on."""
    body = {"UserName": name, "UserAccessKeyId": key_id}
    done(call(conn, "DeleteAccessKey", body), as_json, f"Deleted access key {key_id} of {name}.")


# ----------------------------------------------------------------------------------------------------- groups


@iam.group()
def group() -> None:
    """Groups of users that share policies."""


@group.command("create")
@click.argument("name")
@click.option("--comments", metavar="TEXT")
@json_option
@connection_options
def group_create(name: str, comments: str | None, as_json: bool, conn: ConnectionFlags) -> None:
    """Create the group NAME."""
    body: dict[str, Any] = {"GroupName": name}
    if comments:
        body["Comments"] = comments
    response = call(conn, "CreateGroup", body)
    _show(response if as_json else response.get("Group") or {}, as_json, _GROUP_COLUMNS)


@group.command("list")
@json_option
@connection_options
def group_list(as_json: bool, conn: ConnectionFlags) -> None:
    """List every group."""
    _list(collect(conn, "ListGroups").items, as_json, "Groups", "Group", _GROUP_COLUMNS)


@group.command("get")
@click.argument("name")
@json_option
@connection_options
def group_get(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Show the group NAME and its members."""

    async def go() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with conn.client() as api:
            found = await api.call("GetGroup", {"GroupName": name})
            members = (await api.collect("ListUsersForGroup", {"GroupName": name})).items
            return found, members

    found, members = run_async(go)
    if as_json:
        print_json({**found, "Users": {"User": members}})
        return
    _show(found.get("Group") or {}, False, _GROUP_COLUMNS)
    click.echo("")
    click.echo(f"Members: {', '.join(str(m.get('UserName')) for m in members) or '-'}")


@group.command("delete")
@click.argument("name")
@json_option
@connection_options
def group_delete(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete the group NAME."""
    done(call(conn, "DeleteGroup", {"GroupName": name}), as_json, f"Deleted group {name}.")


@group.command("add-user")
@click.argument("group_name", metavar="GROUP")
@click.argument("user_name", metavar="USER")
@json_option
@connection_options
def group_add_user(group_name: str, user_name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Add USER to GROUP: it gains the group's policies."""
    body = {"UserName": user_name, "GroupName": group_name}
    done(call(conn, "AddUserToGroup", body), as_json, f"Added {user_name} to group {group_name}.")


@group.command("remove-user")
@click.argument("group_name", metavar="GROUP")
@click.argument("user_name", metavar="USER")
@json_option
@connection_options
def group_remove_user(group_name: str, user_name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Remove USER from GROUP."""
    body = {"UserName": user_name, "GroupName": group_name}
    done(call(conn, "RemoveUserFromGroup", body), as_json, f"Removed {user_name} from group {group_name}.")


# ------------------------------------------------------------------------------------------------------ roles


@iam.group()
def role() -> None:
    """Roles: identities assumed for temporary credentials (`tether assume-role`)."""


@role.command("create")
@click.argument("name")
@click.option(
    "--trust-policy",
    required=True,
    metavar="JSON|@FILE",
    help="Who may assume the role: a JSON policy document, @file, or @- for stdin.",
)
@click.option("--description", metavar="TEXT")
@click.option(
    "--max-session-duration",
    type=click.IntRange(900, 43200),
    metavar="SECONDS",
    help="Longest lifetime of its temporary credentials, 900..43200 [server default 3600].",
)
@json_option
@connection_options
def role_create(
    name: str,
    trust_policy: str,
    description: str | None,
    max_session_duration: int | None,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Create the role NAME that the principals in its trust policy may assume."""
    body: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": _document_or_fail(trust_policy, "--trust-policy"),
    }
    if description:
        body["Description"] = description
    if max_session_duration is not None:
        body["MaxSessionDuration"] = max_session_duration
    response = call(conn, "CreateRole", body)
    _show(response if as_json else response.get("Role") or {}, as_json, _ROLE_COLUMNS)


@role.command("list")
@json_option
@connection_options
def role_list(as_json: bool, conn: ConnectionFlags) -> None:
    """List every role."""
    _list(collect(conn, "ListRoles").items, as_json, "Roles", "Role", _ROLE_COLUMNS)


@role.command("get")
@click.argument("name")
@json_option
@connection_options
def role_get(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Show the role NAME and its trust policy."""
    response = call(conn, "GetRole", {"RoleName": name})
    found = response.get("Role") or {}
    _show(response if as_json else found, as_json, _ROLE_COLUMNS, document=found.get("AssumeRolePolicyDocument"))


@role.command("delete")
@click.argument("name")
@json_option
@connection_options
def role_delete(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete the role NAME; temporary credentials already issued for it stop working."""
    done(call(conn, "DeleteRole", {"RoleName": name}), as_json, f"Deleted role {name}.")


# --------------------------------------------------------------------------------------------------- policies


@iam.group()
def policy() -> None:
    """Policies (JSON documents of Allow/Deny statements) and where they are attached."""


policy_type_option = click.option(
    "--policy-type",
    type=click.Choice(_POLICY_TYPES),
    default=_CUSTOM,
    show_default=True,
    help="Custom policies are yours; System policies come with the server.",
)


@policy.command("create")
@click.argument("name")
@click.option(
    "--document", required=True, metavar="JSON|@FILE", help="The policy document: JSON, @file, or @- for stdin."
)
@click.option("--description", metavar="TEXT")
@json_option
@connection_options
def policy_create(name: str, document: str, description: str | None, as_json: bool, conn: ConnectionFlags) -> None:
    """Create the custom policy NAME; the server checks the document and names the statement and field at fault."""
    body: dict[str, Any] = {"PolicyName": name, "PolicyDocument": _document_or_fail(document, "--document")}
    if description:
        body["Description"] = description
    response = call(conn, "CreatePolicy", body)
    if as_json:
        print_json(response)
        return
    _show(response.get("Policy") or {}, False, _POLICY_COLUMNS)
    note(f"Next: `tether iam policy attach {name} --user NAME` (or --group / --role).")


@policy.command("list")
@click.option("--policy-type", type=click.Choice(_POLICY_TYPES), help="Only policies of this type.")
@json_option
@connection_options
def policy_list(policy_type: str | None, as_json: bool, conn: ConnectionFlags) -> None:
    """List policies, custom and system."""
    body = {"PolicyType": policy_type} if policy_type else {}
    _list(collect(conn, "ListPolicies", body).items, as_json, "Policies", "Policy", _POLICY_COLUMNS)


@policy.command("get")
@click.argument("name")
@policy_type_option
@json_option
@connection_options
def policy_get(name: str, policy_type: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Show the policy NAME and its document."""
    response = call(conn, "GetPolicy", {"PolicyName": name, "PolicyType": policy_type})
    version = response.get("DefaultPolicyVersion") or {}
    found = response.get("Policy") or {}
    document = version.get("PolicyDocument") if isinstance(version, dict) else None
    _show(response if as_json else found, as_json, _POLICY_COLUMNS, document=document or found.get("PolicyDocument"))


@policy.command("delete")
@click.argument("name")
@json_option
@connection_options
def policy_delete(name: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete the custom policy NAME (detach it everywhere first)."""
    done(call(conn, "DeletePolicy", {"PolicyName": name}), as_json, f"Deleted policy {name}.")


def _target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--user", metavar="USER", help="A user."),
            click.option("--group", "group_name", metavar="GROUP", help="A group (its members inherit)."),
            click.option("--role", "role_name", metavar="ROLE", help="A role (its sessions inherit)."),
        ]
    ):
        func = option(func)
    return func


def _attach_or_detach(
    verb: str, name: str, policy_type: str, target: tuple[str, str, str], conn: ConnectionFlags
) -> dict[str, Any]:
    kind, param, target_name = target
    action = f"AttachPolicyTo{kind}" if verb == "attach" else f"DetachPolicyFrom{kind}"
    return call(conn, action, {"PolicyType": policy_type, "PolicyName": name, param: target_name})


@policy.command("attach")
@click.argument("name")
@_target_options
@policy_type_option
@json_option
@connection_options
def policy_attach(
    name: str,
    user: str | None,
    group_name: str | None,
    role_name: str | None,
    policy_type: str,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Attach the policy NAME to exactly one of --user, --group, --role."""
    target = _one_target(user, group_name, role_name)
    response = _attach_or_detach("attach", name, policy_type, target, conn)
    done(response, as_json, f"Attached policy {name} to {target[0].lower()} {target[2]}.")


@policy.command("detach")
@click.argument("name")
@_target_options
@policy_type_option
@json_option
@connection_options
def policy_detach(
    name: str,
    user: str | None,
    group_name: str | None,
    role_name: str | None,
    policy_type: str,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Detach the policy NAME from exactly one of --user, --group, --role."""
    target = _one_target(user, group_name, role_name)
    response = _attach_or_detach("detach", name, policy_type, target, conn)
    done(response, as_json, f"Detached policy {name} from {target[0].lower()} {target[2]}.")


@policy.command("list-for")
@_target_options
@json_option
@connection_options
def policy_list_for(
    user: str | None, group_name: str | None, role_name: str | None, as_json: bool, conn: ConnectionFlags
) -> None:
    """List the policies attached directly to one --user, --group or --role (not those inherited from groups)."""
    kind, param, target_name = _one_target(user, group_name, role_name)
    listing = collect(conn, f"ListPoliciesFor{kind}", {param: target_name})
    if as_json:
        print_json(listing.first)  # answered in one piece: the server's answer as it is, RequestId included
        return
    _list(listing.items, False, "Policies", "Policy", _ATTACHED_COLUMNS)


# ------------------------------------------------------------------------------------------------ assume-role


@click.command("assume-role")
@click.argument("role_arn")
@click.option("--session-name", required=True, metavar="NAME", help="Names this session in the audit trail.")
@click.option(
    "--duration",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="Lifetime of the credentials: 900..3600, and at most the role's MaxSessionDuration (the server checks).",
)
@click.option(
    "--policy",
    "session_policy",
    metavar="JSON|@FILE",
    help="A policy that narrows the role's permissions for this session only.",
)
@click.option(
    "--save-profile",
    "profile_name",
    metavar="NAME",
    help="Store the credentials as profile NAME instead of printing them.",
)
@click.option("--export", "export", is_flag=True, help="Print `export TETHER_...=...` lines for `eval`.")
@json_option
@connection_options
def assume_role(
    role_arn: str,
    session_name: str,
    duration: int,
    session_policy: str | None,
    profile_name: str | None,
    export: bool,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Get temporary credentials for the role ROLE_ARN (AssumeRole).

    Prints the credentials; or `--save-profile NAME` writes them as a StsToken profile (with the server and CA in
    use now) and prints only where they went; or `--export` prints shell lines:
    `eval "$(tether assume-role ARN --session-name me --export)"`.
    """
    if profile_name and export:
        raise click.UsageError("--save-profile and --export are alternatives: choose one")
    if export and as_json:
        raise click.UsageError("--export prints shell lines; it cannot be combined with --json")
    body: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": duration}
    if session_policy:
        body["Policy"] = _document_or_fail(session_policy, "--policy")
    # Resolve the settings before the call, so a profile is never half-written because the CA was unknown.
    try:
        current = (
            resolve_settings(
                server=conn.server,
                access_key_id=conn.access_key_id,
                access_key_secret=conn.access_key_secret,
                ca_cert=conn.ca_cert,
                profile=conn.profile,
            )
            if profile_name
            else None
        )
    except ClientError as exc:
        fail(str(exc))
    response = call(conn, "AssumeRole", body)
    creds = response.get("Credentials") or {}
    assumed = response.get("AssumedRoleUser") or {}
    missing = [k for k in ("AccessKeyId", "AccessKeySecret", "SecurityToken") if not creds.get(k)]
    if missing:
        fail(f"the server's AssumeRole answer lacks {', '.join(missing)} — server too old?")
    if profile_name and current is not None:
        profile = Profile(
            name=profile_name,
            mode="StsToken",
            server=current.server,
            access_key_id=str(creds["AccessKeyId"]),
            access_key_secret=str(creds["AccessKeySecret"]),
            security_token=str(creds["SecurityToken"]),
            ca_cert=str(Path(current.ca_cert).resolve()) if current.ca_cert else None,
        )
        try:
            # Not made current: the caller goes on working as themselves until they pass --profile.
            written = save_profile(profile, make_current=False, path=config_path())
        except ClientError as exc:
            fail(str(exc))
        summary = {
            "Profile": profile_name,
            "ConfigFile": str(written),
            "Mode": "StsToken",
            "AccessKeyId": creds.get("AccessKeyId"),
            "Expiration": creds.get("Expiration"),
            "AssumedRoleUser": assumed,
        }
        if as_json:
            print_json(summary)
        else:
            note(
                f"Saved temporary credentials for {assumed.get('Arn') or role_arn} as profile '{profile_name}' in "
                f"{written} (expires {creds.get('Expiration') or '?'}); use them with --profile {profile_name}."
            )
        return
    if export:
        for name, key in (
            (ENV_KEY_ID, "AccessKeyId"),
            (ENV_KEY_SECRET, "AccessKeySecret"),
            (ENV_TOKEN, "SecurityToken"),
        ):
            click.echo(f"export {name}={shlex.quote(str(creds[key]))}")
        note(f"# temporary credentials for {assumed.get('Arn') or role_arn}, expiring {creds.get('Expiration') or '?'}")
        return
    if as_json:
        print_json(response)
        return
    click.echo(f"AccessKeyId:     {creds.get('AccessKeyId')}")
    click.echo(f"AccessKeySecret: {creds.get('AccessKeySecret')}")
    click.echo(f"SecurityToken:   {creds.get('SecurityToken')}")
    click.echo(f"Expiration:      {creds.get('Expiration')}")
    click.echo(f"AssumedRoleUser: {assumed.get('Arn')}")
    note("Use them with --save-profile NAME or --export next time, rather than copying secrets by hand.")

"""`tether iam`, `assume-role`, `settings` and `tag` through click, against a real HTTPS fake that checks signatures.

The fake keeps RAM/STS-style state in memory (users, keys, groups, roles, policies, attachments, tags) with the
action names and shapes of docs/api.md, pages its listings with Marker/IsTruncated, and issues temporary
credentials that it accepts only together with their security token, so the StsToken profile written by
`assume-role --save-profile` is proven to work, not just to exist.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from aiohttp import web
from click.testing import CliRunner, Result

from tether.auth.signing import HEADER_SECURITY_TOKEN, AuthError, parse_request
from tether.auth.tls import ServerTLS
from tether.cli import cli
from tether.client.profile import load_profiles

from .client_fakes import KEY_ID, KEY_SECRET, FakeTether, write_credentials

ACCOUNT = "1234567890123456"


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def ok(*args: str, input: str | None = None) -> Result:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def assert_one_line_error(result: Result, code: int, *fragments: str) -> str:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tether: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def _error(code: str, message: str, status: int = 400) -> web.Response:
    return web.json_response({"Code": code, "Message": message, "RequestId": "req-err"}, status=status)


class IamFake(FakeTether):
    """FakeTether plus the access-control actions, just faithful enough for the CLI's contracts."""

    def __init__(self, tls: ServerTLS) -> None:
        super().__init__(tls)
        self.users: dict[str, dict[str, Any]] = {}
        self.passwords: dict[str, str] = {}
        self.user_keys: dict[str, list[dict[str, Any]]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.policies: dict[str, dict[str, Any]] = {}
        self.attachments: set[tuple[str, str, str]] = set()  # (kind, target, policy)
        self.tokens: dict[str, str] = {}  # temporary key id -> security token
        self.tags: dict[str, dict[str, str]] = {}
        self.session_manager = True

    async def _api(self, request: web.Request) -> web.Response:
        # Temporary credentials are valid only with their token, as on the real server.
        body = await request.read()
        try:
            signed = parse_request("POST", request.path, request.headers, body)
        except AuthError:
            return await super()._api(request)
        expected = self.tokens.get(signed.key_id)
        if expected is not None and request.headers.get(HEADER_SECURITY_TOKEN) != expected:
            return _error("InvalidSecurityToken", "The security token is missing or wrong.", 401)
        return await super()._api(request)

    # -- helpers ------------------------------------------------------------------------------------------------

    @staticmethod
    def _page(items: list[dict[str, Any]], params: dict[str, Any], outer: str, inner: str) -> dict[str, Any]:
        start = int(params.get("Marker") or 0)
        size = int(params.get("MaxItems") or 100)
        result: dict[str, Any] = {outer: {inner: items[start : start + size]}, "IsTruncated": start + size < len(items)}
        if result["IsTruncated"]:
            result["Marker"] = str(start + size)
        return result

    # -- users --------------------------------------------------------------------------------------------------

    def _do_CreateUser(self, p: dict[str, Any]) -> dict[str, Any] | web.Response:
        name = p["UserName"]
        if name in self.users:
            return _error("EntityAlreadyExists.User", f"The user {name} already exists.", 409)
        self.users[name] = {
            "UserName": name,
            "UserId": f"u-{len(self.users):06d}",
            "DisplayName": p.get("DisplayName", ""),
            "Comments": p.get("Comments", ""),
            "CreateDate": "2026-11-28T11:40:24Z",
        }
        return {"User": self.users[name]}

    def _do_GetUser(self, p: dict[str, Any]) -> dict[str, Any] | web.Response:
        found = self.users.get(p["UserName"])
        return (
            {"User": found}
            if found
            else _error("EntityNotExist.User", f"The user {p['UserName']} does not exist.", 404)
        )

    def _do_ListUsers(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._page(list(self.users.values()), p, "Users", "User")

    def _do_DeleteUser(self, p: dict[str, Any]) -> dict[str, Any]:
        self.users.pop(p["UserName"], None)
        return {}

    def _do_CreateLoginProfile(self, p: dict[str, Any]) -> dict[str, Any]:
        self.passwords[p["UserName"]] = p["Password"]
        return {"LoginProfile": {"UserName": p["UserName"]}}

    def _do_DeleteLoginProfile(self, p: dict[str, Any]) -> dict[str, Any]:
        self.passwords.pop(p["UserName"], None)
        return {}

    def _do_CreateAccessKey(self, p: dict[str, Any]) -> dict[str, Any]:
        keys = self.user_keys.setdefault(p["UserName"], [])
        key = {
            "AccessKeyId": f"AKuser{len(self.keys):010d}",
            "AccessKeySecret": f"user-secret-{len(self.keys):04d}-xyz",
            "Status": "Active",
            "CreateDate": "2026-11-28T11:40:24Z",
        }
        self.keys[key["AccessKeyId"]] = key["AccessKeySecret"]
        keys.append(key)
        return {"AccessKey": key}

    def _do_ListAccessKeys(self, p: dict[str, Any]) -> dict[str, Any]:
        # Deliberately leaks the secret, to prove the CLI never shows it in a listing.
        return {"AccessKeys": {"AccessKey": self.user_keys.get(p["UserName"], [])}}

    def _do_UpdateAccessKey(self, p: dict[str, Any]) -> dict[str, Any]:
        for key in self.user_keys.get(p["UserName"], []):
            if key["AccessKeyId"] == p["UserAccessKeyId"]:
                key["Status"] = p["Status"]
        return {}

    def _do_DeleteAccessKey(self, p: dict[str, Any]) -> dict[str, Any]:
        keys = self.user_keys.get(p["UserName"], [])
        self.user_keys[p["UserName"]] = [k for k in keys if k["AccessKeyId"] != p["UserAccessKeyId"]]
        return {}

    # -- groups -------------------------------------------------------------------------------------------------

    def _do_CreateGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        self.groups[p["GroupName"]] = {"GroupName": p["GroupName"], "Comments": p.get("Comments", "")}
        return {"Group": self.groups[p["GroupName"]]}

    def _do_GetGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Group": self.groups[p["GroupName"]]}

    def _do_ListGroups(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._page(list(self.groups.values()), p, "Groups", "Group")

    def _do_DeleteGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        self.groups.pop(p["GroupName"])
        return {}

    def _do_AddUserToGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        self.members.setdefault(p["GroupName"], []).append(p["UserName"])
        return {}

    def _do_RemoveUserFromGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        self.members[p["GroupName"]].remove(p["UserName"])
        return {}

    def _do_ListUsersForGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Users": {"User": [{"UserName": n} for n in self.members.get(p["GroupName"], [])]}}

    # -- roles, policies, STS -----------------------------------------------------------------------------------

    def _do_CreateRole(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["RoleName"]
        self.roles[name] = {
            "RoleName": name,
            "Arn": f"acs:ram::{ACCOUNT}:role/{name}",
            "Description": p.get("Description", ""),
            "MaxSessionDuration": p.get("MaxSessionDuration", 3600),
            "AssumeRolePolicyDocument": p["AssumeRolePolicyDocument"],
        }
        return {"Role": self.roles[name]}

    def _do_GetRole(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Role": self.roles[p["RoleName"]]}

    def _do_ListRoles(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._page(list(self.roles.values()), p, "Roles", "Role")

    def _do_DeleteRole(self, p: dict[str, Any]) -> dict[str, Any]:
        self.roles.pop(p["RoleName"])
        return {}

    def _do_CreatePolicy(self, p: dict[str, Any]) -> dict[str, Any] | web.Response:
        document = json.loads(p["PolicyDocument"])  # sent as a string, like RAM
        for index, statement in enumerate(document.get("Statement", [])):
            if statement.get("Effect") not in ("Allow", "Deny"):
                return _error(
                    "InvalidPolicyDocument",
                    f"Statement[{index}].Effect must be Allow or Deny, not {statement.get('Effect')!r}.",
                )
        name = p["PolicyName"]
        self.policies[name] = {
            "PolicyName": name,
            "PolicyType": "Custom",
            "Description": p.get("Description", ""),
            "DefaultVersion": "v1",
            "AttachmentCount": 0,
            "Document": p["PolicyDocument"],
        }
        return {"Policy": {k: v for k, v in self.policies[name].items() if k != "Document"}}

    def _do_GetPolicy(self, p: dict[str, Any]) -> dict[str, Any]:
        found = self.policies[p["PolicyName"]]
        assert p["PolicyType"] == "Custom"
        return {
            "Policy": {k: v for k, v in found.items() if k != "Document"},
            "DefaultPolicyVersion": {"VersionId": "v1", "PolicyDocument": found["Document"]},
        }

    def _do_ListPolicies(self, p: dict[str, Any]) -> dict[str, Any]:
        items = [{k: v for k, v in pol.items() if k != "Document"} for pol in self.policies.values()]
        return self._page(items, p, "Policies", "Policy")

    def _do_DeletePolicy(self, p: dict[str, Any]) -> dict[str, Any]:
        self.policies.pop(p["PolicyName"])
        return {}

    def _attach(self, kind: str, p: dict[str, Any], add: bool) -> dict[str, Any]:
        assert p["PolicyType"] == "Custom"
        entry = (kind, p[f"{kind}Name"], p["PolicyName"])
        if add:
            self.attachments.add(entry)
        else:
            self.attachments.discard(entry)
        return {}

    def _listed_for(self, kind: str, p: dict[str, Any]) -> dict[str, Any]:
        names = sorted(pol for k, target, pol in self.attachments if k == kind and target == p[f"{kind}Name"])
        return {"Policies": {"Policy": [{"PolicyName": n, "PolicyType": "Custom"} for n in names]}}

    def _do_AttachPolicyToUser(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._attach("User", p, True)

    def _do_AttachPolicyToGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._attach("Group", p, True)

    def _do_AttachPolicyToRole(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._attach("Role", p, True)

    def _do_DetachPolicyFromUser(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._attach("User", p, False)

    def _do_DetachPolicyFromRole(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._attach("Role", p, False)

    def _do_ListPoliciesForUser(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._listed_for("User", p)

    def _do_ListPoliciesForRole(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._listed_for("Role", p)

    def _do_AssumeRole(self, p: dict[str, Any]) -> dict[str, Any]:
        key_id = f"STS.temp{len(self.tokens):08d}"
        secret, token = f"temp-secret-{len(self.tokens)}-abcdef", f"temp-token-{len(self.tokens)}-CAIS"
        self.keys[key_id] = secret
        self.tokens[key_id] = token
        role = p["RoleArn"].rsplit("/", 1)[-1]
        return {
            "Credentials": {
                "AccessKeyId": key_id,
                "AccessKeySecret": secret,
                "SecurityToken": token,
                "Expiration": "2026-11-28T12:40:24Z",
            },
            "AssumedRoleUser": {
                "Arn": f"acs:ram::{ACCOUNT}:assumed-role/{role}/{p['RoleSessionName']}",
                "AssumedRoleId": f"3000:{p['RoleSessionName']}",
            },
        }

    # -- settings and tags --------------------------------------------------------------------------------------

    def _do_ModifyCloudAssistantSettings(self, p: dict[str, Any]) -> dict[str, Any]:
        assert p["SettingType"] == "SessionManagerConfig"
        self.session_manager = p["SessionManagerConfig"]["SessionManagerEnabled"]
        return {}

    def _do_DescribeUserBusinessBehavior(self, p: dict[str, Any]) -> dict[str, Any]:
        assert p == {"StatusKey": "sessionManagerEnable"}
        return {"StatusValue": "enabled" if self.session_manager else "disabled"}

    def _do_TagResources(self, p: dict[str, Any]) -> dict[str, Any]:
        for resource in p["ResourceId"]:
            self.tags.setdefault(resource, {}).update({t["Key"]: t["Value"] for t in p["Tag"]})
        return {}

    def _do_UntagResources(self, p: dict[str, Any]) -> dict[str, Any]:
        for resource in p["ResourceId"]:
            if p.get("All"):
                self.tags.pop(resource, None)
            for key in p.get("TagKey", []):
                self.tags.get(resource, {}).pop(key, None)
        return {}

    def _do_ListTagResources(self, p: dict[str, Any]) -> dict[str, Any]:
        # One tag per page, so the CLI's NextToken loop is exercised.
        rows = [
            {"ResourceId": r, "ResourceType": "instance", "TagKey": k, "TagValue": v}
            for r in p["ResourceId"]
            for k, v in sorted(self.tags.get(r, {}).items())
        ]
        start = int(p.get("NextToken") or 0)
        result: dict[str, Any] = {"TagResources": {"TagResource": rows[start : start + 1]}}
        if start + 1 < len(rows):
            result["NextToken"] = str(start + 1)
        return result


@pytest.fixture
def iam_fake(tls: ServerTLS) -> Iterator[IamFake]:
    server = IamFake(tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def configured(iam_fake: IamFake, tmp_path: Path, isolated_env: Path) -> Path:
    ok("configure", "--from-file", str(write_credentials(tmp_path / "admin-credentials.json", iam_fake)))
    return isolated_env


def last_call(fake: FakeTether) -> tuple[str, dict[str, Any]]:
    action, body, _ = fake.calls[-1]
    return action, body


# ------------------------------------------------------------------------------------------------------- users


def test_user_lifecycle_and_paging(configured: Path, iam_fake: IamFake) -> None:
    result = ok("iam", "user", "create", "alice", "--display-name", "Alice A", "--comments", "ops")
    assert last_call(iam_fake) == ("CreateUser", {"UserName": "alice", "DisplayName": "Alice A", "Comments": "ops"})
    assert result.stdout.splitlines()[1].split()[:2] == ["alice", "u-000000"]
    assert "access-key create alice" in result.stderr

    for i in range(230):
        iam_fake.users[f"user{i:03d}"] = {"UserName": f"user{i:03d}"}
    listing = json.loads(ok("iam", "user", "list", "--json").stdout)
    assert len(listing["Users"]["User"]) == 231
    markers = [body.get("Marker") for action, body, _ in iam_fake.calls if action == "ListUsers"]
    assert markers == [None, "100", "200"]
    table = ok("iam", "user", "list").stdout.splitlines()
    assert table[0].split() == ["UserName", "UserId", "DisplayName", "Created", "Comments"]
    assert len(table) == 232 and table[1].startswith("alice")

    got = json.loads(ok("iam", "user", "get", "alice", "--json").stdout)
    assert got["User"]["DisplayName"] == "Alice A" and got["RequestId"]
    error = assert_one_line_error(invoke("iam", "user", "get", "nobody"), 1, "EntityNotExist.User", "(request req-err)")
    assert "nobody" in error

    result = ok("iam", "user", "delete", "alice")
    assert result.stdout == "" and "Deleted user alice." in result.stderr
    assert "alice" not in iam_fake.users


def test_access_keys_secret_only_at_creation(configured: Path, iam_fake: IamFake) -> None:
    ok("iam", "user", "create", "bob")
    created = ok("iam", "access-key", "create", "bob")
    key = iam_fake.user_keys["bob"][0]
    assert f"AccessKeyId:     {key['AccessKeyId']}" in created.stdout
    assert f"AccessKeySecret: {key['AccessKeySecret']}" in created.stdout
    assert "cannot be shown again" in created.stderr and key["AccessKeySecret"] not in created.stderr
    full = json.loads(ok("iam", "access-key", "create", "bob", "--json").stdout)
    assert full["AccessKey"]["AccessKeySecret"] and full["AccessKey"]["Status"] == "Active"

    for args in (("iam", "access-key", "list", "bob"), ("iam", "access-key", "list", "bob", "--json")):
        listing = ok(*args)
        assert key["AccessKeyId"] in listing.stdout
        assert "secret" not in listing.output.lower()
    rows = ok("iam", "access-key", "list", "bob").stdout.splitlines()
    assert rows[0].split() == ["AccessKeyId", "Status", "Created"] and len(rows) == 3

    ok("iam", "access-key", "update", "bob", key["AccessKeyId"], "--status", "Inactive")
    assert last_call(iam_fake) == (
        "UpdateAccessKey",
        {"UserName": "bob", "UserAccessKeyId": key["AccessKeyId"], "Status": "Inactive"},
    )
    assert invoke("iam", "access-key", "update", "bob", "AK1", "--status", "Off").exit_code == 2
    ok("iam", "access-key", "delete", "bob", key["AccessKeyId"])
    assert len(iam_fake.user_keys["bob"]) == 1


def test_login_profile_password_from_stdin(configured: Path, iam_fake: IamFake) -> None:
    result = ok("iam", "login-profile", "create", "carol", "--password-stdin", input="Pa55 word!\nignored\n")
    assert iam_fake.passwords["carol"] == "Pa55 word!"
    assert "Pa55" not in result.output
    assert_one_line_error(invoke("iam", "login-profile", "create", "carol"), 1, "--password-stdin")
    assert_one_line_error(invoke("iam", "login-profile", "create", "carol", "--password-stdin", input=""), 1, "stdin")
    ok("iam", "login-profile", "delete", "carol")
    assert "carol" not in iam_fake.passwords


def test_login_profile_prompts_twice_without_echo(configured: Path, iam_fake: IamFake) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "tether", "iam", "login-profile", "create", "dave"],
        env=env,
        timeout=15,
        encoding="utf-8",
    )
    seen = io.StringIO()
    child.logfile_read = seen  # everything the terminal showed
    child.expect("New password: ")
    child.sendline("first-Secret1")
    child.expect("Repeat password: ")
    child.sendline("other-Secret2")
    child.expect("do not match")  # click asks again
    child.expect("New password: ")
    child.sendline("good-Secret3")
    child.expect("Repeat password: ")
    child.sendline("good-Secret3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert iam_fake.passwords["dave"] == "good-Secret3"
    assert "Secret" not in seen.getvalue() and "can now sign in" in seen.getvalue()


# ------------------------------------------------------------------------------------------------------ groups


def test_groups(configured: Path, iam_fake: IamFake) -> None:
    ok("iam", "group", "create", "ops", "--comments", "on call")
    ok("iam", "group", "add-user", "ops", "erin")
    assert last_call(iam_fake) == ("AddUserToGroup", {"UserName": "erin", "GroupName": "ops"})
    ok("iam", "group", "add-user", "ops", "frank")
    shown = ok("iam", "group", "get", "ops").stdout
    assert "Members: erin, frank" in shown and "on call" in shown
    assert json.loads(ok("iam", "group", "get", "ops", "--json").stdout)["Users"]["User"][0]["UserName"] == "erin"
    ok("iam", "group", "remove-user", "ops", "erin")
    assert iam_fake.members["ops"] == ["frank"]
    assert ok("iam", "group", "list").stdout.splitlines()[1].split()[0] == "ops"
    ok("iam", "group", "delete", "ops")
    assert iam_fake.groups == {}


# ------------------------------------------------------------------------------------------------ roles, policies


TRUST = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": "*"}}]}
POLICY = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}


def test_roles(configured: Path, iam_fake: IamFake, tmp_path: Path) -> None:
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(json.dumps(TRUST, indent=2))
    ok("iam", "role", "create", "ops", "--trust-policy", f"@{trust_file}", "--max-session-duration", "7200")
    action, body = last_call(iam_fake)
    assert action == "CreateRole" and body["MaxSessionDuration"] == 7200
    assert json.loads(body["AssumeRolePolicyDocument"]) == TRUST  # sent as text, unchanged
    shown = ok("iam", "role", "get", "ops").stdout
    assert f"acs:ram::{ACCOUNT}:role/ops" in shown and '"sts:AssumeRole"' in shown
    ok("iam", "role", "create", "dev", "--trust-policy", "@-", input=json.dumps(TRUST))
    assert [r["RoleName"] for r in json.loads(ok("iam", "role", "list", "--json").stdout)["Roles"]["Role"]] == [
        "ops",
        "dev",
    ]
    calls = len(iam_fake.calls)
    assert_one_line_error(
        invoke("iam", "role", "create", "x", "--trust-policy", "{nope"), 1, "--trust-policy is not JSON"
    )
    assert_one_line_error(invoke("iam", "role", "create", "x", "--trust-policy", "[]"), 1, "must be a JSON object")
    assert_one_line_error(
        invoke("iam", "role", "create", "x", "--trust-policy", f"@{tmp_path / 'missing.json'}"), 1, "cannot read"
    )
    assert len(iam_fake.calls) == calls  # refused before anything was sent
    ok("iam", "role", "delete", "dev")
    assert set(iam_fake.roles) == {"ops"}


def test_policies(configured: Path, iam_fake: IamFake) -> None:
    bad = {"Version": "1", "Statement": [POLICY["Statement"][0], {"Effect": "Maybe", "Action": "*", "Resource": "*"}]}
    error = assert_one_line_error(
        invoke("iam", "policy", "create", "p", "--document", json.dumps(bad)), 1, "InvalidPolicyDocument"
    )
    assert "Statement[1].Effect must be Allow or Deny, not 'Maybe'." in error  # the server's words, as they are

    result = ok("iam", "policy", "create", "ecs-all", "--document", json.dumps(POLICY), "--description", "all ECS")
    assert result.stdout.splitlines()[1].split()[:2] == ["ecs-all", "Custom"]
    shown = ok("iam", "policy", "get", "ecs-all").stdout
    assert '"Action": "ecs:*"' in shown  # the document, pretty-printed from the string the API carries
    got = json.loads(ok("iam", "policy", "get", "ecs-all", "--json").stdout)
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"]) == POLICY
    assert ok("iam", "policy", "list").stdout.splitlines()[1].startswith("ecs-all")

    ok("iam", "policy", "attach", "ecs-all", "--user", "alice")
    assert last_call(iam_fake) == (
        "AttachPolicyToUser",
        {"PolicyType": "Custom", "PolicyName": "ecs-all", "UserName": "alice"},
    )
    ok("iam", "policy", "attach", "ecs-all", "--group", "ops")
    assert last_call(iam_fake)[0] == "AttachPolicyToGroup"
    ok("iam", "policy", "attach", "ecs-all", "--role", "ops")
    assert last_call(iam_fake) == (
        "AttachPolicyToRole",
        {"PolicyType": "Custom", "PolicyName": "ecs-all", "RoleName": "ops"},
    )
    for wrong in ((), ("--user", "a", "--role", "b")):
        result = invoke("iam", "policy", "attach", "ecs-all", *wrong)
        assert result.exit_code == 2 and "exactly one of --user, --group, --role" in result.stderr
    listed = ok("iam", "policy", "list-for", "--user", "alice").stdout.splitlines()
    assert listed[1].split()[:2] == ["ecs-all", "Custom"]
    ok("iam", "policy", "detach", "ecs-all", "--user", "alice")
    assert last_call(iam_fake)[0] == "DetachPolicyFromUser"
    assert json.loads(ok("iam", "policy", "list-for", "--user", "alice", "--json").stdout)["Policies"]["Policy"] == []
    ok("iam", "policy", "delete", "ecs-all")
    assert iam_fake.policies == {}


# ------------------------------------------------------------------------------------------------- assume-role


ROLE_ARN = f"acs:ram::{ACCOUNT}:role/ops"


def test_assume_role_prints_credentials(configured: Path, iam_fake: IamFake, tmp_path: Path) -> None:
    session_policy = tmp_path / "narrow.json"
    session_policy.write_text(json.dumps(POLICY))
    result = ok("assume-role", ROLE_ARN, "--session-name", "me", "--duration", "900", "--policy", f"@{session_policy}")
    action, body = last_call(iam_fake)
    assert action == "AssumeRole"
    assert body["RoleArn"] == ROLE_ARN and body["RoleSessionName"] == "me" and body["DurationSeconds"] == 900
    assert json.loads(body["Policy"]) == POLICY
    assert "SecurityToken:   temp-token-0-CAIS" in result.stdout
    assert "assumed-role/ops/me" in result.stdout
    assert json.loads(ok("assume-role", ROLE_ARN, "--session-name", "me", "--json").stdout)["Credentials"]
    assert invoke("assume-role", ROLE_ARN, "--session-name", "me", "--duration", "0").exit_code == 2
    assert invoke("assume-role", ROLE_ARN).exit_code == 2  # --session-name is required


def test_assume_role_export_is_evaluable(configured: Path, iam_fake: IamFake) -> None:
    result = ok("assume-role", ROLE_ARN, "--session-name", "me", "--export")
    lines = result.stdout.splitlines()
    assert [line.split("=")[0] for line in lines] == [
        "export TETHER_ACCESS_KEY_ID",
        "export TETHER_ACCESS_KEY_SECRET",
        "export TETHER_SECURITY_TOKEN",
    ]
    shell = subprocess.run(
        ["sh", "-c", f'{result.stdout}\nprintf "%s|%s" "$TETHER_ACCESS_KEY_ID" "$TETHER_SECURITY_TOKEN"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == "STS.temp00000000|temp-token-0-CAIS"
    # The exported variables beat the admin's profile, and the fake accepts them only with the token.
    env = {"TETHER_ACCESS_KEY_ID": "STS.temp00000000", "TETHER_ACCESS_KEY_SECRET": "temp-secret-0-abcdef"}
    assert_one_line_error(invoke("iam", "user", "list", env=env), 1, "InvalidSecurityToken")
    assert invoke("iam", "user", "list", env={**env, "TETHER_SECURITY_TOKEN": "temp-token-0-CAIS"}).exit_code == 0
    assert iam_fake.calls[-1][2]["Authorization"].split("=")[1].startswith("STS.temp00000000")
    assert invoke("assume-role", ROLE_ARN, "--session-name", "me", "--export", "--save-profile", "x").exit_code == 2


def test_assume_role_save_profile(configured: Path, iam_fake: IamFake) -> None:
    result = ok("assume-role", ROLE_ARN, "--session-name", "me", "--save-profile", "ops")
    assert result.stdout == ""
    assert "profile 'ops'" in result.stderr and str(configured) in result.stderr
    assert "temp-secret" not in result.output and "temp-token" not in result.output
    profiles, current = load_profiles(configured)
    assert current == "default"  # the caller stays who they were
    saved = profiles["ops"]
    assert (saved.mode, saved.server, saved.ca_cert) == ("StsToken", iam_fake.url, str(iam_fake.tls.ca_cert))
    assert (saved.access_key_id, saved.security_token) == ("STS.temp00000000", "temp-token-0-CAIS")

    ok("iam", "user", "list", "--profile", "ops")
    assert iam_fake.calls[-1][2]["X-Tether-Security-Token"] == "temp-token-0-CAIS"
    # A long-term key from the environment does not borrow the profile's token.
    admin = {"TETHER_ACCESS_KEY_ID": KEY_ID, "TETHER_ACCESS_KEY_SECRET": KEY_SECRET}
    assert invoke("iam", "user", "list", "--profile", "ops", env=admin).exit_code == 0
    assert "X-Tether-Security-Token" not in iam_fake.calls[-1][2]
    summary = json.loads(ok("assume-role", ROLE_ARN, "--session-name", "me", "--save-profile", "ops", "--json").stdout)
    assert summary["Profile"] == "ops" and summary["Mode"] == "StsToken"
    assert "AccessKeySecret" not in json.dumps(summary) and KEY_SECRET not in json.dumps(summary)


def test_assume_role_refused(configured: Path, iam_fake: IamFake) -> None:
    iam_fake.keys.clear()  # every signature now fails
    result = invoke("assume-role", ROLE_ARN, "--session-name", "me", "--save-profile", "ops")
    assert_one_line_error(result, 1, "InvalidAccessKeyId.NotFound")
    assert "ops" not in load_profiles(configured)[0]


# --------------------------------------------------------------------------------------------- settings and tags


def test_session_manager_setting(configured: Path, iam_fake: IamFake) -> None:
    assert ok("settings", "session-manager").stdout == "SessionManager: enabled\n"
    assert ok("settings", "session-manager", "--disable").stdout == "SessionManager: disabled\n"
    assert iam_fake.calls[-2][:2] == (
        "ModifyCloudAssistantSettings",
        {"SettingType": "SessionManagerConfig", "SessionManagerConfig": {"SessionManagerEnabled": False}},
    )
    assert json.loads(ok("settings", "session-manager", "--enable", "--json").stdout)["StatusValue"] == "enabled"


def test_tags(configured: Path, iam_fake: IamFake) -> None:
    ok("tag", "add", "mi-1", "env=prod", "team=web", "empty=")
    assert last_call(iam_fake) == (
        "TagResources",
        {
            "ResourceType": "instance",
            "ResourceId": ["mi-1"],
            "Tag": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "web"}, {"Key": "empty", "Value": ""}],
        },
    )
    table = ok("tag", "list", "mi-1").stdout.splitlines()
    assert [line.split() for line in table] == [["Key", "Value"], ["empty", "-"], ["env", "prod"], ["team", "web"]]
    ok("tag", "remove", "mi-1", "team", "empty")
    assert last_call(iam_fake)[1] == {"ResourceType": "instance", "ResourceId": ["mi-1"], "TagKey": ["team", "empty"]}
    assert json.loads(ok("tag", "list", "mi-1", "--json").stdout)["TagResources"]["TagResource"][0]["TagKey"] == "env"
    ok("tag", "remove", "mi-1", "--all")
    assert iam_fake.tags == {}
    assert invoke("tag", "add", "mi-1", "novalue").exit_code == 2
    assert invoke("tag", "remove", "mi-1").exit_code == 2
    assert invoke("tag", "remove", "mi-1", "k", "--all").exit_code == 2

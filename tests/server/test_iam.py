"""RAM actions end to end: users, login profiles, access keys, groups, policies; refusals and their codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tether.store import RamUser

DESCRIBE = {"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


async def test_user_life_cycle_and_delete_conflicts(api, server) -> None:
    created = (await api.ok("CreateUser", {"UserName": "alice", "DisplayName": "Alice", "Comments": "ops"}))["User"]
    assert created["UserName"] == "alice" and created["UserId"].isdigit() and created["CreateDate"].endswith("Z")
    assert (await api.call("CreateUser", {"UserName": "alice"})).code == "EntityAlreadyExists.User"
    assert (await api.call("CreateUser", {"UserName": "bad name!"})).code == "InvalidParameter"
    assert (await api.ok("GetUser", {"UserName": "alice"}))["User"]["DisplayName"] == "Alice"
    updated = await api.ok("UpdateUser", {"UserName": "alice", "NewDisplayName": "Alice B"})
    assert updated["User"]["DisplayName"] == "Alice B"
    reply = await api.call("GetUser", {"UserName": "nobody"})
    assert (reply.status, reply.code) == (404, "EntityNotExist.User")

    key = (await api.ok("CreateAccessKey", {"UserName": "alice"}))["AccessKey"]
    await api.ok("CreatePolicy", {"PolicyName": "describe", "PolicyDocument": _doc(DESCRIBE)})
    await api.ok("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "describe", "UserName": "alice"})
    await api.ok("CreateGroup", {"GroupName": "ops"})
    await api.ok("AddUserToGroup", {"UserName": "alice", "GroupName": "ops"})
    assert (await api.call("AddUserToGroup", {"UserName": "alice", "GroupName": "ops"})).code \
        == "EntityAlreadyExists.User.Group"

    reply = await api.call("DeleteUser", {"UserName": "alice"})
    assert (reply.status, reply.code) == (409, "DeleteConflict.User.AccessKey")
    assert "DeleteAccessKey" in reply.body["Message"]
    await api.ok("DeleteAccessKey", {"UserName": "alice", "UserAccessKeyId": key["AccessKeyId"]})
    assert (await api.call("DeleteUser", {"UserName": "alice"})).code == "DeleteConflict.User.Group"
    assert (await api.call("DeleteGroup", {"GroupName": "ops"})).code == "DeleteConflict.Group.User"
    groups = await api.ok("ListGroupsForUser", {"UserName": "alice"})
    assert [g["GroupName"] for g in groups["Groups"]["Group"]] == ["ops"]
    members = await api.ok("ListUsersForGroup", {"GroupName": "ops"})
    assert [u["UserName"] for u in members["Users"]["User"]] == ["alice"]
    await api.ok("RemoveUserFromGroup", {"UserName": "alice", "GroupName": "ops"})
    assert (await api.call("DeleteUser", {"UserName": "alice"})).code == "DeleteConflict.User.Policy"
    assert (await api.call("DeletePolicy", {"PolicyName": "describe"})).code == "DeleteConflict.Policy.Attachment"
    entities = await api.ok("ListEntitiesForPolicy", {"PolicyType": "Custom", "PolicyName": "describe"})
    assert entities["Users"]["User"][0]["UserName"] == "alice" and entities["Roles"]["Role"] == []
    policies = await api.ok("ListPoliciesForUser", {"UserName": "alice"})
    assert [p["PolicyName"] for p in policies["Policies"]["Policy"]] == ["describe"]
    await api.ok("DetachPolicyFromUser", {"PolicyType": "Custom", "PolicyName": "describe", "UserName": "alice"})
    await api.ok("DeleteUser", {"UserName": "alice"})
    await api.ok("DeleteGroup", {"GroupName": "ops"})
    await api.ok("DeletePolicy", {"PolicyName": "describe"})
    assert (await api.ok("ListUsers", {}))["Users"]["User"] == []


async def test_list_users_pages_with_marker(api) -> None:
    for name in ("u1", "u2", "u3"):
        await api.ok("CreateUser", {"UserName": name})
    first = await api.ok("ListUsers", {"MaxItems": 2})
    assert [u["UserName"] for u in first["Users"]["User"]] == ["u1", "u2"] and first["IsTruncated"] is True
    rest = await api.ok("ListUsers", {"MaxItems": 2, "Marker": first["Marker"]})
    assert [u["UserName"] for u in rest["Users"]["User"]] == ["u3"] and rest["IsTruncated"] is False
    assert "Marker" not in rest
    assert (await api.call("ListUsers", {"MaxItems": 1001})).code == "InvalidParameter"


async def test_access_keys_limit_status_and_deletion(api, make_user) -> None:
    user = await make_user(DESCRIBE, name="kim")
    await user.ok("DescribeInstances", {})
    listed = (await api.ok("ListAccessKeys", {"UserName": "kim"}))["AccessKeys"]["AccessKey"]
    assert len(listed) == 1 and "AccessKeySecret" not in listed[0] and listed[0]["Status"] == "Active"
    second = (await api.ok("CreateAccessKey", {"UserName": "kim"}))["AccessKey"]
    assert second["AccessKeySecret"] and second["Status"] == "Active"
    reply = await api.call("CreateAccessKey", {"UserName": "kim"})
    assert (reply.status, reply.code) == (409, "LimitExceeded.User.AccessKey")

    await api.ok("UpdateAccessKey", {"UserName": "kim", "UserAccessKeyId": user.key_id, "Status": "Inactive"})
    reply = await user.call("DescribeInstances", {})
    assert (reply.status, reply.code) == (401, "InvalidAccessKeyId.Inactive")
    await api.ok("UpdateAccessKey", {"UserName": "kim", "UserAccessKeyId": user.key_id, "Status": "Active"})
    await user.ok("DescribeInstances", {})

    # a user manages its own keys when its policy allows it (UserName defaults to the caller)
    reply = await user.call("ListAccessKeys", {})
    assert reply.code == "Forbidden.RAM" and "acs:ram::" in reply.body["Message"]
    await api.ok("DeleteAccessKey", {"UserName": "kim", "UserAccessKeyId": user.key_id})
    reply = await user.call("DescribeInstances", {})
    assert (reply.status, reply.code) == (401, "InvalidAccessKeyId.NotFound")
    reply = await api.call("DeleteAccessKey", {"UserName": "kim", "UserAccessKeyId": user.key_id})
    assert reply.code == "EntityNotExist.User.AccessKey"
    # the administrator key belongs to no user and cannot be reached through the RAM actions
    reply = await api.call("UpdateAccessKey", {"UserName": "kim", "UserAccessKeyId": api.key_id, "Status": "Inactive"})
    assert reply.code == "EntityNotExist.User.AccessKey"
    assert (await api.call("ListAccessKeys", {})).code == "MissingParameter"


async def test_signature_failures_each_have_their_code_for_user_keys(api, make_user) -> None:
    user = await make_user(DESCRIBE)
    reply = await user.call("DescribeInstances", {}, send=b'{"InstanceName": "x"}')
    assert (reply.status, reply.code) == (400, "ContentSHA256Mismatch")
    nonce = "user-replayed-nonce-000001"
    await user.ok("DescribeInstances", {}, nonce=nonce)
    assert (await user.call("DescribeInstances", {}, nonce=nonce)).code == "SignatureNonceUsed"
    skewed = datetime.now(UTC) + timedelta(minutes=16)
    assert (await user.call("DescribeInstances", {}, now=skewed)).code == "InvalidTimeStamp.Expired"
    assert (await user.call("DescribeInstances", {}, secret="nope")).code == "SignatureDoesNotMatch"


async def test_login_profile_is_argon2_and_checked(api, server) -> None:
    await api.ok("CreateUser", {"UserName": "lee"})
    reply = await api.call("CreateLoginProfile", {"UserName": "lee", "Password": "short"})
    assert reply.code == "InvalidParameter.Password" and "8" in reply.body["Message"]
    profile = await api.ok("CreateLoginProfile", {"UserName": "lee", "Password": "correct horse battery"})
    assert profile["LoginProfile"]["UserName"] == "lee" and "correct horse" not in json.dumps(profile)
    assert (await api.call("CreateLoginProfile", {"UserName": "lee", "Password": "another one!"})).code \
        == "EntityAlreadyExists.User.LoginProfile"
    async with server.state.db.transaction() as s:
        row = await s.get(RamUser, "lee")
        assert row is not None and row.password_hash.startswith("$argon2id$")
        assert "correct horse" not in row.password_hash
    assert (await api.ok("GetLoginProfile", {"UserName": "lee"}))["LoginProfile"]["PasswordResetRequired"] is False
    await api.ok("DeleteLoginProfile", {"UserName": "lee"})
    assert (await api.call("GetLoginProfile", {"UserName": "lee"})).code == "EntityNotExist.User.LoginProfile"


async def test_invalid_policy_documents_change_nothing(api) -> None:
    await api.ok("CreatePolicy", {"PolicyName": "good", "PolicyDocument": _doc(DESCRIBE), "Description": "ok"})
    before = await api.ok("ListPolicies", {})
    bad = {
        "wrong-type": json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}),
        "unknown-op": _doc({**DESCRIBE, "Condition": {"StringSortOf": {"ecs:Username": "x"}}}),
        "bad-arn": _doc({**DESCRIBE, "Resource": "not-an-arn"}),
        "empty": json.dumps({"Version": "1", "Statement": []}),
        "not-json": "{nope",
        "huge": _doc({**DESCRIBE, "Resource": ["acs:ecs:*:*:instance/" + "x" * 1000] * 999}),
    }
    for name, document in bad.items():
        reply = await api.call("CreatePolicy", {"PolicyName": name, "PolicyDocument": document})
        assert (reply.status, reply.code) == (400, "InvalidParameter.PolicyDocument"), (name, reply)
    reply = await api.call("CreatePolicy", {"PolicyName": "x", "PolicyDocument": bad["wrong-type"]})
    assert "Statement[0].Action" in reply.body["Message"]
    reply = await api.call("CreatePolicy", {"PolicyName": "x", "PolicyDocument": bad["unknown-op"]})
    assert "Statement[0].Condition" in reply.body["Message"]
    reply = await api.call("CreatePolicy", {"PolicyName": "x", "PolicyDocument": bad["huge"]})
    assert "limit is 6144" in reply.body["Message"]
    reply = await api.call("CreatePolicy", {"PolicyName": "x", "PolicyDocument": {"Version": "1"}})
    assert reply.code == "InvalidParameter" and "PolicyDocument" in reply.body["Message"]
    after = await api.ok("ListPolicies", {})
    assert after["Policies"] == before["Policies"]
    got = await api.ok("GetPolicy", {"PolicyType": "Custom", "PolicyName": "good"})
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"]) == json.loads(_doc(DESCRIBE))
    assert got["Policy"]["PolicyType"] == "Custom" and got["Policy"]["AttachmentCount"] == 0
    assert (await api.call("GetPolicy", {"PolicyType": "System", "PolicyName": "good"})).code \
        == "EntityNotExist.Policy"


async def test_policy_changes_take_effect_on_the_next_request(api, make_user, server) -> None:
    user = await make_user(DESCRIBE, name="pat")
    await user.ok("DescribeInstances", {})
    cached = len(server.state.policy_cache)
    await user.ok("DescribeInstances", {})
    assert len(server.state.policy_cache) == cached  # parsed once, reused
    await api.ok("DetachPolicyFromUser", {"PolicyType": "Custom", "PolicyName": "pat-policy", "UserName": "pat"})
    assert (await user.call("DescribeInstances", {})).code == "Forbidden.RAM"

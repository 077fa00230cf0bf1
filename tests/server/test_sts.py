"""AssumeRole and temporary credentials: trust policies, session policies, tokens and expiry."""

from __future__ import annotations

import json

from support.wait import eventually

START = {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"}
DESCRIBE = {"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}


def _trust(*principals: str) -> str:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": list(principals)}}
    return json.dumps({"Version": "1", "Statement": [statement]})


async def _role(api, name: str, trust: str, *statements: dict) -> str:
    role = (await api.ok("CreateRole", {"RoleName": name, "AssumeRolePolicyDocument": trust}))["Role"]
    document = json.dumps({"Version": "1", "Statement": list(statements)})
    await api.ok("CreatePolicy", {"PolicyName": f"{name}-policy", "PolicyDocument": document})
    await api.ok("AttachPolicyToRole", {"PolicyType": "Custom", "PolicyName": f"{name}-policy", "RoleName": name})
    return role["Arn"]


async def test_assume_role_with_session_policy(api, server, make_agent) -> None:
    account = server.state.account_id
    agent = await make_agent()
    arn = await _role(api, "operator", _trust(f"acs:ram::{account}:root"), START, DESCRIBE)
    assert arn == f"acs:ram::{account}:role/operator"
    issued = await api.ok("AssumeRole", {"RoleArn": arn, "RoleSessionName": "alice"})
    creds = issued["Credentials"]
    assert creds["AccessKeyId"].startswith("STS.") and creds["SecurityToken"] and creds["Expiration"].endswith("Z")
    assert issued["AssumedRoleUser"]["Arn"] == f"acs:ram::{account}:assumed-role/operator/alice"
    role_api = api.with_credentials(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    await role_api.ok("DescribeInstances", {})
    await role_api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert (await role_api.call("CreateUser", {"UserName": "x"})).code == "Forbidden.RAM"
    identity = await role_api.ok("GetCallerIdentity", {})
    assert identity["IdentityType"] == "AssumedRoleUser" and identity["Arn"].endswith("operator/alice")

    narrow = json.dumps({"Version": "1", "Statement": [DESCRIBE]})
    issued = await api.ok("AssumeRole", {"RoleArn": arn, "RoleSessionName": "bob", "Policy": narrow})
    creds = issued["Credentials"]
    narrowed = api.with_credentials(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    await narrowed.ok("DescribeInstances", {})
    reply = await narrowed.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert reply.code == "Forbidden.RAM"
    reply = await api.call("AssumeRole", {"RoleArn": arn, "RoleSessionName": "bob", "Policy": '{"Version": "2"}'})
    assert reply.code == "InvalidParameter.Policy" and "Version" in reply.body["Message"]


async def test_trust_policy_and_caller_policy_both_required(api, server, make_user) -> None:
    account = server.state.account_id
    may_assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    alice = await make_user(may_assume, name="alice")
    bob = await make_user(may_assume, name="bob")
    carol = await make_user(name="carol")  # trusted, but her own policies do not allow sts:AssumeRole
    arn = await _role(api, "alice-only", _trust(f"acs:ram::{account}:user/alice", f"acs:ram::{account}:user/carol"),
                      DESCRIBE)
    issued = await alice.ok("AssumeRole", {"RoleArn": arn, "RoleSessionName": "s1"})
    assert issued["Credentials"]["AccessKeyId"].startswith("STS.")
    reply = await bob.call("AssumeRole", {"RoleArn": arn, "RoleSessionName": "s1"})
    assert (reply.status, reply.code) == (403, "Forbidden.RAM")
    assert reply.body["Message"] == f"You are not authorized to do action sts:AssumeRole on resource {arn}."
    assert (await carol.call("AssumeRole", {"RoleArn": arn, "RoleSessionName": "s1"})).code == "Forbidden.RAM"
    # the account root in the trust policy trusts every identity of the account
    open_arn = await _role(api, "anyone", _trust(account), DESCRIBE)
    await bob.ok("AssumeRole", {"RoleArn": open_arn, "RoleSessionName": "s2"})

    reply = await api.call("CreateRole", {"RoleName": "bad", "AssumeRolePolicyDocument": _trust("acs:ram::1:root")})
    assert reply.code == "InvalidParameter.AssumeRolePolicyDocument" and "Principal.RAM" in reply.body["Message"]
    reply = await api.call("CreateRole", {"RoleName": "bad", "AssumeRolePolicyDocument": "{}"})
    assert reply.code == "InvalidParameter.AssumeRolePolicyDocument"
    reply = await api.call("AssumeRole", {"RoleArn": arn, "RoleSessionName": "s", "DurationSeconds": 100})
    assert reply.code == "InvalidParameter"  # RoleSessionName too short
    reply = await api.call("AssumeRole", {"RoleArn": open_arn, "RoleSessionName": "s3", "DurationSeconds": 3601})
    assert reply.code == "InvalidParameter.DurationSeconds"
    reply = await api.call("AssumeRole", {"RoleArn": f"acs:ram::{account}:role/none", "RoleSessionName": "s3"})
    assert (reply.status, reply.code) == (404, "EntityNotExist.Role")


async def test_temporary_credentials_need_their_token_and_expire(make_server, api_for) -> None:
    server = await make_server(sts_min_duration=1)
    api = api_for(server)
    arn = await _role(api, "short", _trust(server.state.account_id), DESCRIBE)
    creds = (await api.ok("AssumeRole", {"RoleArn": arn, "RoleSessionName": "s1", "DurationSeconds": 1}))[
        "Credentials"]
    key, secret, token = creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"]
    reply = await api.call("DescribeInstances", {}, key_id=key, secret=secret)
    assert (reply.status, reply.code) == (401, "InvalidSecurityToken.Missing")
    reply = await api.call("DescribeInstances", {}, key_id=key, secret=secret, token="forged-token")
    assert (reply.status, reply.code) == (401, "InvalidSecurityToken.Mismatch")
    reply = await api.call("DescribeInstances", {}, key_id=key, secret="wrong", token=token)
    assert (reply.status, reply.code) == (401, "SignatureDoesNotMatch")
    reply = await api.call("DescribeInstances", {}, token=token)  # a permanent key with a token
    assert (reply.status, reply.code) == (401, "InvalidSecurityToken.Unexpected")

    async def expired():
        reply = await api.call("DescribeInstances", {}, key_id=key, secret=secret, token=token)
        return reply if reply.status != 200 else None

    # within 1.2 s, as before: the last call is made once that has passed
    reply = await eventually(expired, what="the temporary credentials to expire", timeout=1.2)
    assert (reply.status, reply.code) == (401, "InvalidSecurityToken.Expired")
    await api.ok("DetachPolicyFromRole", {"PolicyType": "Custom", "PolicyName": "short-policy", "RoleName": "short"})
    await api.ok("DeleteRole", {"RoleName": "short"})  # revokes its credentials
    reply = await api.call("DescribeInstances", {}, key_id=key, secret=secret, token=token)
    assert (reply.status, reply.code) == (401, "InvalidAccessKeyId.NotFound")


def _as(api, issued: dict):
    creds = issued["Credentials"]
    return api.with_credentials(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])


async def _delete_user(api, name: str, key_id: str) -> None:
    await api.ok("DeleteAccessKey", {"UserName": name, "UserAccessKeyId": key_id})
    await api.ok("DetachPolicyFromUser", {"PolicyType": "Custom", "PolicyName": f"{name}-policy", "UserName": name})
    await api.ok("DeleteUser", {"UserName": name})


ASSUME = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
CREATE_USER = {"Effect": "Allow", "Action": "ram:CreateUser", "Resource": "*"}


async def test_credentials_die_with_the_user_who_assumed_and_chains_are_bounded(api, server, make_user) -> None:
    """Finding 6: after its user was deleted, a role session chained AssumeRole twice and created a user."""
    account = server.state.account_id
    alice = await make_user(ASSUME, name="alice")
    first = await _role(api, "first", _trust(account), ASSUME, CREATE_USER, DESCRIBE)
    second = await _role(api, "second", _trust(account), ASSUME, CREATE_USER, DESCRIBE)
    third = await _role(api, "third", _trust(account), DESCRIBE)
    one = _as(api, await alice.ok("AssumeRole", {"RoleArn": first, "RoleSessionName": "one", "DurationSeconds": 3600}))
    two = _as(api, await one.ok("AssumeRole", {"RoleArn": second, "RoleSessionName": "two"}))
    await two.ok("DescribeInstances", {})
    too_deep = await two.call("AssumeRole", {"RoleArn": third, "RoleSessionName": "three"})
    assert (too_deep.status, too_deep.code) == (403, "Forbidden.RoleChainTooDeep"), too_deep.body
    row_one = await server.state.sts.get(one.key_id)
    row_two = await server.state.sts.get(two.key_id)
    assert (row_one.chain_depth, row_two.chain_depth) == (1, 2)
    assert row_one.origin_principal == row_two.origin_principal == f"acs:ram::{account}:user/alice"
    assert row_two.expires_at <= row_one.expires_at  # chained credentials never outlive their source

    await _delete_user(api, "alice", alice.key_id)
    for creds in (one, two):
        reply = await creds.call("CreateUser", {"UserName": "mallory"})
        assert (reply.status, reply.code) == (401, "InvalidSecurityToken.SourceGone"), reply.body
        assert (await creds.call("AssumeRole", {"RoleArn": third, "RoleSessionName": "x1"})).status == 401
    # a new user with the same name is not the origin either
    await api.ok("CreateUser", {"UserName": "alice"})
    assert (await one.call("DescribeInstances", {})).code == "InvalidSecurityToken.SourceGone"
    assert (await api.call("GetUser", {"UserName": "mallory"})).code == "EntityNotExist.User"


async def test_credentials_die_with_their_roles_and_their_trust(api, server, make_user) -> None:
    account = server.state.account_id
    bob = await make_user(ASSUME, name="bob")
    first = await _role(api, "upper", _trust(account), ASSUME, DESCRIBE)
    second = await _role(api, "lower", _trust(account), DESCRIBE)
    one = _as(api, await bob.ok("AssumeRole", {"RoleArn": first, "RoleSessionName": "one"}))
    two = _as(api, await one.ok("AssumeRole", {"RoleArn": second, "RoleSessionName": "two"}))
    await two.ok("DescribeInstances", {})
    # the role trusted the account; now it trusts someone else only: bob's credentials stop at once
    await api.ok("UpdateRole", {"RoleName": "upper",
                                "NewAssumeRolePolicyDocument": _trust(f"acs:ram::{account}:user/carol")})
    reply = await one.call("DescribeInstances", {})
    assert (reply.status, reply.code) == (401, "InvalidSecurityToken.TrustRevoked"), reply.body
    assert (await two.call("DescribeInstances", {})).code == "InvalidSecurityToken.TrustRevoked"
    await api.ok("UpdateRole", {"RoleName": "upper", "NewAssumeRolePolicyDocument": _trust(account)})
    await two.ok("DescribeInstances", {})
    # the intermediate role is deleted (and re-created): the chained credentials go with it
    await api.ok("DetachPolicyFromRole", {"PolicyType": "Custom", "PolicyName": "upper-policy", "RoleName": "upper"})
    await api.ok("DeleteRole", {"RoleName": "upper"})
    await api.ok("CreateRole", {"RoleName": "upper", "AssumeRolePolicyDocument": _trust(account)})
    reply = await two.call("DescribeInstances", {})
    assert (reply.status, reply.code) == (401, "InvalidSecurityToken.SourceGone"), reply.body

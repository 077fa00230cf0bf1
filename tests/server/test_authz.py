"""Policies decide what RAM users may do, end to end through signed HTTP requests against a real server."""

from __future__ import annotations

import json

START = {"Effect": "Allow", "Action": ["ecs:StartTerminalSession"], "Resource": "*"}
STATUS = {"Effect": "Allow", "Action": ["ecs:DescribeCloudAssistantStatus"], "Resource": "*"}


def _arn(server, instance_id: str) -> str:
    return f"acs:ecs:local:{server.state.account_id}:instance/{instance_id}"


async def test_documented_session_manager_policies(api, server, make_agent, make_user) -> None:
    agent = await make_agent()
    only_start = await make_user(START)
    started = await only_start.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert started["SessionId"].startswith("s-")
    reply = await only_start.call("DescribeCloudAssistantStatus", {"InstanceId": [agent.instance_id]})
    assert (reply.status, reply.code) == (403, "Forbidden.RAM")
    assert reply.body["Message"] == (
        f"You are not authorized to do action ecs:DescribeCloudAssistantStatus on resource "
        f"{_arn(server, agent.instance_id)}."
    )
    both = await make_user(START, STATUS)
    status = await both.ok("DescribeCloudAssistantStatus", {"InstanceId": [agent.instance_id]})
    (entry,) = status["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
    assert entry["CloudAssistantStatus"] == "true" and entry["SupportSessionManager"] is True
    assert entry["CloudAssistantVersion"] == "9.9.9" and entry["LastHeartbeatTime"].endswith("Z")
    assert (await both.ok("StartTerminalSession", {"InstanceId": [agent.instance_id]}))["WebSocketUrl"]
    nothing = await make_user()
    reply = await nothing.call("DescribeInstances", {})
    assert (reply.status, reply.code) == (403, "Forbidden.RAM")


async def test_resource_limits_user_to_one_instance(api, server, make_agent, make_user) -> None:
    mine, other = await make_agent(), await make_agent()
    statement = {
        "Effect": "Allow",
        "Action": ["ecs:StartTerminalSession", "ecs:DescribeCloudAssistantStatus"],
        "Resource": _arn(server, mine.instance_id),
    }
    user = await make_user(statement)
    await user.ok("StartTerminalSession", {"InstanceId": mine.instance_id})
    reply = await user.call("StartTerminalSession", {"InstanceId": other.instance_id})
    assert reply.code == "Forbidden.RAM" and other.instance_id in reply.body["Message"]
    # many instances at once: one refused instance refuses the call and is named
    reply = await user.call("DescribeCloudAssistantStatus", {"InstanceId": [mine.instance_id, other.instance_id]})
    assert reply.code == "Forbidden.RAM" and other.instance_id in reply.body["Message"]
    ok = await user.ok("DescribeCloudAssistantStatus", {"InstanceId": [mine.instance_id]})
    assert len(ok["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]) == 1
    reply = await user.call("StartTerminalSession", {"InstanceId": "mi-00000000000000000"})
    assert reply.code == "Forbidden.RAM"  # unknown instances are not revealed to those who may not use them


async def test_conditions_on_login_user_source_ip_and_tags(api, server, make_agent, make_user) -> None:
    agent = await make_agent()
    ops_only = await make_user({**START, "Condition": {"StringEquals": {"ecs:Username": ["ops"]}}})
    await ops_only.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "Username": "ops"})
    assert (await ops_only.call("StartTerminalSession", {"InstanceId": agent.instance_id, "Username": "root"})).code \
        == "Forbidden.RAM"
    assert (await ops_only.call("StartTerminalSession", {"InstanceId": agent.instance_id})).code == "Forbidden.RAM"
    default_user = await make_user({**START, "Condition": {"StringEquals": {"ecs:Username": "tether-user"}}})
    await default_user.ok("StartTerminalSession", {"InstanceId": agent.instance_id})

    office = await make_user({**START, "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}})
    assert (await office.call("StartTerminalSession", {"InstanceId": agent.instance_id})).code == "Forbidden.RAM"
    local = await make_user({**START, "Condition": {"IpAddress": {"acs:SourceIp": "127.0.0.0/8"},
                                                   "Bool": {"acs:SecureTransport": "true"}}})
    await local.ok("StartTerminalSession", {"InstanceId": agent.instance_id})

    prod_only = await make_user({**START, "Condition": {"StringEquals": {"ecs:tag/env": "prod"}}})
    assert (await prod_only.call("StartTerminalSession", {"InstanceId": agent.instance_id})).code == "Forbidden.RAM"
    await api.ok("TagResources", {"ResourceType": "instance", "ResourceId": [agent.instance_id],
                                  "Tag": [{"Key": "env", "Value": "prod"}]})
    await prod_only.ok("StartTerminalSession", {"InstanceId": agent.instance_id})


async def test_group_policies_apply_and_explicit_deny_wins(api, make_agent, make_user) -> None:
    agent = await make_agent()
    member = await make_user(START, name="member", group="operators")
    await member.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    deny = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}]}
    await api.ok("CreatePolicy", {"PolicyName": "deny-all", "PolicyDocument": json.dumps(deny)})
    await api.ok("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "deny-all", "UserName": "member"})
    assert (await member.call("StartTerminalSession", {"InstanceId": agent.instance_id})).code == "Forbidden.RAM"
    await api.ok("DetachPolicyFromUser", {"PolicyType": "Custom", "PolicyName": "deny-all", "UserName": "member"})
    await api.ok("RemoveUserFromGroup", {"UserName": "member", "GroupName": "operators"})
    assert (await member.call("StartTerminalSession", {"InstanceId": agent.instance_id})).code == "Forbidden.RAM"


async def test_session_manager_switch(api, make_agent, make_user) -> None:
    agent = await make_agent()
    assert (await api.ok("DescribeUserBusinessBehavior", {"StatusKey": "sessionManagerEnable"}))["StatusValue"] \
        == "enabled"
    body = {"SettingType": "SessionManagerConfig", "SessionManagerConfig": {"SessionManagerEnabled": False}}
    await api.ok("ModifyCloudAssistantSettings", body)
    assert (await api.ok("DescribeUserBusinessBehavior", {"StatusKey": "sessionManagerEnable"}))["StatusValue"] \
        == "disabled"
    settings = await api.ok("DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerConfig"]})
    assert settings["SessionManagerConfig"].items() >= {"SessionManagerEnabled": False, "RecordInput": False}.items()
    reply = await api.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert (reply.status, reply.code) == (403, "SessionManager.Disabled")
    assert "ModifyCloudAssistantSettings" in reply.body["Message"] and '"SessionManagerEnabled":true' in \
        reply.body["Message"]
    user = await make_user(START)
    assert (await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})).code \
        == "SessionManager.Disabled"
    assert (await user.call("ModifyCloudAssistantSettings", body)).code == "Forbidden.RAM"
    reply = await api.call("ModifyCloudAssistantSettings", {"SettingType": "OssDeliveryConfig"})
    assert reply.code == "InvalidParameter.SettingType"
    body["SessionManagerConfig"]["SessionManagerEnabled"] = True
    await api.ok("ModifyCloudAssistantSettings", body)
    await user.ok("StartTerminalSession", {"InstanceId": agent.instance_id})


async def test_tags(api, make_agent) -> None:
    agent = await make_agent(connect=False)
    iid = agent.instance_id
    tags = [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "core"}]
    await api.ok("TagResources", {"ResourceType": "instance", "ResourceId": [iid], "Tag": tags})
    (instance,) = (await api.ok("DescribeInstances", {"InstanceIds": [iid]}))["Instances"]
    assert instance["Tags"] == {"Tag": [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "core"}]}
    listed = await api.ok("ListTagResources", {"ResourceType": "instance", "Tag": [{"Key": "env", "Value": "prod"}]})
    assert listed["TagResources"]["TagResource"] == [
        {"ResourceId": iid, "ResourceType": "instance", "TagKey": "env", "TagValue": "prod"}
    ]
    page = await api.ok("ListTagResources", {"ResourceType": "instance", "ResourceId": [iid], "MaxResults": 1})
    rest = await api.ok("ListTagResources", {"ResourceType": "instance", "ResourceId": [iid],
                                             "NextToken": page["NextToken"]})
    assert [t["TagKey"] for t in page["TagResources"]["TagResource"] + rest["TagResources"]["TagResource"]] == \
        ["env", "team"]
    await api.ok("UntagResources", {"ResourceType": "instance", "ResourceId": [iid], "TagKey": ["team"]})
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(20)]
    reply = await api.call("TagResources", {"ResourceType": "instance", "ResourceId": [iid], "Tag": many})
    assert reply.code == "LimitExceeded.Instance.Tag"
    reply = await api.call("TagResources", {"ResourceType": "instance", "ResourceId": [iid],
                                            "Tag": [{"Key": "acs:x", "Value": "v"}]})
    assert reply.code == "InvalidParameter"
    await api.ok("UntagResources", {"ResourceType": "instance", "ResourceId": [iid], "All": True})
    (instance,) = (await api.ok("DescribeInstances", {"InstanceIds": [iid]}))["Instances"]
    assert instance["Tags"] == {"Tag": []}
    reply = await api.call("TagResources", {"ResourceType": "instance", "ResourceId": ["mi-00000000000000000"],
                                            "Tag": tags})
    assert reply.code == "InvalidInstance.NotFound"

"""DescribeTerminalSessions is authorised per instance (finding 5): a caller sees the sessions of the instances it
may describe, and their CommandLine, and nothing of the others."""

from __future__ import annotations

from typing import Any

import pytest

from tether.server.principals import instance_arn


async def _sessions(caller: Any, **body: Any) -> list[dict[str, Any]]:
    reply = await caller.call("DescribeTerminalSessions", body)
    assert reply.status == 200, reply.body
    return list(reply.body["Sessions"])


@pytest.fixture
async def server(make_server):  # this test starts more unconnected sessions than one principal may by default
    return await make_server(max_pending_sessions_per_principal=50)


async def test_a_caller_sees_only_the_sessions_of_instances_it_may_describe(api, make_agent, make_user) -> None:
    a, b = await make_agent(), await make_agent()
    for agent, command in ((a, "echo on-a"), (b, "mysql -psecret-on-b")):
        for _ in range(3):
            await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "CommandLine": command})
            await agent.next_open()
    state = api.server.state
    arn_a = instance_arn(state.config.region, state.account_id, a.instance_id)
    only_a = await make_user({"Effect": "Allow", "Action": "ecs:DescribeTerminalSessions", "Resource": arn_a})

    rows = await _sessions(only_a)
    assert len(rows) == 3 and {r["InstanceId"] for r in rows} == {a.instance_id}
    assert "secret-on-b" not in str(rows)
    # paging fills pages across the hidden sessions and never shows one of b
    first = await only_a.call("DescribeTerminalSessions", {"MaxResults": 2})
    assert len(first.body["Sessions"]) == 2 and "NextToken" in first.body
    rest = await _sessions(only_a, MaxResults=2, NextToken=first.body["NextToken"])
    assert {r["InstanceId"] for r in [*first.body["Sessions"], *rest]} == {a.instance_id}
    assert len({r["SessionId"] for r in [*first.body["Sessions"], *rest]}) == 3

    # an InstanceId filter is authorised on that instance: allowed -> its sessions, not allowed -> Forbidden.RAM
    assert len(await _sessions(only_a, InstanceId=a.instance_id)) == 3
    denied = await only_a.call("DescribeTerminalSessions", {"InstanceId": b.instance_id})
    assert (denied.status, denied.code) == (403, "Forbidden.RAM")
    # a SessionId of a hidden instance shows nothing
    b_session = (await _sessions(api, InstanceId=b.instance_id))[0]["SessionId"]
    assert await _sessions(only_a, SessionId=b_session) == []

    # "*" still works, and an explicit Deny on one instance hides it from a "*" grant
    everything = await make_user({"Effect": "Allow", "Action": "ecs:DescribeTerminalSessions", "Resource": "*"})
    assert {r["InstanceId"] for r in await _sessions(everything)} == {a.instance_id, b.instance_id}
    arn_b = instance_arn(state.config.region, state.account_id, b.instance_id)
    all_but_b = await make_user(
        {"Effect": "Allow", "Action": "ecs:DescribeTerminalSessions", "Resource": "*"},
        {"Effect": "Deny", "Action": "ecs:DescribeTerminalSessions", "Resource": arn_b},
    )
    assert {r["InstanceId"] for r in await _sessions(all_but_b)} == {a.instance_id}

    # tag conditions decide per instance too
    await api.ok("TagResources", {"ResourceType": "instance", "ResourceId": [b.instance_id],
                                  "Tag": [{"Key": "team", "Value": "db"}]})
    team_db = await make_user({"Effect": "Allow", "Action": "ecs:DescribeTerminalSessions", "Resource": "*",
                               "Condition": {"StringEquals": {"ecs:tag/team": "db"}}})
    assert {r["InstanceId"] for r in await _sessions(team_db)} == {b.instance_id}

    nobody = await make_user({"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"})
    assert await _sessions(nobody) == []

"""Port-forward sessions and SendSSHPublicKey on the server: parameters, policy keys, the agent round trip."""

from __future__ import annotations

import asyncio

import pytest
from support.wait import eventually

from tether.protocol import control


async def test_port_forward_session_tells_the_agent_its_target(api, make_agent) -> None:
    agent = await make_agent()
    reply = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 5432,
                                                  "TargetServer": "10.0.0.7"})
    opened = await agent.next_open()
    assert (opened.kind, opened.target_host, opened.target_port) == ("port_forward", "10.0.0.7", 5432)
    assert opened.session_id == reply["SessionId"]
    row = (await api.ok("DescribeTerminalSessions", {"SessionId": reply["SessionId"]}))["Sessions"][0]
    assert (row["Kind"], row["PortNumber"], row["TargetServer"]) == ("port_forward", 5432, "10.0.0.7")


async def test_port_forward_defaults_to_the_machine_itself(api, make_agent) -> None:
    agent = await make_agent()
    await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 22})
    opened = await agent.next_open()
    assert (opened.target_host, opened.target_port) == ("127.0.0.1", 22)


@pytest.mark.parametrize(
    "body",
    [
        {"PortNumber": 0},
        {"PortNumber": 70000},
        {"PortNumber": "22"},
        {"TargetServer": "10.0.0.7"},
        {"PortNumber": 22, "Username": "root"},
        {"PortNumber": 22, "CommandLine": "id"},
        {"PortNumber": 22, "TargetServer": "bad host;rm"},
    ],
)
async def test_bad_port_forward_parameters(api, make_agent, body) -> None:
    agent = await make_agent()
    reply = await api.call("StartTerminalSession", {"InstanceId": agent.instance_id, **body})
    assert reply.status == 400 and reply.code and reply.code.startswith("InvalidParameter"), reply.body


async def test_policy_sees_the_port_number(api, make_agent, make_user) -> None:
    agent = await make_agent()
    user = await make_user({
        "Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*",
        "Condition": {"NumericEquals": {"ecs:PortNumber": [22, 80]}},
    })
    ok = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 80})
    assert ok.status == 200, ok.body
    denied = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 5432})
    assert denied.status == 403 and denied.code == "Forbidden.RAM"
    shell = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert shell.code == "Forbidden.RAM"  # no port number: the condition cannot match


async def _answer_pushes(agent, result_for) -> None:
    while True:
        message = await asyncio.wait_for(_next_push(agent), 10)
        await agent.send(result_for(message))


async def _next_push(agent) -> control.PushKey:
    def first() -> control.PushKey | None:
        return next((m for m in agent.received if isinstance(m, control.PushKey)), None)

    message = await eventually(first, what="a push_key message for the agent", interval=0.01)
    agent.received.remove(message)
    return message


async def test_send_ssh_public_key_waits_for_the_agent(api, make_agent) -> None:
    agent = await make_agent()
    answered = asyncio.create_task(_answer_pushes(
        agent, lambda m: control.PushKeyResult(m.request_id, True, expires_at="2026-11-28T12:01:00Z")))
    try:
        reply = await api.ok("SendSSHPublicKey", {"InstanceId": agent.instance_id, "UserName": "alice",
                                                  "SSHPublicKey": "ssh-ed25519 AAAAC3Nza alice@laptop"})
        assert reply["Expiration"] == "2026-11-28T12:01:00Z"
    finally:
        answered.cancel()


async def test_send_ssh_public_key_passes_the_agents_refusal_on(api, make_agent) -> None:
    agent = await make_agent()
    answered = asyncio.create_task(_answer_pushes(
        agent, lambda m: control.PushKeyResult(m.request_id, False, "InvalidUser.NotFound", "no user 'alice'")))
    try:
        reply = await api.call("SendSSHPublicKey", {"InstanceId": agent.instance_id, "UserName": "alice",
                                                    "SSHPublicKey": "ssh-ed25519 AAAAC3Nza alice@laptop"})
        assert (reply.status, reply.code) == (404, "InvalidUser.NotFound")
        assert "alice" in reply.body["Message"]
    finally:
        answered.cancel()


async def test_send_ssh_public_key_to_a_silent_agent_times_out(make_server, make_agent_for) -> None:
    server = await make_server(push_key_timeout=0.5)
    api, agent = await make_agent_for(server)
    reply = await api.call("SendSSHPublicKey", {"InstanceId": agent.instance_id, "UserName": "alice",
                                                "SSHPublicKey": "ssh-ed25519 AAAAC3Nza"})
    assert (reply.status, reply.code) == (409, "InvalidInstance.Offline")


async def test_send_ssh_public_key_policy_on_username(api, make_agent, make_user) -> None:
    agent = await make_agent()
    user = await make_user({
        "Effect": "Allow", "Action": "ecs:SendSSHPublicKey", "Resource": "*",
        "Condition": {"StringEquals": {"ecs:Username": "deploy"}},
    })
    denied = await user.call("SendSSHPublicKey", {"InstanceId": agent.instance_id, "UserName": "root",
                                                  "SSHPublicKey": "ssh-ed25519 AAAA"})
    assert (denied.status, denied.code) == (403, "Forbidden.RAM")
    assert not any(isinstance(m, control.PushKey) for m in agent.received)


async def test_send_ssh_public_key_offline_instance(api, make_agent) -> None:
    agent = await make_agent(connect=False)
    reply = await api.call("SendSSHPublicKey", {"InstanceId": agent.instance_id, "UserName": "alice",
                                                "SSHPublicKey": "ssh-ed25519 AAAA"})
    assert reply.code == "InvalidInstance.Offline"


LOOPBACK_IN_DISGUISE = ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "0.0.0.0", "127.000.000.001",
                        "::ffff:127.0.0.1", "::", "localhost.0x7f"]


@pytest.mark.parametrize("spelling", LOOPBACK_IN_DISGUISE)
async def test_non_canonical_targets_cannot_evade_a_deny(api, make_agent, make_user, spelling) -> None:
    """Finding 4: a Deny on 127.0.0.1 / 127.0.0.0/8 held only for that spelling; other spellings are now refused
    with a coded 400 before any policy is evaluated, and the agent is told nothing."""
    agent = await make_agent()
    user = await make_user(
        {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"},
        {"Effect": "Deny", "Action": "ecs:StartTerminalSession", "Resource": "*",
         "Condition": {"IpAddress": {"ecs:TargetServer": "127.0.0.0/8"}}},
        {"Effect": "Deny", "Action": "ecs:StartTerminalSession", "Resource": "*",
         "Condition": {"StringEquals": {"ecs:TargetServer": "127.0.0.1"}}},
    )
    reply = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 6379,
                                                     "TargetServer": spelling})
    assert reply.status == 400 and reply.code == "InvalidParameter.TargetServer", reply.body
    assert "TargetServer" in reply.body["Message"]
    denied = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 6379,
                                                      "TargetServer": "127.0.0.1"})
    assert denied.code == "Forbidden.RAM"
    assert not [m for m in agent.received if isinstance(m, control.OpenSession)]


@pytest.mark.parametrize(("given", "canonical"), [("0:0:0:0:0:0:0:1", "::1"), ("FE80:0::1", "fe80::1"),
                                                 ("DB.Example.", "db.example"), ("10.0.0.7", "10.0.0.7")])
async def test_the_policy_and_the_agent_see_the_canonical_target(api, make_agent, make_user, given, canonical) -> None:
    agent = await make_agent()
    user = await make_user({"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*",
                            "Condition": {"StringEquals": {"ecs:TargetServer": canonical}}})
    reply = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 5432,
                                                     "TargetServer": given})
    assert reply.status == 200, reply.body
    opened = await agent.next_open()
    assert opened.target_host == canonical
    row = (await api.ok("DescribeTerminalSessions", {"SessionId": reply.body["SessionId"]}))["Sessions"][0]
    assert row["TargetServer"] == canonical


async def test_simulation_sees_the_target_as_the_real_call_does(api, make_user) -> None:
    user = await make_user(
        {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"},
        {"Effect": "Deny", "Action": "ecs:StartTerminalSession", "Resource": "*",
         "Condition": {"StringEquals": {"ecs:TargetServer": "::1"}}},
    )

    async def simulate(target: str):
        return await user.call("SimulatePrincipalPolicy", {
            "ActionNames": ["ecs:StartTerminalSession"],
            "ContextEntries": [{"ContextKeyName": "ecs:TargetServer", "ContextKeyValues": [target]}]})

    reply = await simulate("0:0::1")
    assert reply.status == 200 and reply.body["EvaluationResults"][0]["Decision"] == "explicitDeny", reply.body
    reply = await simulate("127.1")
    assert (reply.status, reply.code) == (400, "InvalidParameter.TargetServer")

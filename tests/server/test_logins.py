"""StartTerminalSession decides on the login user that really runs, whether it can sudo, and the session kind."""

from __future__ import annotations

from tether.protocol import control

SHELL_ONLY = {
    "Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*",
    "Condition": {"StringEquals": {"ecs:SessionKind": "Shell"}},
}
NO_SUDO = {
    "Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*",
    "Condition": {"Bool": {"ecs:Sudo": False}},
}
NOT_OPS = [
    {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"},
    {"Effect": "Deny", "Action": "ecs:StartTerminalSession", "Resource": "*",
     "Condition": {"StringEquals": {"ecs:Username": "ops"}}},
]


async def test_shell_only_policy_refuses_forwards_and_commands(make_agent, make_user) -> None:
    agent = await make_agent()
    user = await make_user(SHELL_ONLY)
    assert (await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})).status == 200
    forward = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 6379})
    assert forward.status == 403 and forward.code == "Forbidden.RAM"
    command = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "CommandLine": "id"})
    assert command.status == 403 and command.code == "Forbidden.RAM"


async def test_username_is_the_default_user_the_agent_reported(api, make_agent, make_user) -> None:
    agent = await make_agent(default_user="ops", default_user_sudo=False, notices=("sudo is not installed: x",))
    info = (await api.ok("DescribeInstances", {"InstanceIds": [agent.instance_id]}))["Instances"][0]
    assert (info["LoginUser"], info["LoginUserSudo"], info["Notices"]) == ("ops", False, ["sudo is not installed: x"])
    user = await make_user(*NOT_OPS)
    denied = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert denied.status == 403 and denied.code == "Forbidden.RAM"
    reply = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    opened = await agent.next_open()
    assert opened.username == "ops" and not opened.no_new_privileges
    row = (await api.ok("DescribeTerminalSessions", {"SessionId": reply["SessionId"]}))["Sessions"][0]
    assert row["Username"] == "ops" and row["NoNewPrivileges"] is False


async def test_sudo_false_only_starts_the_shell_without_privilege_gain(api, make_agent, make_user) -> None:
    agent = await make_agent(default_user="tether-user", default_user_sudo=True)
    user = await make_user(NO_SUDO)
    reply = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert reply.status == 200, reply.body
    opened = await agent.next_open()
    assert isinstance(opened, control.OpenSession) and opened.no_new_privileges and opened.username == "tether-user"
    row = (await api.ok("DescribeTerminalSessions", {"SessionId": reply.body["SessionId"]}))["Sessions"][0]
    assert row["NoNewPrivileges"] is True
    root = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "Username": "root"})
    assert root.status == 403 and root.code == "Forbidden.RAM"  # root can never be without privilege
    simulated = await user.call("SimulatePrincipalPolicy", {"ActionNames": ["ecs:StartTerminalSession"]})
    assert simulated.body["EvaluationResults"][0]["Decision"] == "allowed"


async def test_an_agent_that_cannot_enforce_no_sudo_is_refused(make_agent, make_user) -> None:
    agent = await make_agent()  # reports no default user: it predates no_new_privileges
    user = await make_user(NO_SUDO)
    reply = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert reply.status == 409 and reply.code == "UnsupportedOperation.NoNewPrivileges"


async def test_ssh_keys_see_sudo_and_have_no_sudo_less_fallback(make_agent, make_user) -> None:
    agent = await make_agent(default_user="tether-user", default_user_sudo=True)
    user = await make_user({**NO_SUDO, "Action": "ecs:SendSSHPublicKey"})
    body = {"InstanceId": agent.instance_id, "UserName": "tether-user", "SSHPublicKey": "ssh-ed25519 AAAA x"}
    denied = await user.call("SendSSHPublicKey", body)
    assert denied.status == 403 and denied.code == "Forbidden.RAM"


async def test_the_never_as_root_example_of_the_docs_holds(make_agent, make_user) -> None:
    """docs/policies.md: Allow shells, Deny root by name, Deny ecs:Sudo true -> sudo-less shells, never root."""
    agent = await make_agent(default_user="tether-user", default_user_sudo=True)
    user = await make_user(
        {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*",
         "Condition": {"StringEquals": {"ecs:SessionKind": "Shell"}}},
        {"Effect": "Deny", "Action": "ecs:StartTerminalSession", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase": {"ecs:Username": ["root", "admin"]}}},
        {"Effect": "Deny", "Action": "ecs:StartTerminalSession", "Resource": "*",
         "Condition": {"Bool": {"ecs:Sudo": True}}},
    )
    ok = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert ok.status == 200, ok.body
    assert (await agent.next_open()).no_new_privileges
    for name in ("root", "ops"):  # root by name; any other user counts as able to sudo, and is then sudo-less
        reply = await user.call("StartTerminalSession", {"InstanceId": agent.instance_id, "Username": name})
        if name == "root":
            assert reply.status == 403 and reply.code == "Forbidden.RAM"
        else:
            assert reply.status == 200 and (await agent.next_open()).no_new_privileges

"""Who a shell really runs as, whether it can sudo, and what a shell permission does not include, end to end.

A real server and real agents (as root: the agent creates and converges its default users). Users with policies
work through their own profiles, as in test_access_control.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
from support.stack import Stack
from support.wait import eventually_sync

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the agent switches to its login users")

# bob may open interactive shells (as any user the agent gives him) but never with sudo, and nothing else.
SHELL_NO_SUDO = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecs:Describe*"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "ecs:StartTerminalSession",
            "Resource": "*",
            "Condition": {"StringEquals": {"ecs:SessionKind": "Shell", "ecs:Sudo": "false"}},
        },
    ],
}
# carol may open anything except as the user tether-h1own (the default user of a second agent).
NOT_H1OWN = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecs:Describe*", "ecs:StartTerminalSession"], "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "ecs:StartTerminalSession",
            "Resource": "*",
            "Condition": {"StringEquals": {"ecs:Username": "tether-h1own"}},
        },
    ],
}


def make_user(stack: Stack, name: str, policy: dict[str, Any]) -> None:
    """A RAM user with `policy` and a profile of the same name holding its key."""
    stack.cli("iam", "user", "create", name)
    stack.cli("iam", "policy", "create", f"{name}-policy", "--document", json.dumps(policy))
    stack.cli("iam", "policy", "attach", f"{name}-policy", "--user", name)
    created = stack.cli("iam", "access-key", "create", name)
    lines = dict(line.split(":", 1) for line in created.stdout.splitlines())
    proc = subprocess.run(
        [sys.executable, "-m", "tether", "configure", "--profile", name, "--server", stack.creds["server"],
         "--ca-cert", stack.creds["ca_cert"], "--access-key-id", lines["AccessKeyId"].strip(),
         "--access-key-secret", lines["AccessKeySecret"].strip()],
        capture_output=True, text=True, env=stack.base_env(), timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def as_profile(stack: Stack, profile: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tether", *args, "--profile", profile],
        capture_output=True, text=True, env=stack.base_env(), timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def api_as(stack: Stack, profile: str, action: str, body: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return as_profile(stack, profile, "api", action, "--body", json.dumps(body))


def run_in_shell(stack: Stack, profile: str, instance: str, script: str) -> str:
    """Open a shell through the CLI as `profile`, run `script`, exit; the output between two markers."""
    child = pexpect.spawn(
        sys.executable, ["-m", "tether", "session", "-i", instance, "--profile", profile],
        env=stack.base_env(), dimensions=(30, 200), timeout=30,
    )  # fmt: skip
    try:
        child.sendline(f"echo BEGIN-$((6*7)); {script}; echo END-$((6*7))")
        child.expect("BEGIN-42")
        child.expect("END-42")
        out = child.before.decode(errors="replace")
        child.sendline("exit")
        child.expect(pexpect.EOF)
        return out
    finally:
        child.close(force=True)


def session_row(stack: Stack, session_id: str) -> dict[str, Any]:
    reply = stack.api("DescribeTerminalSessions", {"SessionId": session_id})
    return reply["Sessions"][0]  # type: ignore[no-any-return]


def newest_session(stack: Stack, instance: str) -> dict[str, Any]:
    reply = stack.api("DescribeTerminalSessions", {"InstanceId": instance, "MaxResults": 1})
    return reply["Sessions"][0]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def bounded(stack: Stack) -> str:
    """The shared agent, with one forward target only (finding 17)."""

    def configure(state: Path) -> None:
        stack.set_agent_settings(state, forward_targets=["127.0.0.1:22"])

    return stack.add_agent("bounded", configure=configure)


def test_sudo_false_policy_gets_a_shell_where_sudo_cannot_work(stack: Stack, bounded: str) -> None:
    """Finding 1: an Allow only for ecs:Sudo=false starts the shell with no_new_privileges; `sudo -n id` fails."""
    make_user(stack, "bob", SHELL_NO_SUDO)
    info = stack.api("DescribeInstances", {"InstanceIds": [bounded]})["Instances"][0]
    assert info["LoginUser"] == "tether-user" and info["LoginUserSudo"] is True

    out = run_in_shell(stack, "bob", bounded, "id -un; sudo -n id; echo sudo-status-$?")
    assert "tether-user" in out
    assert "uid=0" not in out and "sudo-status-0" not in out
    row = newest_session(stack, bounded)
    assert row["NoNewPrivileges"] is True and row["Username"] == "tether-user"

    # The administrator (account root: allowed with sudo) still gets working sudo: the restriction is bob's.
    child = stack.session(bounded)
    try:
        child.sendline("echo ROOT-$(sudo -n id -u)-$((1+1))")
        child.expect(r"ROOT-(\d*)-2")
        assert child.match.group(1) == b"0"
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert newest_session(stack, bounded)["NoNewPrivileges"] is False


def test_never_as_root_really_prevents_root(stack: Stack, bounded: str) -> None:
    """Finding 1: with ecs:Sudo false only, asking for root is refused (root can always 'sudo')."""
    refused = api_as(stack, "bob", "StartTerminalSession", {"InstanceId": bounded, "Username": "root"})
    assert refused.returncode == 1 and "Forbidden.RAM" in refused.stderr


def test_shell_only_policy_cannot_forward(stack: Stack, bounded: str) -> None:
    """Finding 3: a shell permission (ecs:SessionKind Shell) is not a forward permission, nor a command one."""
    forward = api_as(stack, "bob", "StartTerminalSession", {"InstanceId": bounded, "PortNumber": 6379})
    assert forward.returncode == 1 and "Forbidden.RAM" in forward.stderr
    command = api_as(stack, "bob", "StartTerminalSession", {"InstanceId": bounded, "CommandLine": "id"})
    assert command.returncode == 1 and "Forbidden.RAM" in command.stderr


def test_agent_refuses_a_forward_target_outside_its_bounds(stack: Stack, bounded: str) -> None:
    """Finding 17: the server names 127.0.0.1:6379; the agent only forwards to 127.0.0.1:22 and says so."""
    reply = stack.api("StartTerminalSession", {"InstanceId": bounded, "PortNumber": 6379})

    def failed() -> dict[str, Any] | None:
        row = session_row(stack, reply["SessionId"])
        return row if row["State"] != "pending" and row["EndReason"] else None

    row = eventually_sync(failed, what="the agent to refuse the forward", timeout=20)
    assert row["EndReason"] == "failed: Bounds.ForwardTarget"


def test_every_record_names_the_real_login_user(stack: Stack, bounded: str, tmp_path: Path) -> None:
    """Finding 2: session row, recording title and audit row name the user that ran."""
    child = stack.session(bounded)
    try:
        child.sendline("echo hi-$((2+3))")
        child.expect("hi-5")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    row = newest_session(stack, bounded)
    assert row["Username"] == "tether-user"
    events = json.loads(stack.cli("audit", "--since", "1h", "--limit", "1000", "--json").stdout)["Events"]
    starts = [e for e in events if e.get("SessionId") == row["SessionId"] and e.get("EventName") == "SessionStart"]
    assert starts and "login user tether-user" in (starts[0].get("Detail") or "")

    def recorded() -> bool:
        return bool(session_row(stack, row["SessionId"])["Recording"]["Sealed"])

    eventually_sync(recorded, what="the recording to be sealed", timeout=20)
    cast = tmp_path / "s.cast"
    stack.cli("recordings", "export", row["SessionId"], "-o", str(cast))
    header = json.loads(cast.read_text().splitlines()[0])
    assert "tether-user" in header["title"]


def test_username_condition_sees_the_agents_real_default_user(stack: Stack) -> None:
    """Finding 2: ecs:Username is the default user the agent reported, not a constant."""

    def configure(state: Path) -> None:
        stack.set_agent_settings(state, default_user="tether-h1own", default_user_sudo=False)

    other = stack.add_agent("own-user", configure=configure)
    info = stack.api("DescribeInstances", {"InstanceIds": [other]})["Instances"][0]
    assert info["LoginUser"] == "tether-h1own" and info["LoginUserSudo"] is False
    assert "tether-h1own (no sudo)" in stack.cli("instances").stdout

    make_user(stack, "carol", NOT_H1OWN)
    refused = api_as(stack, "carol", "StartTerminalSession", {"InstanceId": other})
    assert refused.returncode == 1 and "Forbidden.RAM" in refused.stderr

    out = run_in_shell(stack, "bob", other, "id -un")  # no sudo to drop: bob's Sudo=false Allow applies directly
    assert "tether-h1own" in out
    row = newest_session(stack, other)
    assert row["Username"] == "tether-h1own" and row["NoNewPrivileges"] is False


def test_existing_user_without_drop_in_gets_it_on_next_start(stack: Stack) -> None:
    """Finding 16: an account made by hand (no sudoers drop-in) gets the rule when the agent starts."""
    name = "tether-h1conv"
    if subprocess.run(["id", name], capture_output=True, check=False).returncode != 0:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    drop_in = Path("/etc/sudoers.d") / name
    drop_in.unlink(missing_ok=True)

    def configure(state: Path) -> None:
        stack.set_agent_settings(state, default_user=name)

    converged = stack.add_agent("converge", configure=configure)
    assert drop_in.is_file() and f"{name} ALL=(ALL) NOPASSWD:ALL" in drop_in.read_text()
    info = stack.api("DescribeInstances", {"InstanceIds": [converged]})["Instances"][0]
    assert info["LoginUser"] == name and info["LoginUserSudo"] is True
    assert pwd.getpwnam(name).pw_uid != 0

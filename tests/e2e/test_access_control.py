"""Access control end to end: an administrator creates a user with a policy, the user works through a second
profile and is allowed or refused exactly as the policy says, temporary credentials from a role work as a StsToken
profile, and `tether audit` shows every one of those calls with the decision behind it.

Everything goes through the `tether` command in subprocesses against a real server and agent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pexpect
import pytest
from support.stack import Stack

from tether.client.profile import load_profiles

# Alice may list instances and open shells, but only on instances tagged env=dev.
ALICE_POLICY = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecs:DescribeInstances"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["ecs:StartTerminalSession"],
            "Resource": "*",
            "Condition": {"StringEquals": {"ecs:tag/env": "dev"}},
        },
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram::*:role/readers"},
    ],
}
# What the role `readers` may do: list instances, nothing else.
READERS_POLICY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}],
}


def as_profile(stack: Stack, profile: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `tether ARGS` with only the profile file: none of the administrator's TETHER_* variables."""
    proc = subprocess.run(
        [sys.executable, "-m", "tether", *args, "--profile", profile],
        capture_output=True,
        text=True,
        env=stack.base_env(),
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"tether {' '.join(args)} --profile {profile} exited {proc.returncode}: {proc.stderr}")
    return proc


def session_as(stack: Stack, profile: str, instance: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "tether", "session", "-i", instance, "--profile", profile],
        env=stack.base_env(),
        dimensions=(30, 100),
        timeout=20,
    )


def events(stack: Stack, *filters: str) -> list[dict[str, Any]]:
    out = stack.cli("audit", "--since", "1h", "--limit", "1000", "--json", *filters).stdout
    return json.loads(out)["Events"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def alice(stack: Stack) -> str:
    """User alice with ALICE_POLICY and a profile `alice` holding her access key; returns the key's id."""
    stack.cli("iam", "user", "create", "alice", "--display-name", "Alice")
    stack.cli("iam", "policy", "create", "dev-shell", "--document", json.dumps(ALICE_POLICY))
    stack.cli("iam", "policy", "attach", "dev-shell", "--user", "alice")
    created = stack.cli("iam", "access-key", "create", "alice")
    lines = dict(line.split(":", 1) for line in created.stdout.splitlines())
    key_id, secret = lines["AccessKeyId"].strip(), lines["AccessKeySecret"].strip()
    assert "cannot be shown again" in created.stderr
    assert secret not in stack.cli("iam", "access-key", "list", "alice").stdout
    proc = subprocess.run(
        [sys.executable, "-m", "tether", "configure", "--profile", "alice", "--server", stack.creds["server"],
         "--ca-cert", stack.creds["ca_cert"], "--access-key-id", key_id, "--access-key-secret", secret],
        capture_output=True, text=True, env=stack.base_env(), timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert secret not in proc.stdout + proc.stderr
    return key_id


def test_policy_allows_denies_and_audit_shows_why(stack: Stack, instance: str, alice: str) -> None:
    # Allowed by statement 0: the listing works with alice's own key.
    listing = json.loads(as_profile(stack, "alice", "instances", "--json").stdout)
    assert instance in [i["InstanceId"] for i in listing["Instances"]]

    # Not allowed at all: default deny, one line naming the action.
    refused = as_profile(stack, "alice", "api", "CreateActivation", check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("tether: Forbidden.RAM") and "CreateActivation" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    refused = as_profile(stack, "alice", "iam", "user", "list", check=False)
    assert refused.returncode == 1 and "Forbidden" in refused.stderr

    # The instance is not tagged env=dev yet: the shell is refused (exit 255, like ssh).
    child = session_as(stack, "alice", instance)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 255
    assert b"Forbidden" in (child.before or b"")

    stack.cli("tag", "add", instance, "env=dev", "team=web")
    assert stack.cli("tag", "list", instance).stdout.split() == ["Key", "Value", "env", "dev", "team", "web"]
    child = session_as(stack, "alice", instance)
    child.send(b"echo ALICE_$((6*7))\r")
    child.expect(b"ALICE_42")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    stack.cli("tag", "remove", instance, "env")
    child = session_as(stack, "alice", instance)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 255

    # The audit trail has each of those calls with the decision behind it.
    starts = [
        e
        for e in events(stack, "--action", "StartTerminalSession")
        if e["UserIdentity"]["PrincipalArn"].endswith(":user/alice")
    ]
    assert [e["Result"] for e in starts] == ["Forbidden.RAM", "Success", "Forbidden.RAM"]  # newest first
    assert starts[1]["Decision"] == {"Effect": "Allow", "PolicyName": "dev-shell", "StatementIndex": 1}
    assert starts[0]["Decision"]["Effect"] == "ImplicitDeny" and starts[0]["HttpStatus"] == 403
    assert all(e["ResourceName"].endswith(f"instance/{instance}") for e in starts)

    table = stack.cli("audit", "--since", "1h", "--action", "CreateActivation", "--result", "Failure").stdout
    header, *rows = table.splitlines()
    assert header.split() == ["Time", "Principal", "Action", "Resource", "Result", "Decision", "SourceIp"]
    assert any(":user/alice" in row and "ImplicitDeny" in row and "127.0.0.1" in row for row in rows), table
    table = stack.cli("audit", "--since", "1h", "--action", "StartTerminalSession", "--result", "Success").stdout
    assert any(":user/alice" in row and "Allow dev-shell#1" in row for row in table.splitlines()), table


def test_assumed_role_profile(stack: Stack, instance: str, alice: str) -> None:
    account = stack.api("GetCallerIdentity")["AccountId"]
    trust = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{account}:root"]}}
        ],
    }
    stack.cli("iam", "role", "create", "readers", "--trust-policy", json.dumps(trust), "--max-session-duration", "3600")
    stack.cli("iam", "policy", "create", "read-instances", "--document", json.dumps(READERS_POLICY))
    stack.cli("iam", "policy", "attach", "read-instances", "--role", "readers")
    role_arn = f"acs:ram::{account}:role/readers"

    saved = as_profile(stack, "alice", "assume-role", role_arn, "--session-name", "alice-e2e", "--duration", "900",
                       "--save-profile", "readers")  # fmt: skip
    assert saved.stdout == "" and "profile 'readers'" in saved.stderr and "STS." not in saved.stderr
    profiles, current = load_profiles(stack.root / "config.toml")
    assert profiles["readers"].mode == "StsToken" and profiles["readers"].security_token
    assert profiles["readers"].server == stack.creds["server"] and current == "alice"

    # The StsToken profile works on its own (no TETHER_* variables), within the role's policy only.
    listing = json.loads(as_profile(stack, "readers", "instances", "--json").stdout)
    assert instance in [i["InstanceId"] for i in listing["Instances"]]
    refused = as_profile(stack, "readers", "api", "CreateActivation", check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("tether: Forbidden.RAM")

    # --export lines work the same way through the environment.
    exported = as_profile(stack, "alice", "assume-role", role_arn, "--session-name", "alice-env", "--export").stdout
    env = stack.base_env()
    env.update(dict(line.removeprefix("export ").split("=", 1) for line in exported.splitlines()))
    env["TETHER_PROFILE"] = "alice"  # server and CA from alice's profile, key and token from the environment
    proc = subprocess.run([sys.executable, "-m", "tether", "api", "GetCallerIdentity"], capture_output=True,
                          text=True, env=env, timeout=60, check=True)  # fmt: skip
    assert json.loads(proc.stdout)["Arn"] == f"acs:ram::{account}:assumed-role/readers/alice-env"

    # The audit trail names the role session, and who may audit is up to policy too.
    role_events = events(stack, "--principal", f"acs:ram::{account}:assumed-role/readers/alice-e2e")
    assert {e["EventName"] for e in role_events} >= {"DescribeInstances", "CreateActivation"}
    refused = as_profile(stack, "readers", "audit", check=False)
    assert refused.returncode == 1 and "Forbidden.RAM" in refused.stderr

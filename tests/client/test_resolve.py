"""`-i` by id, name, hostname or tag, and `tether instances` filters, against a real server (tests/support/stack.py).

Most instances are registered straight through RegisterInstance with the hostnames and names the tests need (no
agent runs for them, so they are Offline); one real agent gives an Online instance to open a session on by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.stack import Stack

from tether.auth.agentkey import public_key_text
from tether.client.api import ApiClient
from tether.client.resolve import AmbiguousInstance, InstanceNotFound, looks_like_instance_id, resolve_instance


def register(stack: Stack, hostname: str, name: str = "") -> str:
    """An instance registered as an agent would, with this hostname (and InstanceName, which defaults to it)."""
    args = ["activation", "create", "--json"] + (["--instance-name", name] if name else [])
    activation = json.loads(stack.cli(*args).stdout)
    reply = stack.api(
        "RegisterInstance",
        {
            "ActivationId": activation["ActivationId"],
            "ActivationCode": activation["ActivationCode"],
            "PublicKey": public_key_text(Ed25519PrivateKey.generate()),
            "Hostname": hostname,
            "OsType": "linux",
        },
    )
    return str(reply["InstanceId"])


class Fleet:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.db = register(stack, "db-host.internal", "db-1")
        self.web_a = register(stack, "web-a.internal", "web")
        self.web_b = register(stack, "web-b.internal", "web")
        self.cache = register(stack, "Cache.Internal")
        stack.cli("tag", "add", self.db, "role=db", "env=prod")
        stack.cli("tag", "add", self.web_a, "role=web", "env=prod")
        stack.cli("tag", "add", self.web_b, "role=web", "env=dev")
        self.online = stack.add_agent("live")
        stack.cli("tag", "add", self.online, "role=shell")
        live = stack.api("DescribeInstances", {"InstanceIds": [self.online]})["Instances"][0]
        self.online_name = str(live["InstanceName"])
        self.login_user = str(live["LoginUser"])


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    stack = Stack(tmp_path_factory.mktemp("resolve"))
    try:
        stack.start_server()
        yield Fleet(stack)
    finally:
        stack.close()


class CountingClient(ApiClient):
    """A real client that remembers the actions it called."""

    actions: list[str]

    async def call(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        self.actions.append(action)
        return await super().call(action, body)


def client(stack: Stack) -> CountingClient:
    creds = stack.creds
    api = CountingClient(creds["server"], creds["access_key_id"], creds["access_key_secret"], creds["ca_cert"])
    api.actions = []
    return api


async def test_an_id_is_used_without_a_call(fleet: Fleet) -> None:
    async with client(fleet.stack) as api:
        assert await resolve_instance(api, fleet.db) == fleet.db
        assert await resolve_instance(api, f" {fleet.web_a} ") == fleet.web_a
        assert api.actions == []
    assert looks_like_instance_id(fleet.db) and not looks_like_instance_id("web")


async def test_name_hostname_and_tag(fleet: Fleet) -> None:
    async with client(fleet.stack) as api:
        assert await resolve_instance(api, "db-1") == fleet.db
        assert await resolve_instance(api, "web-a.internal") == fleet.web_a
        assert await resolve_instance(api, "cache.internal") == fleet.cache  # hostnames ignore case
        assert await resolve_instance(api, "role=db") == fleet.db
        assert await resolve_instance(api, "env=dev") == fleet.web_b
        assert set(api.actions) == {"DescribeInstances"}


async def test_ambiguous_lists_the_candidates(fleet: Fleet) -> None:
    async with client(fleet.stack) as api:
        with pytest.raises(AmbiguousInstance) as caught:
            await resolve_instance(api, "web")
        message = str(caught.value)
        assert message.startswith("2 instances have the name or hostname 'web': ")
        assert f"{fleet.web_a} (web, Offline)" in message and f"{fleet.web_b} (web, Offline)" in message
        assert {c["InstanceId"] for c in caught.value.candidates} == {fleet.web_a, fleet.web_b}
        with pytest.raises(AmbiguousInstance, match=r"2 instances have the tag env=prod: .*give one instance id"):
            await resolve_instance(api, "env=prod")


async def test_no_match_says_what_was_searched(fleet: Fleet) -> None:
    async with client(fleet.stack) as api:
        with pytest.raises(InstanceNotFound) as caught:
            await resolve_instance(api, "nosuch")
        assert "no instance has the name or hostname 'nosuch' (searched 5 instances by InstanceName and Hostname)" in (
            str(caught.value)
        )
        with pytest.raises(InstanceNotFound, match=r"no instance has the tag role=nosuch \(searched 5 instances"):
            await resolve_instance(api, "role=nosuch")
        with pytest.raises(InstanceNotFound, match="-i is empty"):
            await resolve_instance(api, "  ")


def test_session_by_name(fleet: Fleet) -> None:
    child = fleet.stack.session(fleet.online_name, "--command", "echo resolved-$((6*7))")
    child.expect("resolved-42")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_commands_resolve_and_fail_in_one_line(fleet: Fleet, tmp_path: Path) -> None:
    stack = fleet.stack
    tags = stack.cli("tag", "list", "role=db", "--json").stdout
    assert {r["TagKey"] for r in json.loads(tags)["TagResources"]["TagResource"]} == {"role", "env"}

    ambiguous = stack.cli("session", "-i", "web", check=False)
    assert ambiguous.returncode == 255 and ambiguous.stdout == ""
    lines = ambiguous.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tether: 2 instances have the name or hostname 'web'"), lines
    assert fleet.web_a in lines[0] and fleet.web_b in lines[0]

    missing = stack.cli("portforward", "-i", "nosuch", "--remote-port", "80", check=False)
    assert missing.returncode == 1
    assert missing.stderr.startswith("tether: no instance has the name or hostname 'nosuch'")

    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test\n")
    # The key reaches the one agent tagged role=shell: only a running agent can answer that this machine's sshd
    # does not read its keys (the others are Offline and would be refused before that).
    pushed = stack.cli(
        "ssh-key", "push", "-i", "role=shell", "--user", fleet.login_user, "--public-key", str(key), check=False
    )
    assert pushed.returncode == 1 and pushed.stderr.startswith("tether: SshdNotConfigured: "), pushed.stderr
    offline = stack.cli("ssh-key", "push", "-i", "db-1", "--user", "alice", "--public-key", str(key), check=False)
    assert offline.returncode == 1 and "InvalidInstance.Offline" in offline.stderr, offline.stderr

    sessions = stack.cli("sessions", "list", "--instance", fleet.online_name, "--json").stdout
    assert all(s["InstanceId"] == fleet.online for s in json.loads(sessions)["Sessions"])


def instance_ids(stack: Stack, *args: str) -> set[str]:
    document = json.loads(stack.cli("instances", "--json", *args).stdout)
    assert document["TotalCount"] == len(document["Instances"])
    return {i["InstanceId"] for i in document["Instances"]}


def test_instances_filters(fleet: Fleet) -> None:
    stack = fleet.stack
    everything = {fleet.db, fleet.web_a, fleet.web_b, fleet.cache, fleet.online}
    assert instance_ids(stack) == everything
    assert instance_ids(stack, "--status", "Online") == {fleet.online}
    assert instance_ids(stack, "--status", "offline") == everything - {fleet.online}
    assert instance_ids(stack, "--tag", "env=prod") == {fleet.db, fleet.web_a}
    assert instance_ids(stack, "--tag", "env=prod", "--tag", "role=web") == {fleet.web_a}
    assert instance_ids(stack, "--name", "WEB-") == {fleet.web_a, fleet.web_b}  # a substring of the hostname
    assert instance_ids(stack, "--name", "web") == {fleet.web_a, fleet.web_b}
    assert instance_ids(stack, "--name", "*.internal") == {fleet.db, fleet.web_a, fleet.web_b, fleet.cache}
    assert instance_ids(stack, "--name", "db-?") == {fleet.db}
    assert instance_ids(stack, "--name", "web", "--tag", "env=dev", "--status", "Offline") == {fleet.web_b}
    assert instance_ids(stack, "--name", "nothing-like-it") == set()

    table = stack.cli("instances", "--tag", "role=db").stdout.splitlines()
    assert table[0].split()[:4] == ["InstanceId", "Name", "Hostname", "Status"]
    assert table[1].split()[:4] == [fleet.db, "db-1", "db-host.internal", "Offline"]

    bad = stack.cli("instances", "--tag", "novalue", check=False)
    assert bad.returncode == 2 and "'novalue' is not KEY=VALUE, e.g. --tag env=prod" in bad.stderr
    bad = stack.cli("instances", "--status", "Sleeping", check=False)
    assert bad.returncode == 2 and "is not one of 'online', 'offline'" in bad.stderr

"""Two `tether server` nodes on one PostgreSQL (docs/scale-out.md): the agent holds its control channel on node 1,
sessions are started, ended and keyed through node 2, and node 2 reaches the agent through the node bus.

There is no load balancer here: the agent dials node 1's URL only, so the loss of node 1 is tested as "offline
until the agent reconnects to the restarted node 1", not as a move to node 2.

PostgreSQL comes from TETHER_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); the module
creates its own database `tether_scaleout_<random>` and drops it. Absent PostgreSQL skips the module with the
reason, unless TETHER_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from support.pgtemp import temporary_database
from support.sshd import Sshd, sshd_binary
from support.stack import Stack
from support.wait import eventually_sync

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with temporary_database("tether_scaleout") as url:
        yield url


class Cluster:
    def __init__(self, node1: Stack, node2: Stack, instance: str, sshd: Sshd | None, database: str) -> None:
        self.node1, self.node2, self.instance, self.sshd = node1, node2, instance, sshd
        self.database = database


def _share_secrets(source: Path, target: Path) -> None:
    """What an operator copies to every node before its first start: the secret box key and the CA."""
    (target / "tls").mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    shutil.copy2(source / "secret.key", target / "secret.key")
    for name in ("ca.pem", "ca-key.pem"):
        shutil.copy2(source / "tls" / name, target / "tls" / name)
    # optional: the node refreshes the server URL and CA path in it (the key itself comes from the database)
    shutil.copy2(source / "admin-credentials.json", target / "admin-credentials.json")


@pytest.fixture(scope="module")
def cluster(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("scaleout")
    node1, node2 = Stack(root / "n1"), Stack(root / "n2")
    for node in (node1, node2):
        node.root.mkdir()
    node1.start_server("--db", database, "--node-id", "relay-1")
    _share_secrets(node1.server_dir, node2.server_dir)
    node2.start_server("--db", database, "--node-id", "relay-2")
    own_url = f"https://127.0.0.1:{node2.port}"
    creds_file = node2.server_dir / "admin-credentials.json"
    eventually_sync(lambda: json.loads(creds_file.read_text())["server"] == own_url, what="node 2 to write its URL",
                    timeout=20)
    node2.creds = json.loads(creds_file.read_text())
    holder: dict[str, Sshd] = {}

    def configure(state: Path) -> None:
        if sshd_binary() is None or os.geteuid() != 0:
            return
        lines = node1.cli("agent", "sshd-config", "--state-dir", str(state)).stdout
        holder["sshd"] = Sshd(root / "sshd", extra_config="StrictModes yes\n" + lines)
        node1.set_agent_settings(state, sshd_config=str(holder["sshd"].config))

    # as in test_forward: sshd's StrictModes wants the agent's key directory outside world-writable /tmp
    state_dir = Path(tempfile.mkdtemp(prefix="tether-e2e-agent-", dir="/var/lib")) if os.geteuid() == 0 else None
    try:
        instance = node1.add_agent(configure=configure, state_dir=state_dir)
        yield Cluster(node1, node2, instance, holder.get("sshd"), database)
    finally:
        if "sshd" in holder:
            holder["sshd"].close()
        node1.close()
        node2.close()
        if state_dir is not None:
            shutil.rmtree(state_dir, ignore_errors=True)


def _api_error(stack: Stack, action: str, body: dict[str, object]) -> str:
    proc = stack.cli("api", action, "--body", json.dumps(body), check=False)
    assert proc.returncode != 0, proc.stdout
    return proc.stderr


def _session_row(stack: Stack, session_id: str) -> dict[str, object]:
    sessions = stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"]
    assert len(sessions) == 1
    return sessions[0]  # type: ignore[no-any-return]


def test_nodes_share_the_account(cluster: Cluster) -> None:
    n1, n2 = cluster.node1.creds, cluster.node2.creds
    assert n1["access_key_id"] == n2["access_key_id"] and n1["access_key_secret"] == n2["access_key_secret"]
    assert n1["server"] != n2["server"]
    assert Path(n1["ca_cert"]).read_bytes() == Path(n2["ca_cert"]).read_bytes()
    assert cluster.node2.status(cluster.instance) == "Online"  # node 2 sees the agent that node 1 holds


def test_session_through_the_other_node(cluster: Cluster) -> None:
    child = cluster.node2.session(cluster.instance)
    child.send(b"echo NODE_$((20+22))\r")
    child.expect(b"NODE_42")
    child.send(b"exit 5\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 5
    sessions = cluster.node1.api("DescribeTerminalSessions", {"InstanceId": cluster.instance})["Sessions"]
    newest = max(sessions, key=lambda s: s["CreationTime"])
    assert newest["ExitStatus"] == 5 and newest["State"] == "Terminated"


def test_end_through_a_third_party_node(cluster: Cluster) -> None:
    """Started on node 2 (the relay is there), the agent on node 1, ended through node 1."""
    child = cluster.node2.session(cluster.instance)
    child.send(b"echo READY_$((1+1))\r")
    child.expect(b"READY_2")
    connected = cluster.node1.api(
        "DescribeTerminalSessions", {"InstanceId": cluster.instance, "State": "Connected"}
    )["Sessions"]
    assert len(connected) == 1
    session_id = connected[0]["SessionId"]
    cluster.node1.api("EndTerminalSession", {"SessionId": session_id})
    child.expect(pexpect.EOF, timeout=15)
    child.close()
    assert child.exitstatus != 0
    row = eventually_sync(lambda: (r := _session_row(cluster.node2, session_id))["State"] != "Connected" and r,
                          what="the session to be ended", timeout=20)
    assert row["State"] == "Terminated" and row["EndReason"] == "terminated"


def test_ssh_key_push_through_the_other_node(cluster: Cluster, tmp_path: Path) -> None:
    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    if cluster.sshd is None:
        # no root or no sshd: the agent refuses, and that answer crossing back from node 1 is what is tested
        error = _api_error(cluster.node2, "SendSSHPublicKey", {
            "InstanceId": cluster.instance, "UserName": "tether-user", "SSHPublicKey": (key.with_suffix(".pub"))
            .read_text()})
        assert "SshdNotConfigured" in error or "InvalidUser" in error, error
        return
    pushed = cluster.node2.cli("ssh-key", "push", "-i", cluster.instance, "--user", "tether-user",
                               "--public-key", f"{key}.pub", "--json")
    assert json.loads(pushed.stdout)["Expiration"]
    # and log in with it over a port-forward session that node 2 relays
    proxy = f"{sys.executable} -m tether proxy -i %h --port {cluster.sshd.port}"
    login = subprocess.run(
        ["ssh", "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", f"ProxyCommand={proxy}",
         *cluster.sshd.ssh_options(), f"tether-user@{cluster.instance}", "echo via-$((40+2))"],
        env=cluster.node2.env(), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )
    assert login.returncode == 0, login.stderr
    assert login.stdout.strip() == "via-42"


def test_agent_failure_report_reaches_the_relay_node(cluster: Cluster) -> None:
    """The agent refuses an unknown user on node 1's control channel; node 2's relay must hear it at once, not wait
    for its 60 s agent-connect deadline."""
    started = cluster.node2.api("StartTerminalSession", {"InstanceId": cluster.instance, "Username": "nosuchuser9"})
    row = eventually_sync(lambda: (r := _session_row(cluster.node2, started["SessionId"]))["State"] != "Pending" and r,
                          what="the refusal to reach node 2", timeout=15)
    assert row["State"] == "Terminated"
    assert str(row["EndReason"]).startswith("failed: "), row


def test_too_large_for_the_bus_is_refused_clearly(cluster: Cluster) -> None:
    error = _api_error(cluster.node2, "StartTerminalSession", {
        "InstanceId": cluster.instance, "CommandLine": "echo " + "é" * 4000})
    assert "InvalidParameter.TooLarge" in error and "7000" in error, error


def test_node_loss_then_agent_reconnects(cluster: Cluster) -> None:
    """Kill node 1 (the agent's node): node 2 says Offline; restart node 1 on its port, the agent reconnects."""
    n1, n2 = cluster.node1, cluster.node2
    assert n1.server is not None
    os.killpg(n1.server.pid, signal.SIGKILL)
    n1.server.wait(timeout=10)
    n1.server = None
    started = time.monotonic()
    error = _api_error(n2, "StartTerminalSession", {"InstanceId": cluster.instance})
    assert "InvalidInstance.Offline" in error, error
    assert time.monotonic() - started < 20
    # a session that node 2 refused is not left pending
    pending = n2.api("DescribeTerminalSessions", {"InstanceId": cluster.instance, "State": "Pending"})["Sessions"]
    assert pending == []
    n1.start_server("--db", cluster.database, "--node-id", "relay-1")
    eventually_sync(lambda: n2.status(cluster.instance) == "Online", what="the agent to reconnect to node 1",
                    timeout=60, interval=0.5)
    child = n2.session(cluster.instance)
    child.send(b"exit 4\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4


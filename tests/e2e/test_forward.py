"""Port forwarding, temporary SSH keys and SSH through the relay, end to end with a real sshd and real TCP."""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import http.server
import json
import os
import shutil
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.ports import free_port
from support.sshd import Sshd, sshd_binary
from support.stack import Stack, read_json_document
from support.wait import eventually_sync

KEY_LIFETIME = 4  # seconds; the server's --ssh-key-lifetime for this module

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the agent creates tether-user and writes sshd keys as root")


def _require_sshd() -> None:
    if sshd_binary() is None:
        if os.environ.get("TETHER_REQUIRE_SSHD") == "1":
            pytest.fail("sshd is not installed and TETHER_REQUIRE_SSHD=1")
        pytest.skip("sshd is not installed (apt-get install openssh-server)")


class World:
    """A server, an agent wired to a private sshd, and a TCP service or two on the agent's side."""

    def __init__(self, stack: Stack, sshd: Sshd | None, instance: str) -> None:
        self.stack, self.sshd, self.instance = stack, sshd, instance


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("fwd")
    stack = Stack(root)
    stack.start_server("--ssh-key-lifetime", str(KEY_LIFETIME))
    holder: dict[str, Sshd] = {}

    def configure(state: Path) -> None:
        if sshd_binary() is None or os.geteuid() != 0:
            return
        lines = stack.cli("agent", "sshd-config", "--state-dir", str(state)).stdout
        sshd = Sshd(root / "sshd", extra_config="StrictModes yes\n" + lines)
        holder["sshd"] = sshd
        stack.set_agent_settings(state, sshd_config=str(sshd.config))

    # sshd's StrictModes refuses keys below a world-writable directory such as /tmp, as it should: as root the agent
    # keeps its state where a real install does, under /var/lib
    state_dir = Path(tempfile.mkdtemp(prefix="tether-e2e-agent-", dir="/var/lib")) if os.geteuid() == 0 else None
    try:
        instance = stack.add_agent(configure=configure, state_dir=state_dir)
        yield World(stack, holder.get("sshd"), instance)
    finally:
        if "sshd" in holder:
            holder["sshd"].close()
        stack.close()
        if state_dir is not None:
            shutil.rmtree(state_dir, ignore_errors=True)


def forward(world: World, remote_port: int, *extra: str) -> tuple[subprocess.Popen[str], int]:
    """Start `tether portforward` and return it with the local port it bound."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tether", "portforward", "-i", world.instance, "--remote-port", str(remote_port),
         "--local-port", "0", "--json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=world.stack.env(), text=True,
    )
    assert proc.stdout is not None
    try:
        info = read_json_document(proc.stdout)
    except AssertionError:
        proc.wait(timeout=10)
        raise AssertionError(
            f"portforward exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
        ) from None
    return proc, int(info["LocalPort"])


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=15)
    return err


# -- services on the agent's side -------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = f"hello {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Source(socketserver.BaseRequestHandler):
    """Reads a decimal count and a newline, then sends that many bytes."""

    def handle(self) -> None:
        line = b""
        while not line.endswith(b"\n"):
            got = self.request.recv(64)
            if not got:
                return
            line += got
        remaining = int(line)
        block = b"z" * 65536
        while remaining > 0:
            n = min(remaining, len(block))
            self.request.sendall(block[:n])
            remaining -= n


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def source_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Source)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


# -- port forwarding -----------------------------------------------------------------------------------------------


def test_http_behind_a_forward_answers_200_requests_over_20_connections(world: World, http_port: int) -> None:
    proc, port = forward(world, http_port)
    try:
        def client(n: int) -> list[int]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            statuses = []
            for i in range(10):
                conn.request("GET", f"/{n}/{i}")
                resp = conn.getresponse()
                assert resp.read() == f"hello /{n}/{i}".encode()
                statuses.append(resp.status)
            conn.close()
            return statuses

        with ThreadPoolExecutor(20) as pool:
            results = [s for batch in pool.map(client, range(20)) for s in batch]
        assert results == [200] * 200
    finally:
        stop(proc)


def test_half_close_still_gets_the_reply(world: World, source_port: int) -> None:
    proc, port = forward(world, source_port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"100000\n")
            sock.shutdown(socket.SHUT_WR)
            got = b""
            while chunk := sock.recv(65536):
                got += chunk
        assert got == b"z" * 100000
    finally:
        stop(proc)


def test_a_stalled_stream_does_not_slow_another(world: World, source_port: int) -> None:
    proc, port = forward(world, source_port)
    try:
        stalled = socket.create_connection(("127.0.0.1", port), timeout=10)
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(b"200000000\n")  # 200 MB that nobody reads
        eventually_sync(lambda: _unread(stalled) > 0, what="the stalled stream's bytes to reach its unread socket")
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(b"30000000\n")
            got = 0
            while got < 30_000_000:
                chunk = sock.recv(1 << 20)
                assert chunk, "second stream ended early"
                got += len(chunk)
        elapsed = time.monotonic() - start
        stalled.close()
        assert elapsed < 20, f"30 MB beside a stalled stream took {elapsed:.1f} s"
    finally:
        stop(proc)


def _unread(sock: socket.socket) -> int:
    """Bytes waiting in the socket's receive queue (FIONREAD)."""
    return int(struct.unpack("i", fcntl.ioctl(sock, termios.FIONREAD, b"\0\0\0\0"))[0])


def test_refused_target_closes_promptly_and_says_why(world: World) -> None:
    closed_port = free_port()
    proc, port = forward(world, closed_port)
    try:
        for _ in range(3):
            start = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                assert sock.recv(10) == b""
            assert time.monotonic() - start < 5
    finally:
        err = stop(proc)
    assert err.lower().count("refused") == 1, err


def test_forward_recovers_after_the_agent_restarts(world: World, http_port: int) -> None:
    proc, port = forward(world, http_port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/before")
        assert conn.getresponse().read() == b"hello /before"
        conn.close()
        world.stack.stop_agent(world.instance)
        world.stack.start_agent(world.instance)
        world.stack.wait_online(world.instance)

        def works() -> bool:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                c.request("GET", "/after")
                return c.getresponse().read() == b"hello /after"
            finally:
                c.close()

        eventually_sync(works, what="the forward to work again", timeout=60, interval=1.0)
    finally:
        err = stop(proc)
    assert "reconnect" in err.lower()


def test_policy_limits_ports(world: World, http_port: int) -> None:
    stack = world.stack
    stack.api("CreateUser", {"UserName": "fwd-user"})
    document = {"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*",
        "Condition": {"NumericEquals": {"ecs:PortNumber": [http_port]}},
    }]}
    stack.api("CreatePolicy", {"PolicyName": "fwd-only-http", "PolicyDocument": json.dumps(document)})
    stack.api("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "fwd-only-http", "UserName": "fwd-user"})
    key = stack.api("CreateAccessKey", {"UserName": "fwd-user"})["AccessKey"]
    env = stack.env() | {"TETHER_ACCESS_KEY_ID": key["AccessKeyId"], "TETHER_ACCESS_KEY_SECRET": key["AccessKeySecret"]}
    base = [sys.executable, "-m", "tether", "portforward", "-i", world.instance, "--local-port", "0", "--json"]
    denied = subprocess.run([*base, "--remote-port", "22"], env=env, capture_output=True, text=True, timeout=30,
                            stdin=subprocess.DEVNULL, check=False)
    assert denied.returncode != 0
    assert "Forbidden.RAM" in denied.stderr or "not authorized" in denied.stderr.lower(), denied.stderr
    allowed = subprocess.Popen([*base, "--remote-port", str(http_port)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert allowed.stdout is not None
        assert read_json_document(allowed.stdout)["RemotePort"] == http_port
    finally:
        stop(allowed)


# -- temporary SSH keys and SSH through the relay ----------------------------------------------------------------


def _keypair(directory: Path, name: str = "id") -> Path:
    key = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def _ssh_argv(world: World, key: Path, user: str, *command: str) -> list[str]:
    assert world.sshd is not None
    proxy = f"{sys.executable} -m tether proxy -i %h --port {world.sshd.port}"
    return ["ssh", "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", f"ProxyCommand={proxy}",
            *world.sshd.ssh_options(), f"{user}@{world.instance}", *command]


@needs_root
def test_pushed_key_logs_in_through_the_proxy_then_expires(world: World, tmp_path: Path) -> None:
    _require_sshd()
    own_keys = Path("/home/tether-user/.ssh/authorized_keys")
    before = own_keys.read_bytes() if own_keys.exists() else None
    key = _keypair(tmp_path)
    pushed = world.stack.cli("ssh-key", "push", "-i", world.instance, "--user", "tether-user",
                             "--public-key", f"{key}.pub", "--json")
    assert json.loads(pushed.stdout)["Expiration"]
    login = subprocess.run(_ssh_argv(world, key, "tether-user", "whoami"), env=world.stack.env(),
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert login.returncode == 0, login.stderr
    assert login.stdout.strip() == "tether-user"

    def refused() -> subprocess.CompletedProcess[str] | None:
        late = subprocess.run(_ssh_argv(world, key, "tether-user", "whoami"), env=world.stack.env(),
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
        return late if late.returncode != 0 else None

    # refused within its lifetime plus 2 s, as before: the last attempt starts once that has passed
    late = eventually_sync(refused, what="the pushed key to expire", timeout=KEY_LIFETIME + 2, interval=0.5)
    assert late.returncode == 255, late.stdout
    assert "Permission denied" in late.stderr
    after = own_keys.read_bytes() if own_keys.exists() else None
    assert after == before, "the user's own authorized_keys changed"


@needs_root
def test_tether_ssh_runs_a_remote_command(world: World) -> None:
    _require_sshd()
    assert world.sshd is not None
    proc = world.stack.cli("ssh", f"tether-user@{world.instance}", "-p", str(world.sshd.port),
                           *world.sshd.ssh_options(), "echo via-$((40+2)); exit 6", check=False)
    assert proc.returncode == 6, proc.stderr
    assert "via-42" in proc.stdout


@needs_root
def test_scp_of_200_mb_round_trips_intact(world: World, tmp_path: Path) -> None:
    _require_sshd()
    assert world.sshd is not None
    key = _keypair(tmp_path)
    world.stack.cli("ssh-key", "push", "-i", world.instance, "--user", "tether-user", "--public-key", f"{key}.pub")
    payload = tmp_path / "payload.bin"
    digest = hashlib.sha256()
    with open(payload, "wb") as f:
        for _ in range(200):
            block = os.urandom(1 << 20)
            digest.update(block)
            f.write(block)
    proxy = f"{sys.executable} -m tether proxy -i %h --port {world.sshd.port}"
    common = ["scp", "-q", "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", f"ProxyCommand={proxy}",
              *world.sshd.ssh_options()]
    # one connection for both directions would outlive the key; each scp authenticates within its lifetime
    up = subprocess.run([*common, str(payload), f"tether-user@{world.instance}:/tmp/tether-scp-test.bin"],
                        env=world.stack.env(), capture_output=True, text=True, timeout=300, check=False)
    assert up.returncode == 0, up.stderr
    world.stack.cli("ssh-key", "push", "-i", world.instance, "--user", "tether-user", "--public-key", f"{key}.pub")
    back = tmp_path / "back.bin"
    down = subprocess.run([*common, f"tether-user@{world.instance}:/tmp/tether-scp-test.bin", str(back)],
                          env=world.stack.env(), capture_output=True, text=True, timeout=300, check=False)
    assert down.returncode == 0, down.stderr
    with open(back, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == digest.hexdigest()
    Path("/tmp/tether-scp-test.bin").unlink(missing_ok=True)


@needs_root
def test_key_push_for_a_username_the_policy_denies(world: World, tmp_path: Path) -> None:
    stack = world.stack
    stack.api("CreateUser", {"UserName": "key-user"})
    document = {"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": "ecs:SendSSHPublicKey", "Resource": "*",
        "Condition": {"StringEquals": {"ecs:Username": "tether-user"}},
    }]}
    stack.api("CreatePolicy", {"PolicyName": "keys-for-tether-user", "PolicyDocument": json.dumps(document)})
    stack.api("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "keys-for-tether-user",
                                     "UserName": "key-user"})
    key = stack.api("CreateAccessKey", {"UserName": "key-user"})["AccessKey"]
    env = stack.env() | {"TETHER_ACCESS_KEY_ID": key["AccessKeyId"], "TETHER_ACCESS_KEY_SECRET": key["AccessKeySecret"]}
    pub = _keypair(tmp_path)
    denied = subprocess.run(
        [sys.executable, "-m", "tether", "ssh-key", "push", "-i", world.instance, "--user", "root",
         "--public-key", f"{pub}.pub"], env=env, capture_output=True, text=True, timeout=30, check=False,
    )
    assert denied.returncode != 0
    assert "Forbidden.RAM" in denied.stderr or "not authorized" in denied.stderr.lower(), denied.stderr

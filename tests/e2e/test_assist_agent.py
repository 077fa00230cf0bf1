"""A machine running the Cloud Assistant agent (the test peer, tests/support/assist_agent.py, as its own process),
reached through a real server with tether's own CLI: registration, `tether instances`, shells through pexpect,
recordings, a large forward over parallel connections, a flood, refusals, EndTerminalSession, deregistration."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pexpect
import psutil
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from support.aio import run
from support.assist_agent import AssistAgent
from support.stack import Stack, read_json_document
from support.wait import eventually_sync

from tether.auth.assist import sign_headers

TESTS = Path(__file__).resolve().parents[1]
PAYLOAD = 16 * 1024 * 1024  # per connection and direction
CONNECTIONS = 4


class Machine:
    """The stack and the running peer agent."""

    def __init__(self, stack: Stack, agent_dir: Path, instance: str, proc: subprocess.Popen[bytes]) -> None:
        self.stack, self.agent_dir, self.instance, self.proc = stack, agent_dir, instance, proc

    def peer(self) -> AssistAgent:
        return AssistAgent(f"127.0.0.1:{self.stack.port}", self.agent_dir, ca_cert=self.stack.creds["ca_cert"])


def peer_env(stack: Stack) -> dict[str, str]:
    env = stack.base_env()
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def register(stack: Stack, state: Path, activation: dict[str, str], code: str | None = None) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "support.assist_agent",
            "register",
            "--server",
            f"127.0.0.1:{stack.port}",
            "--ca-cert",
            stack.creds["ca_cert"],
            "--state-dir",
            str(state),
            "--activation-id",
            activation["ActivationId"],
            "--activation-code",
            code or activation["ActivationCode"],
        ],
        capture_output=True,
        text=True,
        env=peer_env(stack),
        timeout=60,
        check=False,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machine]:
    root = tmp_path_factory.mktemp("assist")
    stack = Stack(root)
    stack.start_server("--idle-timeout", "600")
    activation = json.loads(stack.cli("activation", "create", "--json").stdout)
    refused = register(stack, root / "agent", activation, code="a-wrong-code")
    assert refused["errCode"] == "InvalidActivationCode"
    answer = register(stack, root / "agent", activation)
    assert answer["code"] == 200, answer
    with open(root / "assist-agent.log", "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "support.assist_agent",
                "run",
                "--server",
                f"127.0.0.1:{stack.port}",
                "--ca-cert",
                stack.creds["ca_cert"],
                "--state-dir",
                str(root / "agent"),
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=peer_env(stack),
            start_new_session=True,
        )
    try:
        stack.wait_online(answer["instanceId"])
        yield Machine(stack, root / "agent", answer["instanceId"], proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        stack.close()


def latest_session(machine: Machine) -> dict[str, Any]:
    reply = machine.stack.api("DescribeTerminalSessions", {"InstanceId": machine.instance, "MaxResults": 1})
    return reply["Sessions"][0]  # type: ignore[no-any-return]


def ended(machine: Machine, session_id: str) -> dict[str, Any]:
    def row() -> dict[str, Any] | None:
        found = machine.stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"][0]
        return found if found["State"] == "Terminated" else None

    return eventually_sync(row, what=f"session {session_id} to end", timeout=20)


def test_listed_online_as_a_cloud_assistant_agent(machine: Machine) -> None:
    table = machine.stack.cli("instances").stdout
    lines = table.splitlines()
    header = lines[0].split()
    line = next(row for row in lines if machine.instance in row)
    fields = line.split()
    # the Name column may be empty (`-`) or hold a word: find Status by its value, the rest follow it
    status = fields.index("Online")
    assert "Status" in header
    assert fields[status:status + 4] == ["Online", "ecs-assist-user", "(sudo)", "cloud-assistant"]
    assert "2.1.3.578" in line


def test_shell_through_tethers_cli_with_resize_cjk_and_raw_bytes(machine: Machine) -> None:
    child = machine.stack.session(machine.instance, cols=100, rows=30)
    child.send(b"stty size | sed s/^/SIZE=/\r")
    child.expect(b"SIZE=30 100", timeout=20)
    child.setwinsize(41, 132)
    child.send(b"stty size | sed s/^/SIZE=/\r")
    child.expect(b"SIZE=41 132")
    child.send(rb"printf 'A\377\376\200B\n'" + b"\r")
    child.expect(b"A\xff\xfe\x80B")
    child.send(rb"printf '\346\227\245\346\234\254\350\252\236 REC_%s\n' $((9*9))" + b"\r")
    child.expect("日本語 REC_81".encode())
    child.send("echo 你好 | od -An -tx1 | tr -d ' \\n' | sed 's/^/HEX=/'; echo\r".encode())
    child.expect(b"HEX=e4bda0e5a5bd0a")
    child.send(b"exit\r")
    child.expect(pexpect.EOF, timeout=20)
    child.close()
    assert child.exitstatus == 255  # the agent reports no exit status (255, as ssh without one)
    # ... and the CLI says the session ended, with the agent's report, not that the connection was lost
    assert b"ended without an exit status" in child.before and b"Success/Ok" in child.before, child.before
    session = ended(machine, latest_session(machine)["SessionId"])
    assert (session["EndReason"], session["ExitStatus"]) == ("Success/Ok", None)
    cat = subprocess.run(
        [sys.executable, "-m", "tether", "recordings", "cat", session["SessionId"]],
        env=machine.stack.env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert cat.returncode == 0, cat.stderr
    assert "日本語 REC_81".encode() in cat.stdout and b"A\xff\xfe\x80B" in cat.stdout


class HashService(socketserver.BaseRequestHandler):
    """Reads 8-byte length + payload, answers its SHA-256, then sends that many bytes of a known stream."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        header = b""
        while len(header) < 8:
            header += sock.recv(8 - len(header))
        left = length = int.from_bytes(header, "big")
        digest = hashlib.sha256()
        while left:
            chunk = sock.recv(min(left, 1 << 16))
            if not chunk:
                return
            digest.update(chunk)
            left -= len(chunk)
        sock.sendall(digest.digest())
        block = known_block()
        for _ in range(length // len(block)):
            sock.sendall(block)


def known_block() -> bytes:
    return hashlib.sha256(b"known").digest() * 8192  # 256 KiB


def one_connection(port: int, seed: int) -> None:
    payload = hashlib.sha256(str(seed).encode()).digest() * (PAYLOAD // 32)
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(len(payload).to_bytes(8, "big") + payload)
        answer = b""
        while len(answer) < 32:
            answer += sock.recv(32 - len(answer))
        assert answer == hashlib.sha256(payload).digest()
        digest, expected = hashlib.sha256(), hashlib.sha256()
        block = known_block()
        for _ in range(PAYLOAD // len(block)):
            expected.update(block)
        got = 0
        while got < PAYLOAD:
            chunk = sock.recv(1 << 16)
            assert chunk, f"the forward ended after {got} of {PAYLOAD} bytes"
            digest.update(chunk)
            got += len(chunk)
        assert digest.hexdigest() == expected.hexdigest()


def test_large_forward_over_parallel_connections(machine: Machine) -> None:
    service = socketserver.ThreadingTCPServer(("127.0.0.1", 0), HashService)
    service.daemon_threads = True
    threading.Thread(target=service.serve_forever, daemon=True).start()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tether",
            "portforward",
            "-i",
            machine.instance,
            "--remote-port",
            str(service.server_address[1]),
            "--local-port",
            "0",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=machine.stack.env(),
        text=True,
    )
    try:
        local = int(read_json_document(proc.stdout)["LocalPort"])
        started = time.monotonic()
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            for future in [pool.submit(one_connection, local, n) for n in range(CONNECTIONS)]:
                future.result(timeout=300)
        elapsed = time.monotonic() - started
        print(f"forwarded {2 * CONNECTIONS * PAYLOAD / 2**20:.0f} MiB in {elapsed:.1f} s")
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
        service.shutdown()
        service.server_close()
    session = ended(machine, latest_session(machine)["SessionId"])
    assert session["BytesFromClient"] >= CONNECTIONS * PAYLOAD
    assert session["BytesToClient"] >= CONNECTIONS * PAYLOAD


def rss_mb(pids: dict[str, int]) -> dict[str, float]:
    return {name: psutil.Process(pid).memory_info().rss / 2**20 for name, pid in pids.items()}


def test_flood_keeps_server_memory_bounded(machine: Machine) -> None:
    child = machine.stack.session(machine.instance)
    child.send(b"echo GO_$((3*3))\r")
    child.expect(b"GO_9", timeout=20)
    assert machine.stack.server is not None
    pids = {"server": machine.stack.server.pid, "agent": machine.proc.pid}
    baseline = rss_mb(pids)
    child.send(b"yes flood-line-with-some-length\r")
    moved = 0
    end = time.monotonic() + 3
    while time.monotonic() < end:
        try:
            moved += len(child.read_nonblocking(1 << 16, timeout=0.2))
        except pexpect.TIMEOUT:
            pass
    assert moved > 1_000_000, f"only {moved} bytes of output arrived in 3 s"
    time.sleep(3.0)  # on purpose: nobody reads for 3 s, and memory must stay flat all that time
    growth = {name: value - baseline[name] for name, value in rss_mb(pids).items()}
    assert all(g < 40 for g in growth.values()), f"RSS grew under flood: {growth} (baseline {baseline})"
    child.send(b"\x03")
    child.send(b"echo STOPPED_$((4*4))\r")
    child.expect(b"STOPPED_16", timeout=30)
    child.send(b"exit\r")
    child.expect(pexpect.EOF, timeout=20)


def test_forged_and_replayed_requests_are_refused_and_the_server_keeps_serving(machine: Machine) -> None:
    peer = machine.peer()

    async def probe() -> list[int]:
        statuses = []
        good = peer.headers()
        forged = sign_headers(
            rsa.generate_private_key(public_exponent=65537, key_size=2048), peer.instance_id, peer.machine_id
        )
        async with aiohttp.ClientSession() as http:
            for headers in (forged, good, good):
                async with http.get(peer.url("/luban/api/heart-beat"), headers=headers, ssl=peer.ssl) as resp:
                    statuses.append(resp.status)
        return statuses

    assert run(probe()) == [401, 200, 401]  # support.aio.run: lets the TLS sockets close with the test
    assert machine.instance in machine.stack.cli("instances").stdout


def test_end_terminal_session_then_deregistration_drops_the_agent(machine: Machine) -> None:
    child = machine.stack.session(machine.instance)
    child.send(b"echo READY_$((5*5))\r")
    child.expect(b"READY_25", timeout=20)
    session_id = latest_session(machine)["SessionId"]
    machine.stack.api("EndTerminalSession", {"SessionId": session_id})
    child.expect(pexpect.EOF, timeout=20)
    assert ended(machine, session_id)["EndReason"] == "terminated"

    machine.stack.api("DeregisterInstance", {"InstanceId": machine.instance})
    started = machine.stack.cli("session", "-i", machine.instance, "--command", "true", check=False)
    assert started.returncode != 0 and "InvalidInstance.NotFound" in started.stderr

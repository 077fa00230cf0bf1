"""`tether agent config set` on a real running agent: the file changes, SIGHUP reloads it, new forwards follow it."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.stack import Stack, read_json_document
from support.wait import eventually_sync


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello through the forward"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def narrow(stack: Stack) -> str:
    """An agent that forwards only to localhost:1 (so the HTTP server's port is refused)."""
    return stack.add_agent("narrow", lambda state: stack.set_agent_settings(state, forward_targets=["localhost:1"]))


def _end_reason(stack: Stack, session_id: str) -> str:
    def ended() -> str | None:
        row = stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"][0]
        return str(row["EndReason"]) if row["State"] == "Terminated" else None

    return eventually_sync(ended, what=f"{session_id} to end", timeout=30, interval=0.3)


def _config(stack: Stack, instance: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return stack.cli("agent", "config", *args, "--state-dir", str(stack.agent_dirs[instance]), check=check)


def _fetch_through_forward(stack: Stack, instance: str, port: int) -> bytes:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tether", "portforward", "-i", instance, "--remote-port", str(port),
         "--local-port", "0", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=stack.env(), text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        local = int(read_json_document(proc.stdout)["LocalPort"])
        with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=20) as reply:
            return bytes(reply.read())
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def test_set_forward_targets_reloads_the_running_agent(stack: Stack, narrow: str, http_port: int) -> None:
    started = stack.api("StartTerminalSession", {"InstanceId": narrow, "PortNumber": http_port})
    assert _end_reason(stack, started["SessionId"]) == "failed: Bounds.ForwardTarget"

    agent_json = stack.agent_dirs[narrow] / "agent.json"
    before = agent_json.read_bytes()
    refused = _config(stack, narrow, "set", "forward_targets", "localhost:*", "10.0.0.0/8:99999", check=False)
    assert refused.returncode == 1
    assert "forward_targets" in refused.stderr and "ports are 1..65535" in refused.stderr, refused.stderr
    assert agent_json.read_bytes() == before  # a refused value changes nothing

    changed = _config(stack, narrow, "set", "forward_targets", f"127.0.0.1:{http_port},localhost:1")
    assert f"forward_targets = 127.0.0.1:{http_port},localhost:1" in changed.stdout, changed.stdout
    pid = stack.agents[narrow].pid
    assert f"agent (pid {pid}) reloaded: forward_targets now apply" in changed.stdout, changed.stdout
    assert oct(agent_json.stat().st_mode & 0o777) == "0o600"
    assert json.loads(_config(stack, narrow, "get", "forward_targets", "--json").stdout) == [
        f"127.0.0.1:{http_port}", "localhost:1"
    ]
    assert _fetch_through_forward(stack, narrow, http_port) == b"hello through the forward"
    assert stack.agents[narrow].poll() is None  # reloaded, not restarted


def test_a_key_read_at_start_is_reported_as_needing_a_restart(stack: Stack, narrow: str) -> None:
    changed = _config(stack, narrow, "set", "backoff_cap", "2")
    assert "restart the agent to apply backoff_cap" in changed.stdout, changed.stdout
    unset = _config(stack, narrow, "unset", "backoff_cap")
    assert "backoff_cap = 60" in unset.stdout, unset.stdout
    listing = _config(stack, narrow, "list").stdout
    assert any(line.split() == ["backoff_cap", "restart", "60"] for line in listing.splitlines()), listing


def test_bad_key_and_no_running_agent(stack: Stack, narrow: str, tmp_path: Path) -> None:
    wrong = _config(stack, narrow, "set", "forward_target", "x:1", check=False)
    assert wrong.returncode == 1 and "'forward_target' is not an agent setting" in wrong.stderr
    bad_bool = _config(stack, narrow, "set", "allow_commands", "maybe", check=False)
    assert bad_bool.returncode == 1 and "allow_commands: 'maybe' is not a yes/no value" in bad_bool.stderr
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("agent.json", "agent.key"):
        (copy / name).write_bytes((stack.agent_dirs[narrow] / name).read_bytes())
    quiet = stack.cli("agent", "config", "set", "allow_commands", "no", "--state-dir", str(copy))
    assert "no running agent found" in quiet.stdout, quiet.stdout
    assert json.loads((copy / "agent.json").read_text())["settings"]["allow_commands"] is False

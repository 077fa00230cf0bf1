"""A real tether deployment on loopback for the end-to-end tests and the benchmarks: server and agents as processes.

Everything goes through the `tether` command as a user would run it, so these tests cover the CLI wiring, TLS,
the relay and the agent together.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pexpect

from .ports import free_port, listening
from .wait import GiveUp, eventually_sync

# The agents' reconnect backoff, shortened (the defaults start at 1 s and reach 60 s): the tests restart servers
# and agents and wait for them to find each other again.
AGENT_SETTINGS: dict[str, Any] = {"backoff_base": 0.1, "backoff_cap": 1.0}


def read_json_document(stream: Any) -> Any:
    """Read lines from a text stream until they form one JSON document (`--json` output may be indented)."""
    text = ""
    while True:
        line = stream.readline()
        if not line:
            raise AssertionError(f"the stream ended before a JSON document was complete: {text!r}")
        text += line
        try:
            return json.loads(text)
        except ValueError:
            continue


class Stack:
    """A server (and agents) in a temporary directory, driven through the CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.server_dir = root / "server"
        self.server: subprocess.Popen[bytes] | None = None
        self.agents: dict[str, subprocess.Popen[bytes]] = {}
        self.agent_dirs: dict[str, Path] = {}
        self.creds: dict[str, str] = {}

    # -- processes ----------------------------------------------------------------------------------------------

    def _spawn(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "tether", *argv], stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                start_new_session=True, env=self.base_env(),
            )

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
        env["TETHER_CONFIG_FILE"] = str(self.root / "config.toml")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def env(self) -> dict[str, str]:
        env = self.base_env()
        env.update({
            "TETHER_SERVER": self.creds["server"],
            "TETHER_ACCESS_KEY_ID": self.creds["access_key_id"],
            "TETHER_ACCESS_KEY_SECRET": self.creds["access_key_secret"],
            "TETHER_CA_CERT": self.creds["ca_cert"],
        })
        return env

    def start_server(self, *extra: str) -> None:
        self.server_dir.mkdir(parents=True, exist_ok=True)
        self.server = self._spawn(
            ["server", "--data-dir", str(self.server_dir), "--listen", f"127.0.0.1:{self.port}",
             "--heartbeat-interval", "1", *extra],
            self.root / "server.log",
        )
        creds_file = self.server_dir / "admin-credentials.json"

        def ready() -> bool:
            assert self.server is not None
            if self.server.poll() is not None:
                raise GiveUp(f"the server exited: {self.log('server')}")
            return creds_file.exists() and listening(self.port)

        eventually_sync(ready, what="the server to listen", timeout=30)
        self.creds = json.loads(creds_file.read_text())

    def stop_server(self, sig: int = signal.SIGTERM) -> int:
        assert self.server is not None
        self.server.send_signal(sig)
        code = self.server.wait(timeout=30)
        self.server = None
        return code

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # -- CLI ----------------------------------------------------------------------------------------------------

    def cli(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "tether", *args], capture_output=True, text=True, env=self.env(),
            timeout=timeout, check=False, stdin=subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"tether {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc

    def api(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        out = self.cli("api", action, "--body", json.dumps(body or {})).stdout
        return json.loads(out)  # type: ignore[no-any-return]

    def add_agent(
        self, name: str = "agent", configure: Callable[[Path], None] | None = None, state_dir: Path | None = None
    ) -> str:
        """Register an agent in `state_dir` (default ROOT/name) with AGENT_SETTINGS, let `configure(state_dir)` adjust
        it, run it and wait until it is Online."""
        activation = json.loads(self.cli("activation", "create", "--json").stdout)
        state = state_dir or self.root / name
        reg = self.cli(
            "agent", "register", "--server", self.creds["server"], "--ca-cert", self.creds["ca_cert"],
            "--activation-id", activation["ActivationId"], "--activation-code", activation["ActivationCode"],
            "--state-dir", str(state), "--json",
        )
        instance_id: str = json.loads(reg.stdout)["InstanceId"]
        self.agent_dirs[instance_id] = state
        self.set_agent_settings(state, **AGENT_SETTINGS)
        if configure is not None:
            configure(state)
        self.start_agent(instance_id)
        self.wait_online(instance_id)
        return instance_id

    def start_agent(self, instance_id: str) -> None:
        self.agents[instance_id] = self._spawn(
            ["agent", "run", "--state-dir", str(self.agent_dirs[instance_id])], self.root / f"agent-{instance_id}.log"
        )

    def set_agent_settings(self, state_dir: Path, **settings: Any) -> None:
        """Change settings in the agent's agent.json (before it starts)."""
        path = state_dir / "agent.json"
        document = json.loads(path.read_text())
        document.setdefault("settings", {}).update(settings)
        path.write_text(json.dumps(document))

    def stop_agent(self, instance_id: str) -> None:
        proc = self.agents[instance_id]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    def status(self, instance_id: str) -> str:
        reply = self.api("DescribeInstances", {"InstanceIds": [instance_id]})
        return str(reply["Instances"][0]["Status"])

    def wait_online(self, instance_id: str, timeout: float = 30) -> None:
        eventually_sync(lambda: self.status(instance_id) == "Online", what=f"{instance_id} to be Online",
                        timeout=timeout, interval=0.3)

    def session(self, instance_id: str, *args: str, cols: int = 100, rows: int = 30) -> pexpect.spawn:
        child = pexpect.spawn(
            sys.executable, ["-m", "tether", "session", "-i", instance_id, *args], env=self.env(),
            dimensions=(rows, cols), timeout=20,
        )
        return child

    def close(self) -> None:
        for proc in [*self.agents.values(), *([self.server] if self.server else [])]:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for proc in [*self.agents.values(), *([self.server] if self.server else [])]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

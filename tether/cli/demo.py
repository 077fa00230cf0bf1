"""`tether demo`: a server, an agent and a shell through the relay, from one command, leaving nothing behind.

The demo runs the real programs (`tether server`, `tether agent run`, `tether session`) as child processes rather
than in-process shortcuts, so what a new user sees is exactly what a real install does. Server and agent run in
their own process sessions (the terminal's Ctrl-C never reaches them) and are stopped when the demo ends, however
it ends. State lives in the user's data directory, so a second run reuses the same server, keys and instance.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from tether.cli import runtime
from tether.client.api import ApiClient, ApiError
from tether.client.profile import xdg_dir

START_TIMEOUT = 30.0
ONLINE_TIMEOUT = 30.0


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/tether/demo`, else `~/.local/share/tether/demo`: a whole server and agent (database,
    keys, recordings) a person keeps between runs, which is data, not configuration or cache."""
    return xdg_dir("XDG_DATA_HOME", ".local/share", os.environ) / "tether" / "demo"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tether(*args: str) -> list[str]:
    return [sys.executable, "-m", "tether", *args]


class Children:
    """The demo's background processes; stops them all, in reverse order, on exit."""

    def __init__(self) -> None:
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, close_fds=True
            )
        self._procs.append((name, proc))
        return proc

    def check_alive(self, log_hint: Path | None = None) -> None:
        for name, proc in self._procs:
            code = proc.poll()
            if code is not None:
                hint = f"; see {log_hint}" if log_hint else ""
                raise click.ClickException(f"the demo's {name} exited with status {code}{hint}")

    def stop_all(self) -> None:
        for _, proc in reversed(self._procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in reversed(self._procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._procs.clear()


@contextlib.contextmanager
def _children() -> Iterator[Children]:
    children = Children()
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield children
    finally:
        children.stop_all()
        signal.signal(signal.SIGTERM, previous)


def _wait_for(what: str, check: Any, timeout: float, children: Children, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check_alive(log)
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise click.ClickException(f"timed out waiting for {what}; see {log}")


def _api(creds: dict[str, str], action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        client = ApiClient(creds["server"], creds["access_key_id"], creds["access_key_secret"], creds["ca_cert"])
        try:
            return await client.call(action, body or {})
        finally:
            await client.close()

    return runtime.run(call())


def _server_answers(creds_path: Path) -> dict[str, str] | None:
    if not creds_path.exists():
        return None
    creds: dict[str, str] = json.loads(creds_path.read_text())
    try:
        _api(creds, "DescribeInstances", {"PageSize": 1})
    except Exception:  # any failure to answer (refused, TLS not up yet, starting) means "not yet"
        return None
    return creds


def _console_hint(url: str, creds_path: Path) -> str:
    """Where the browser console is and how the administrator signs in to it."""
    try:
        has_password = bool(json.loads(creds_path.read_text()).get("ConsolePassword"))
    except (OSError, ValueError, AttributeError):
        has_password = False
    where = (
        f"password in {creds_path} (ConsolePassword)"
        if has_password
        else "the password set with `tether console admin-password`"
    )
    return f"browser console at {url}/console/ (user root, {where})"


def _login_facts(creds: dict[str, str], instance_id: str) -> tuple[str, list[str]]:
    """Who the shell runs as and whether it has sudo, as the agent reported it (not as the demo hopes), and the
    agent's notices ("sudo is not installed: ...") for the person at the terminal."""
    reply = _api(creds, "DescribeInstances", {"InstanceIds": [instance_id]})
    info = (reply.get("Instances") or [{}])[0]
    user = info.get("LoginUser")
    notices = [str(n) for n in info.get("Notices") or []]
    if not user:
        return "the agent's default login user", notices
    if os.geteuid() != 0:
        return f"you ({user}): the agent runs unprivileged, so it cannot switch users", notices
    sudo = "with passwordless sudo" if info.get("LoginUserSudo") else "without sudo"
    return f"the login user {user} ({sudo})", notices


def _instance_online(creds: dict[str, str], instance_id: str) -> bool:
    reply = _api(creds, "DescribeInstances", {"InstanceIds": [instance_id]})
    return any(i.get("Status") == "Online" for i in reply.get("Instances", []))


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the demo keeps its server and agent state (default: ~/.local/share/tether/demo).",
)
@click.option("--command", "command_line", default=None, help="Run this command instead of an interactive shell.")
@click.option("--port", type=int, default=None, help="Port for the demo server (default: the last one, or a free one).")
def demo(data_dir: Path | None, command_line: str | None, port: int | None) -> None:
    """Start a server and an agent on this machine and open a shell through the relay.

    Everything runs locally over TLS with SQLite; when the shell exits, the server and agent stop too.
    """
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    state_file = data_dir / "demo.json"
    state: dict[str, Any] = json.loads(state_file.read_text()) if state_file.exists() else {}
    if port is None:
        port = state.get("port") if state.get("port") and _port_free(state["port"]) else _free_port()
    elif not _port_free(port):
        raise click.ClickException(f"port {port} on 127.0.0.1 is in use: pick another with --port")
    server_dir, agent_dir = data_dir / "server", data_dir / "agent"
    server_log, agent_log = data_dir / "server.log", data_dir / "agent.log"
    url = f"https://127.0.0.1:{port}"

    with _children() as children:
        click.echo(f"tether demo: starting a server on {url} (state in {data_dir})", err=True)
        children.start(
            "server",
            _tether(
                "server", "--data-dir", str(server_dir), "--listen", f"127.0.0.1:{port}", "--heartbeat-interval", "5"
            ),
            server_log,
        )
        creds = _wait_for(
            "the server to answer",
            lambda: _server_answers(server_dir / "admin-credentials.json"),
            START_TIMEOUT,
            children,
            server_log,
        )

        instance_id = state.get("instance_id")
        if state.get("port") != port or not instance_id or not (agent_dir / "agent.json").exists():
            if instance_id:
                with contextlib.suppress(ApiError):
                    _api(creds, "DeregisterInstance", {"InstanceId": instance_id})
            activation = _api(
                creds, "CreateActivation", {"Description": "tether demo", "InstanceName": "demo", "InstanceCount": 1}
            )
            if agent_dir.exists():
                for stale in agent_dir.iterdir():
                    stale.unlink()
            reg = subprocess.run(
                _tether(
                    "agent",
                    "register",
                    "--server",
                    url,
                    "--ca-cert",
                    creds["ca_cert"],
                    "--activation-id",
                    activation["ActivationId"],
                    "--activation-code",
                    activation["ActivationCode"],
                    "--state-dir",
                    str(agent_dir),
                    "--json",
                ),
                capture_output=True,
                text=True,
                check=False,
            )
            if reg.returncode != 0:
                raise click.ClickException(f"registering the demo agent failed: {reg.stderr.strip()}")
            instance_id = json.loads(reg.stdout)["InstanceId"]
            state = {"port": port, "instance_id": instance_id}
            state_file.write_text(json.dumps(state))

        click.echo(f"tether demo: starting the agent for {instance_id}", err=True)
        children.start("agent", _tether("agent", "run", "--state-dir", str(agent_dir)), agent_log)
        _wait_for(
            f"{instance_id} to come online",
            lambda: _instance_online(creds, instance_id),
            ONLINE_TIMEOUT,
            children,
            agent_log,
        )

        who, notices = _login_facts(creds, instance_id)
        click.echo(f"tether demo: {instance_id} is online; the shell runs as {who}.", err=True)
        for notice in notices:
            click.echo(f"tether demo: note: {notice}", err=True)
        if command_line is None:
            click.echo("tether demo: type `exit` to leave (or Enter ~ . to disconnect).", err=True)
        click.echo(
            f"tether demo: to use this server from another terminal: "
            f"tether configure --from-file {shlex.quote(str(server_dir / 'admin-credentials.json'))}",
            err=True,
        )
        click.echo(f"tether demo: {_console_hint(url, server_dir / 'admin-credentials.json')}", err=True)

        env = dict(os.environ)
        env.update(
            {
                "TETHER_SERVER": creds["server"],
                "TETHER_ACCESS_KEY_ID": creds["access_key_id"],
                "TETHER_ACCESS_KEY_SECRET": creds["access_key_secret"],
                "TETHER_CA_CERT": creds["ca_cert"],
            }
        )
        env.pop("TETHER_PROFILE", None)
        env.pop("TETHER_SECURITY_TOKEN", None)
        argv = _tether("session", "-i", instance_id)
        if command_line is not None:
            argv += ["--command", command_line]
        # The session owns the terminal; the demo only waits, so terminal signals must not kill it first.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            status = subprocess.run(argv, env=env, check=False).returncode
        finally:
            signal.signal(signal.SIGINT, previous)
        click.echo("tether demo: stopping the agent and the server.", err=True)
    sys.exit(status)

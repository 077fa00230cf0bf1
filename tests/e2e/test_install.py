"""The agent install one-liner, run for real: the command `tether activation create` prints installs the server's own
wheel into a fresh virtual environment, registers the machine, and the installed agent comes Online.

The test adds only the options meant for it (a temporary prefix and state directory, no systemd, the running
Python with its site packages so no dependency is downloaded); the printed command itself is run as printed,
`sudo` and the pinned `curl` included.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pexpect
from support.stack import AGENT_SETTINGS, Stack

INSTALL_TIMEOUT = 240  # pip installs into a new venv on a loaded machine


def _printed_command(stack: Stack) -> tuple[str, str]:
    out = stack.cli("activation", "create").stdout
    lines = [line.strip() for line in out.splitlines()]
    commands = [line for line in lines if line.startswith("curl ")]
    assert len(commands) == 1, out
    code = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("ActivationCode:"))
    return commands[0], code


def _clean_env() -> dict[str, str]:
    """The new machine's environment: no tether settings, and nothing that makes Python import this checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TETHER_") and k != "PYTHONPATH"}


def _run(command: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", " ".join([command, *map(shlex.quote, extra)])], capture_output=True, text=True,
        env=_clean_env(), timeout=INSTALL_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
    )


def test_printed_one_liner_installs_registers_and_comes_online(fresh_stack: Stack, tmp_path: Path) -> None:
    command, code = _printed_command(fresh_stack)
    assert "--pinnedpubkey 'sha256//" in command and " -k " in command  # the private CA: pinned, never a bare -k
    prefix, state = tmp_path / "opt-tether", tmp_path / "agent-state"
    done = _run(command, "--prefix", str(prefix), "--state-dir", str(state), "--no-systemd",
                "--system-site-packages", "--python", sys.executable)
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"tether install: (\S+) registered", done.stdout)
    assert found, done.stdout
    instance = found.group(1)

    # the environment runs the wheel the server served, not this checkout
    where = subprocess.run([str(prefix / "bin" / "python"), "-c", "import tether; print(tether.__file__)"],
                           capture_output=True, text=True, env=_clean_env(), check=True, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(prefix)), where.stdout

    fresh_stack.agent_dirs[instance] = state
    fresh_stack.set_agent_settings(state, **AGENT_SETTINGS)
    with open(tmp_path / "agent.log", "ab") as log:
        fresh_stack.agents[instance] = subprocess.Popen(
            [str(prefix / "bin" / "tether"), "agent", "run", "--state-dir", str(state)], stdout=log, stderr=log,
            stdin=subprocess.DEVNULL, start_new_session=True, env=_clean_env(), cwd=tmp_path,
        )
    fresh_stack.wait_online(instance, timeout=60)
    child = fresh_stack.session(instance)
    child.send(b"echo INSTALLED_$((20+22))\r")
    child.expect(b"INSTALLED_42")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    assert code not in fresh_stack.log("server")  # the code never reached the server's log


def test_wrong_pin_installs_nothing(fresh_stack: Stack, tmp_path: Path) -> None:
    command, _code = _printed_command(fresh_stack)
    forged = re.sub(r"sha256//[A-Za-z0-9+/=]+", "sha256//" + "A" * 43 + "=", command)
    assert forged != command
    prefix = tmp_path / "opt-tether"
    done = _run(forged, "--prefix", str(prefix), "--state-dir", str(tmp_path / "s"), "--no-systemd",
                "--python", sys.executable)
    # curl refuses the server (a pipe into sh exits with sh's status, so the proof is what did not happen)
    assert "pinned public key" in done.stderr, done.stderr
    assert not prefix.exists()


def test_systemd_branch_writes_the_unit_and_enables_it(fresh_stack: Stack, tmp_path: Path) -> None:
    """The default path of the script: the unit it writes names the venv and state directory, passes
    `systemd-analyze verify` where that is installed, and is enabled and (re)started with systemctl (a stub here:
    no systemd runs on this machine); its ExecStart line, run as systemd would, brings the agent Online."""
    command, code = _printed_command(fresh_stack)
    activation_id = re.search(r"--id (\S+)", command)
    assert activation_id
    script = tmp_path / "install.sh"
    ca = ssl.create_default_context(cafile=fresh_stack.creds["ca_cert"])
    with urllib.request.urlopen(fresh_stack.creds["server"] + "/agent/install.sh", context=ca, timeout=30) as reply:
        script.write_bytes(reply.read())
    stub = tmp_path / "bin"
    stub.mkdir()
    calls = tmp_path / "systemctl.calls"
    (stub / "systemctl").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    (stub / "systemctl").chmod(0o755)
    prefix, state, units = tmp_path / "opt-tether", tmp_path / "agent-state", tmp_path / "units"
    units.mkdir()
    env = {**_clean_env(), "PATH": f"{stub}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["sh", str(script), "--id", activation_id.group(1), "--code", code, "--prefix", str(prefix),
         "--state-dir", str(state), "--unit-dir", str(units), "--system-site-packages", "--python", sys.executable],
        capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls.read_text().splitlines() == ["daemon-reload", "enable tether-agent", "restart tether-agent"]
    unit = (units / "tether-agent.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start == f"ExecStart={prefix}/bin/tether agent run --state-dir {state}"
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:
        verify = subprocess.run([analyze, "verify", str(units / "tether-agent.service")], capture_output=True,
                                text=True, timeout=60, check=False)
        assert (verify.returncode, verify.stdout + verify.stderr) == (0, ""), verify
    instance = re.search(r"tether install: (\S+) registered", done.stdout)
    assert instance, done.stdout
    fresh_stack.agent_dirs[instance.group(1)] = state
    fresh_stack.set_agent_settings(state, **AGENT_SETTINGS)
    with open(tmp_path / "agent.log", "ab") as log:
        fresh_stack.agents[instance.group(1)] = subprocess.Popen(
            shlex.split(exec_start.removeprefix("ExecStart=")), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True, env=_clean_env(), cwd="/",
        )
    fresh_stack.wait_online(instance.group(1), timeout=60)

    # run again, as an upgrade: no activation needed, the registration is kept, the agent restarted
    again = subprocess.run(
        ["sh", str(script), "--prefix", str(prefix), "--state-dir", str(state), "--unit-dir", str(units),
         "--system-site-packages", "--python", sys.executable],
        capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"is registered already (as {instance.group(1)})" in again.stdout
    assert calls.read_text().splitlines()[3:] == ["daemon-reload", "enable tether-agent", "restart tether-agent"]
    assert [i["InstanceId"] for i in fresh_stack.api("DescribeInstances")["Instances"]] == [instance.group(1)]


def test_register_prints_the_instance_and_the_next_step(stack: Stack, tmp_path: Path) -> None:
    activation = json.loads(stack.cli("activation", "create", "--json").stdout)
    state = tmp_path / "state"
    out = stack.cli(
        "agent", "register", "--server", stack.creds["server"], "--ca-cert", stack.creds["ca_cert"],
        "--activation-id", activation["ActivationId"], "--activation-code", activation["ActivationCode"],
        "--state-dir", str(state),
    )
    assert re.fullmatch(r"mi-[0-9a-f]+\n", out.stdout), out.stdout  # stdout stays the id alone, for scripts
    assert "systemctl enable --now tether-agent" in out.stderr
    assert f"tether agent run --state-dir {state}" in out.stderr

"""`tether completion`: the scripts, driven through a real bash, and `-i` completing from a real server."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.stack import Stack

from tether.auth.agentkey import public_key_text
from tether.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A `tether` on PATH that runs this checkout, as the installed command would."""
    directory = tmp_path / "bin"
    directory.mkdir()
    script = directory / "tether"
    python = shlex.quote(sys.executable)
    script.write_text(f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {python} -m tether "$@"\n')
    script.chmod(0o755)
    return directory


def complete(bin_dir: Path, words: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Source `tether completion bash` in a real bash, complete the last of `words`, print COMPREPLY."""
    program = "\n".join(
        [
            'eval "$(tether completion bash)"',
            f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})",
            f"COMP_CWORD={len(words) - 1}",
            "_tether_completion tether",  # what `complete -F` passes: the command name
            'for word in "${COMPREPLY[@]}"; do printf "%s\\n" "$word"; done',
        ]
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    full = {**base, **(env or {}), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, env=full, timeout=60)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_scripts(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell], prog_name="tether")
    assert result.exit_code == 0, result.output
    assert "_TETHER_COMPLETE" in result.stdout and f"{shell}_complete" in result.stdout


def test_unknown_shell() -> None:
    result = CliRunner().invoke(cli, ["completion", "tcsh"], prog_name="tether")
    assert result.exit_code == 2 and "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def test_bash_completes_commands_and_options(bin_dir: Path) -> None:
    result = complete(bin_dir, ["tether", "sess"])
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.split() == ["session", "sessions", "session-end"]
    result = complete(bin_dir, ["tether", "instances", "--st"])
    assert result.stdout.split() == ["--status"]
    result = complete(bin_dir, ["tether", "instances", "--status", ""])
    assert result.stdout.split() == ["Online", "Offline"]
    result = complete(bin_dir, ["tether", "--prof"])
    assert result.stdout.split() == ["--profile"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    stack = Stack(tmp_path_factory.mktemp("completion"))
    try:
        stack.start_server()
        activation = json.loads(stack.cli("activation", "create", "--instance-name", "web-1", "--json").stdout)
        reply = stack.api(
            "RegisterInstance",
            {
                "ActivationId": activation["ActivationId"],
                "ActivationCode": activation["ActivationCode"],
                "PublicKey": public_key_text(Ed25519PrivateKey.generate()),
                "Hostname": "web-1.internal",
            },
        )
        yield stack, str(reply["InstanceId"])
    finally:
        stack.close()


def test_instance_ids_and_names_complete(bin_dir: Path, server: tuple[Stack, str]) -> None:
    stack, instance_id = server
    env = {k: v for k, v in stack.env().items() if k.startswith("TETHER_")}
    result = complete(bin_dir, ["tether", "session", "-i", ""], env)
    assert result.stderr == ""
    assert set(result.stdout.split()) == {instance_id, "web-1"}
    assert complete(bin_dir, ["tether", "portforward", "--instance", "we"], env).stdout.split() == ["web-1"]
    assert complete(bin_dir, ["tether", "tag", "list", "mi-"], env).stdout.split() == [instance_id]
    assert complete(bin_dir, ["tether", "ssh", "alice@w"], env).stdout.split() == ["alice@web-1"]
    # the connection options on the line so far are used: here a profile that does not exist
    assert complete(bin_dir, ["tether", "--profile", "nosuch", "session", "-i", ""], env).stdout == ""


def test_instance_completion_stays_silent_when_the_server_fails(bin_dir: Path, server: tuple[Stack, str]) -> None:
    stack, _ = server
    env = {k: v for k, v in stack.env().items() if k.startswith("TETHER_")}
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    refused = complete(bin_dir, ["tether", "--server", f"https://127.0.0.1:{port}", "session", "-i", ""], env)
    assert (refused.returncode, refused.stdout, refused.stderr) == (0, "", "")
    wrong_key = complete(bin_dir, ["tether", "session", "--access-key-secret", "wrong", "-i", ""], env)
    assert (wrong_key.returncode, wrong_key.stdout, wrong_key.stderr) == (0, "", "")
    # a server that accepts the connection and never answers: completion gives up (COMPLETION_TIMEOUT) in silence
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        black_hole = f"https://127.0.0.1:{silent.getsockname()[1]}"
        hung = complete(bin_dir, ["tether", "--server", black_hole, "session", "-i", ""], env)
    assert (hung.returncode, hung.stdout, hung.stderr) == (0, "", "")

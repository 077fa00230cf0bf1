"""`tether ssh`, `ssh-key push` and `ssh-config`: argv and config construction, the API call, and real OpenSSH
(ssh, scp, a private sshd) through `tether proxy` and the fake relay+agent."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.sshd import Sshd, sshd_binary

from tether.cli import cli
from tether.client.errors import ConfigError
from tether.client.sshcmd import (
    build_ssh_argv,
    ephemeral_key,
    parse_destination,
    proxy_command,
    read_public_key,
    ssh_config_stanza,
)

from .client_fakes import KEY_ID, KEY_SECRET
from .forward_fakes import ForwardFake

ROOT = Path(__file__).resolve().parents[2]
needs_openssh = pytest.mark.skipif(
    sshd_binary() is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="needs OpenSSH (ssh, ssh-keygen, sshd)",
)


def env_for(fake: ForwardFake) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TETHER_SERVER=fake.url,
        TETHER_ACCESS_KEY_ID=KEY_ID,
        TETHER_ACCESS_KEY_SECRET=KEY_SECRET,
        TETHER_CA_CERT=str(fake.tls.ca_cert),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"


# ------------------------------------------------------------------------------------------------- unit: argv


def test_proxy_command_quotes_paths_and_escapes_percent() -> None:
    line = proxy_command(["/opt/my tools/py%thon", "-m", "tether"], profile="lab")
    assert line == "'/opt/my tools/py%%thon' -m tether proxy --profile lab -i %h --port %p"


def test_ssh_argv_puts_our_options_first() -> None:
    argv = build_ssh_argv(
        "/usr/bin/ssh",
        destination="alice@mi-0123456789abcdef0",
        instance_id="mi-0123456789abcdef0",
        identity=Path("/tmp/k/id_ed25519"),
        proxy="python -m tether proxy -i %h --port %p",
        ssh_args=["-p", "2222", "uname", "-a"],
    )
    assert argv == [
        "/usr/bin/ssh",
        "-o",
        "ProxyCommand=python -m tether proxy -i %h --port %p",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "HostKeyAlias=mi-0123456789abcdef0",
        "-i",
        "/tmp/k/id_ed25519",
        "alice@mi-0123456789abcdef0",
        "-p",
        "2222",
        "uname",
        "-a",
    ]


def test_parse_destination() -> None:
    assert parse_destination("alice@mi-1") == ("alice", "mi-1")
    user, host = parse_destination("mi-1")
    assert host == "mi-1" and user  # the local login name, as with ssh
    for bad in ("alice@", "alice@-oProxyCommand=x", "alice@host:22", "bad user@mi-1"):
        with pytest.raises(ConfigError):
            parse_destination(bad)


def test_read_public_key_refuses_private_keys_and_junk(tmp_path: Path) -> None:
    good = tmp_path / "id.pub"
    good.write_text(PUBLIC_KEY + "\n")
    assert read_public_key(good) == PUBLIC_KEY
    private = tmp_path / "id"
    private.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(ConfigError, match=r"private key .*id\.pub"):
        read_public_key(private)
    junk = tmp_path / "junk"
    junk.write_text("hello world\n")
    with pytest.raises(ConfigError, match="not an OpenSSH public key"):
        read_public_key(junk)
    with pytest.raises(ConfigError, match="cannot read"):
        read_public_key(tmp_path / "missing.pub")


@needs_openssh
def test_ephemeral_key_lives_in_a_private_directory_removed_after() -> None:
    with ephemeral_key() as key:
        directory = key.private_key.parent
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert stat.S_IMODE(key.private_key.stat().st_mode) == 0o600
        assert key.public_key.startswith("ssh-ed25519 ") and key.public_key.endswith(" tether-ephemeral")
    assert not directory.exists()


# --------------------------------------------------------------------------------------------------- ssh-config


def test_ssh_config_stanza() -> None:
    stanza = ssh_config_stanza(["/usr/local/bin/tether"], user="alice")
    assert stanza.splitlines()[1:] == [
        "Host mi-*",
        "    ProxyCommand /usr/local/bin/tether proxy -i %h --port %p",
        "    User alice",
    ]


def test_ssh_config_command() -> None:
    result = invoke("ssh-config", "--user", "alice", "--profile", "lab")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Host mi-*" in lines and "    User alice" in lines
    proxy = next(line for line in lines if line.strip().startswith("ProxyCommand"))
    assert proxy.endswith(" proxy --profile lab -i %h --port %p")
    assert "~/.ssh/config" in result.stderr


# ------------------------------------------------------------------------------------------------ ssh-key push


def test_ssh_key_push(ffake: ForwardFake, tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519.pub"
    key.write_text(PUBLIC_KEY + "\n")
    result = invoke("ssh-key", "push", "-i", "mi-1", "--user", "alice", "--public-key", str(key), env=env_for(ffake))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Expiration: 2026-11-28T11:41:24Z\n"
    action, params, _ = ffake.calls[-1]
    assert action == "SendSSHPublicKey"
    assert params == {"InstanceId": "mi-1", "UserName": "alice", "SSHPublicKey": PUBLIC_KEY}

    result = invoke(
        "ssh-key", "push", "-i", "mi-1", "--user", "alice", "--public-key", str(key), "--json", env=env_for(ffake)
    )
    assert json.loads(result.stdout)["Expiration"] == "2026-11-28T11:41:24Z"


def test_ssh_key_push_refuses_a_private_key_before_calling(ffake: ForwardFake, tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    result = invoke("ssh-key", "push", "-i", "mi-1", "--user", "alice", "--public-key", str(key), env=env_for(ffake))
    assert result.exit_code == 1
    assert result.stderr.startswith("tether: ") and "private key" in result.stderr
    assert ffake.calls == []


# ------------------------------------------------------------------------------------------ tether ssh (argv)


FAKE_SSH = """#!{python}
import json, os, stat, sys
argv = sys.argv
key = argv[argv.index("-i") + 1]
record = {{
    "argv": argv,
    "key_exists": os.path.exists(key),
    "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(key)).st_mode),
    "public": open(key + ".pub").read().strip(),
    "env": {{k: v for k, v in os.environ.items() if k.startswith("TETHER_")}},
}}
open({record!r}, "w").write(json.dumps(record))
sys.exit(7)
"""


def test_ssh_runs_openssh_with_a_pushed_ephemeral_key(ffake: ForwardFake, tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("needs ssh-keygen")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "record.json"
    fake_ssh = bin_dir / "ssh"
    fake_ssh.write_text(FAKE_SSH.format(python=sys.executable, record=str(record)))
    fake_ssh.chmod(0o755)
    env = env_for(ffake)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    child = subprocess.run(
        [sys.executable, "-m", "tether", "ssh", "alice@mi-1", "-p", "2222", "uname", "-a"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == 7, child.stderr  # ssh's own status
    seen = json.loads(record.read_text())
    argv = seen["argv"]
    assert argv[argv.index("alice@mi-1") + 1 :] == ["-p", "2222", "uname", "-a"]
    proxy = next(a for a in argv if a.startswith("ProxyCommand="))
    assert proxy.endswith(" -m tether proxy -i %h --port %p")
    assert "IdentitiesOnly=yes" in argv and "HostKeyAlias=mi-1" in argv
    assert seen["key_exists"] and seen["dir_mode"] == 0o700
    pushed = [params for action, params, _ in ffake.calls if action == "SendSSHPublicKey"]
    assert pushed == [{"InstanceId": "mi-1", "UserName": "alice", "SSHPublicKey": seen["public"]}]
    # the proxy ssh starts finds the same server and key in its environment
    assert seen["env"]["TETHER_SERVER"] == ffake.url and seen["env"]["TETHER_ACCESS_KEY_ID"] == KEY_ID
    key_path = Path(argv[argv.index("-i") + 1])
    assert not key_path.parent.exists()  # removed after ssh ended


def test_ssh_push_refused_exits_255_and_removes_the_key(ffake: ForwardFake, tmp_path: Path) -> None:
    env = env_for(ffake)
    env["TETHER_ACCESS_KEY_SECRET"] = "wrong"
    child = subprocess.run(
        [sys.executable, "-m", "tether", "ssh", "alice@mi-1"], env=env, capture_output=True, timeout=60
    )
    assert child.returncode == 255
    lines = child.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tether: SignatureDoesNotMatch"), lines


# ------------------------------------------------------------------------------- real OpenSSH through the fake


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """sshd on a free loopback port whose authorized_keys is where the fake agent puts pushed keys."""
    if os.geteuid() != 0:
        pytest.skip("the private sshd logs in as the current user only when it runs as root")
    server = Sshd(tmp_path / "sshd", authorize_user_key=False)
    try:
        yield server
    finally:
        server.close()


QUIET = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]


@needs_openssh
def test_tether_ssh_runs_a_remote_command_through_the_relay(ffake: ForwardFake, sshd: Sshd) -> None:
    ffake.authorized_keys = sshd.authorized_keys
    user = os.environ.get("USER") or "root"
    argv = [sys.executable, "-m", "tether", "ssh", f"{user}@mi-1", "-p", str(sshd.port), *QUIET, "-o", "BatchMode=yes"]
    child = subprocess.run([*argv, "echo", "hello from sshd"], env=env_for(ffake), capture_output=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert child.stdout == b"hello from sshd\n"
    assert ffake.agents[-1].opens == [f"127.0.0.1:{sshd.port}"]
    child = subprocess.run([*argv, "exit", "3"], env=env_for(ffake), capture_output=True, timeout=60)
    assert child.returncode == 3  # ssh's status passes through


@needs_openssh
def test_scp_with_the_ssh_config_stanza(ffake: ForwardFake, sshd: Sshd, tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    ffake.authorized_keys = sshd.authorized_keys
    pushed = invoke("ssh-key", "push", "-i", "mi-1", "--user", "root", "--public-key", f"{key}.pub", env=env_for(ffake))
    assert pushed.exit_code == 0, pushed.output
    stanza = invoke("ssh-config", "--user", "root").stdout
    config = tmp_path / "ssh_config"
    config.write_text(
        stanza + f"    Port {sshd.port}\n    IdentityFile {key}\n    IdentitiesOnly yes\n    BatchMode yes\n"
        "    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n    LogLevel ERROR\n"
    )
    source = tmp_path / "payload"
    source.write_bytes(os.urandom(8 * 1024 * 1024))
    target = tmp_path / "copied"
    child = subprocess.run(
        ["scp", "-F", str(config), str(source), f"mi-1:{target}"], env=env_for(ffake), capture_output=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()

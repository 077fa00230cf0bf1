"""Temporary SSH keys against a real, private sshd on a loopback port (StrictModes on), and `sshd-config`."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.ports import free_port, listening
from support.wait import GiveUp, eventually

from tether.agent.config import AgentSettings, ensure_state_dir
from tether.agent.sshd import check_sshd, config_lines
from tether.agent.sshkeys import SshKeyManager
from tether.cli import cli as cli_main
from tether.protocol.control import PushKey

SSHD = "/usr/sbin/sshd"
SSH = shutil.which("ssh") or "/usr/bin/ssh"
USER = "tether-user"

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: runs sshd and logs in as another user"),
]
if not (os.access(SSHD, os.X_OK) and os.access(SSH, os.X_OK)) and os.environ.get("TETHER_REQUIRE_SSHD") != "1":
    pytestmark.append(pytest.mark.skip(reason=f"needs OpenSSH ({SSHD} and ssh); set TETHER_REQUIRE_SSHD=1 to insist"))


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """An agent state directory where StrictModes accepts it: not under /tmp (world-writable), root-owned."""
    path = Path(tempfile.mkdtemp(prefix="tether-sshd-test-", dir="/var/lib"))
    try:
        yield ensure_state_dir(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sshd_config(tmp: Path, state: Path, port: int, *, with_keys: bool = True) -> Path:
    host_key = tmp / "host_ed25519"
    if not host_key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    lines = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {host_key}",
        f"PidFile {tmp / 'sshd.pid'}",
        "StrictModes yes",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "LogLevel DEBUG1",
    ]
    if with_keys:
        lines += config_lines(state)
    cfg = tmp / ("sshd_config" if with_keys else "sshd_config_plain")
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


@dataclass
class Sshd:
    port: int
    config: Path
    log: Path


@pytest.fixture
async def sshd(tmp_path: Path, state_dir: Path) -> AsyncIterator[Sshd]:
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    port = free_port()
    cfg = sshd_config(tmp_path, state_dir, port)
    log = tmp_path / "sshd.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT)
    try:

        def up() -> bool:
            if proc.poll() is not None:
                raise GiveUp(f"sshd exited: {log.read_text()[-2000:]}")
            assert listening(port), f"sshd's log so far: {log.read_text()[-2000:]}"
            return True

        await eventually(up, what=f"sshd to listen on port {port}")
        yield Sshd(port, cfg, log)
    finally:
        proc.terminate()
        proc.wait(10)


def ssh_whoami(key: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SSH, "-i", str(key), "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", f"{USER}@127.0.0.1", "whoami"],
        capture_output=True, text=True, timeout=30, check=False,
    )


def own_authorized_keys() -> Path:
    entry = pwd.getpwnam(USER)
    ssh_dir = Path(entry.pw_dir) / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    os.chown(ssh_dir, entry.pw_uid, entry.pw_gid)
    path = ssh_dir / "authorized_keys"
    if not path.exists():
        path.write_text("# the user's own keys: tether must never touch this file\n")
        os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o600)
    return path


async def test_pushed_key_logs_in_until_it_expires(tmp_path: Path, state_dir: Path, sshd: Sshd) -> None:
    settings = AgentSettings(sshd_config=str(sshd.config))
    manager = SshKeyManager(state_dir, settings)
    await manager.start()  # creates nothing yet; checks sshd
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    try:
        await manager.push(PushKey(request_id="r-0", username=USER, public_key="x", lifetime=3))  # creates the user
        own = own_authorized_keys()
        own_before = (hashlib.sha256(own.read_bytes()).hexdigest(), own.stat().st_mtime_ns)
        result = await manager.push(
            PushKey(request_id="r-1", username=USER, public_key=key.with_suffix(".pub").read_text(), lifetime=3)
        )
        assert result.ok, result
        # The timer would tidy the file away; stop it, so the refusal below is sshd's own `expiry-time` at work.
        await manager.close()
        ok = await asyncio.to_thread(ssh_whoami, key, sshd.port)
        assert ok.returncode == 0 and ok.stdout.strip() == USER, f"{ok.stderr}\n{sshd.log.read_text()[-3000:]}"
        assert (state_dir / "ssh-keys" / USER).exists()
        expires = time.mktime(time.strptime(result.expires_at, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone

        async def refused() -> subprocess.CompletedProcess[str] | None:
            late = await asyncio.to_thread(ssh_whoami, key, sshd.port)
            return late if late.returncode != 0 else None

        # refused by its expiry plus 1.5 s, as before: the last attempt starts once that has passed
        late = await eventually(refused, what="the pushed key to expire", timeout=max(0.0, expires - time.time()) + 1.5,
                                interval=0.2)
        assert (state_dir / "ssh-keys" / USER).exists()
        assert late.returncode != 0, late.stdout
        assert "expired" in sshd.log.read_text().lower(), sshd.log.read_text()[-3000:]
        assert (hashlib.sha256(own.read_bytes()).hexdigest(), own.stat().st_mtime_ns) == own_before
        # A fresh manager prunes at start.
        fresh = SshKeyManager(state_dir, settings)
        await fresh.start()
        await fresh.close()
        assert not (state_dir / "ssh-keys" / USER).exists()
    finally:
        await manager.close()


async def test_unconfigured_sshd_is_reported(tmp_path: Path, state_dir: Path) -> None:
    plain = sshd_config(tmp_path, state_dir, free_port(), with_keys=False)
    status = await asyncio.to_thread(check_sshd, SSHD, str(plain), state_dir, USER)
    assert not status.ok and f"{state_dir}/ssh-keys/%u" in status.problem
    manager = SshKeyManager(state_dir, AgentSettings(sshd_config=str(plain)))
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsQm9sVQJ0uVvUnz3BZ0Wn4tmv4WfpRzsDAmjRQaJsm"
    result = await manager.push(PushKey(request_id="r-2", username=USER, public_key=key, lifetime=3))
    assert (result.ok, result.code) == (False, "SshdNotConfigured")
    assert "AuthorizedKeysFile" in result.message
    missing = await asyncio.to_thread(check_sshd, "/nonexistent/sshd", str(plain), state_dir, USER)
    assert not missing.ok and "not installed" in missing.problem


def test_sshd_config_command_output_is_valid(tmp_path: Path, state_dir: Path) -> None:
    result = CliRunner().invoke(cli_main, ["agent", "sshd-config", "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == config_lines(state_dir)
    assert result.output.splitlines()[-1] == (
        f"AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 {state_dir}/ssh-keys/%u"
    )
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    base = sshd_config(tmp_path, state_dir, free_port(), with_keys=False)
    cfg = tmp_path / "appended"
    cfg.write_text(base.read_text() + result.output)
    check = subprocess.run([SSHD, "-t", "-f", str(cfg)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    assert check_sshd(SSHD, str(cfg), state_dir, USER).ok
    bad = CliRunner().invoke(cli_main, ["agent", "sshd-config", "--state-dir", "/var/lib/with space"])
    assert bad.exit_code != 0 and "whitespace" in bad.output

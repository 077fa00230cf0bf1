"""A private OpenSSH server on a free loopback port, for tests and benchmarks that compare with or go through sshd."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
from pathlib import Path

from stack import free_port, wait_until


def sshd_binary() -> str | None:
    """Path of sshd, or None when openssh-server is not installed."""
    found = shutil.which("sshd")
    if found:
        return found
    return "/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None


def _connects(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Sshd:
    """sshd with its own host key and a key for the current user; `extra_config` lines take precedence."""

    def __init__(self, root: Path, extra_config: str = "") -> None:
        binary = sshd_binary()
        if binary is None:
            raise RuntimeError("sshd is not installed (apt-get install openssh-server)")
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.host_key, self.user_key = root / "host_ed25519", root / "user_ed25519"
        for key in (self.host_key, self.user_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        (root / "authorized_keys").write_text((root / "user_ed25519.pub").read_text())
        os.chmod(root / "authorized_keys", 0o600)
        self.config = root / "sshd_config"
        # sshd takes the first value of a keyword, so the caller's lines come first
        self.config.write_text(
            f"{extra_config.strip()}\n"
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\nPidFile {root}/sshd.pid\n"
            f"AuthorizedKeysFile {root}/authorized_keys\nStrictModes no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "Subsystem sftp internal-sftp\nLogLevel ERROR\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)
        self.proc = subprocess.Popen([binary, "-D", "-e", "-f", str(self.config)], stderr=subprocess.DEVNULL)
        wait_until("sshd to listen", lambda: _connects(self.port), timeout=10)

    def ssh_options(self) -> list[str]:
        return ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "BatchMode=yes"]

    def argv(self, *remote: str, tty: bool = True) -> list[str]:
        """ssh to this server as the current user with the user key."""
        return ["ssh", *(["-tt"] if tty else ["-T"]), "-i", str(self.user_key), "-p", str(self.port),
                *self.ssh_options(), f"{self.user}@127.0.0.1", *remote]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

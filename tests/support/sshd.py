"""A private OpenSSH server on a free loopback port, for tests and benchmarks that compare with or go through sshd."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from .ports import free_port, wait_listening


def sshd_binary() -> str | None:
    """Path of sshd, or None when openssh-server is not installed."""
    found = shutil.which("sshd")
    if found:
        return found
    return "/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None


class Sshd:
    """sshd with its own host key and a key for the current user; `extra_config` lines take precedence.

    `root/authorized_keys` holds the user key's public half, or nothing with `authorize_user_key=False` (a test
    that adds keys there itself, as a fake agent does with pushed keys).
    """

    def __init__(self, root: Path, extra_config: str = "", *, authorize_user_key: bool = True) -> None:
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
        self.authorized_keys = root / "authorized_keys"
        self.authorized_keys.write_text((root / "user_ed25519.pub").read_text() if authorize_user_key else "")
        os.chmod(self.authorized_keys, 0o600)
        self.config = root / "sshd_config"
        # sshd takes the first value of a keyword, so the caller's lines come first
        self.config.write_text(
            f"{extra_config.strip()}\n"
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\nPidFile {root}/sshd.pid\n"
            f"AuthorizedKeysFile {self.authorized_keys}\nStrictModes no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "Subsystem sftp internal-sftp\nLogLevel ERROR\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)
        self.proc = subprocess.Popen([binary, "-D", "-e", "-f", str(self.config)], stderr=subprocess.DEVNULL)
        wait_listening(self.port, "sshd", process=self.proc, timeout=10)

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

"""Loopback ports: a free one, whether one is listening, and waiting until one is."""

from __future__ import annotations

import socket
import subprocess

from .wait import GiveUp, eventually_sync

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nothing listens on right now (bound and released at once): for a server to bind next, or a
    target that refuses connections."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def listening(port: int, host: str = LOOPBACK) -> bool:
    """Whether something accepts TCP connections at host:port now."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def wait_listening(
    port: int,
    what: str,
    *,
    host: str = LOOPBACK,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = 10.0,
) -> None:
    """Wait until host:port accepts connections (`what` names the server in the failure); give up at once when
    the server's `process` has exited."""

    def up() -> bool:
        if process is not None and process.poll() is not None:
            raise GiveUp(f"{what} exited with status {process.returncode}")
        return listening(port, host)

    eventually_sync(up, what=f"{what} to listen on {host}:{port}", timeout=timeout)

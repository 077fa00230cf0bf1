"""The server's listening sockets, bound before anything else starts.

Binding first means a port that is taken fails the start at once, before a database is migrated or a first-start
secret is created, and that the public URL (which names the real port, also when the port was 0) is known when the
rest of the server is assembled, so nothing has to be filled in afterwards.
"""

from __future__ import annotations

import logging
import resource
import socket
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

# Connections the kernel queues before the server accepts them. 128 (aiohttp's default) overflowed in connect
# storms: 5,000 agents dialling at once lost 40,829 SYNs, retried on the kernel's slow schedule into the agents'
# handshake timeout. The kernel caps it at net.core.somaxconn (4096 on current kernels).
DEFAULT_BACKLOG = 4096


class ListenError(OSError):
    """The address could not be listened on; the message says which and what to do."""


def bind(host: str, port: int, backlog: int = DEFAULT_BACKLOG) -> list[socket.socket]:
    """Listening sockets for every address `host` resolves to (one for an IP literal), all on the same port."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}: give an IP address or a known name") \
            from exc
    socks: list[socket.socket] = []
    seen: set[tuple[int, object]] = set()
    try:
        for family, type_, proto, _name, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, type_, proto)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(socks) > 1:  # the first socket chose the port: the others take the same one
                address = (address[0], socks[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(backlog)
            sock.setblocking(False)
    except OSError as exc:
        close(socks)
        raise ListenError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}: stop what holds the port or pick another one "
            "with --listen"
        ) from exc
    return socks


def bound_port(socks: Iterable[socket.socket]) -> int:
    return int(next(iter(socks)).getsockname()[1])


def close(socks: Iterable[socket.socket]) -> None:
    for sock in socks:
        sock.close()


def somaxconn() -> int | None:
    """The kernel's cap on a listen backlog (Linux), or None where it cannot be read."""
    try:
        return int(Path("/proc/sys/net/core/somaxconn").read_text().strip())
    except (OSError, ValueError):
        return None


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (each agent holds a socket: 1,024 is far too few); returns
    the limit now in force. Logged when it changed, and when it stays low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError) as exc:
            log.warning("could not raise the open files limit from %d to %d: %s", soft, target, exc)
            return soft
        log.info("open files limit raised from %d to %d", soft, target)
        soft = target
    if soft < 16384:
        log.warning("open files limit is %d: at most about that many agents can connect (raise LimitNOFILE)", soft)
    return soft

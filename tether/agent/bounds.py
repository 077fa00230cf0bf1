"""What this agent accepts from its server, whatever the server says: the machine's own limits (docs/threat-model.md).

The server authorises people; these bounds limit what the *server* can make the agent do, so a compromised or
misconfigured server does not own the machine outright. Each bound is an `agent.json` setting (or a `tether agent
register|run` option), checked here, on the agent, before anything starts:

- `allowed_users`: login users a shell may run as besides the default user (`"*"`: any existing non-root account).
  A uid-0 account needs `allow_root_login` **and** to be named explicitly (in `allowed_users`, or as the default
  user): `"*"` never means root.
- `allow_commands`: whether sessions with a `CommandLine` are accepted (default true: a command is what a person
  could type into a shell, so refusing it bounds nothing a shell does not already allow; turn it off on machines
  where only interactive, recorded shells should run).
- `forward_targets`: `HOST:PORT` patterns a port forward may dial. HOST is a host name (wildcards `*`, `?`), an IP
  address or a CIDR block (IPv6 in brackets: `[::1]:*`, `[fd00::/8]:443`); PORT is a number, a range `1024-2048` or
  `*`. Default: the machine itself (`localhost:*`, `127.0.0.0/8:*`, `[::1]:*`). A host name is matched as given
  (the server sends it canonical); an IP pattern matches only an IP target.
- `data_channel_hosts`: host names (wildcards allowed) a session's `wss://` data channel may use besides the host of
  the server the agent registered with (the port may differ: scale-out nodes behind one name).

A refusal is a `BoundRefused` with a coded message (`Bounds.*`); it reaches the server as `session_failed`, and from
there the client and the session record.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from tether.agent.errors import AgentError

DEFAULT_FORWARD_TARGETS = ("localhost:*", "127.0.0.0/8:*", "[::1]:*")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BoundRefused(AgentError):
    """The server asked for something this agent's bounds do not allow; `code` is `Bounds.<What>`."""


@dataclass(frozen=True, slots=True)
class TargetPattern:
    """One parsed `forward_targets` entry: a host glob or a network, and an inclusive port range."""

    host: str | None  # lower-case host-name glob, or None when `network` is set
    network: IpNetwork | None
    low: int
    high: int

    def matches(self, host: str, port: int) -> bool:
        if not self.low <= port <= self.high:
            return False
        ip = _ip(host)
        if self.network is not None:
            return ip is not None and ip.version == self.network.version and ip in self.network
        assert self.host is not None
        return ip is None and fnmatch.fnmatchcase(host.lower().rstrip("."), self.host)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_target_pattern(text: str) -> TargetPattern:
    """`HOST:PORT` (see the module docstring) -> TargetPattern; ValueError saying what is wrong."""
    host, sep, ports = text.strip().rpartition(":")
    if not sep or not host or not ports:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. localhost:*, 10.0.0.0/8:5432, [::1]:8000-8100)")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError(f"{text!r}: an IPv6 host goes in brackets, e.g. [::1]:22")
        host = host[1:-1]
    if ports == "*":
        low, high = 1, 65535
    else:
        first, dash, last = ports.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"{text!r}: the port must be a number, a range like 8000-8100, or *")
        low, high = int(first), int(last) if dash else int(first)
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"{text!r}: ports are 1..65535 and a range goes low-high")
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        if not host or any(c in host for c in "/:[] "):
            raise ValueError(f"{text!r}: {host!r} is neither a host name pattern nor an IP address or CIDR") from None
        return TargetPattern(host.lower().rstrip("."), None, low, high)
    return TargetPattern(None, network, low, high)


def check_patterns(patterns: list[str]) -> None:
    """Validate `forward_targets` when the settings are loaded, so a typo is found at start, not at first use."""
    for text in patterns:
        parse_target_pattern(text)


def check_forward_target(host: str, port: int, patterns: list[str]) -> None:
    """Raise `Bounds.ForwardTarget` unless `host:port` matches one of `patterns` (an empty list refuses all)."""
    for text in patterns:
        if parse_target_pattern(text).matches(host, port):
            return
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    raise BoundRefused(
        "Bounds.ForwardTarget",
        f"this machine does not forward to {shown}: it is not in the agent's forward_targets",
    )


def check_command(command: str | None, allow_commands: bool) -> None:
    """Raise `Bounds.Command` for a CommandLine session on an agent with `allow_commands` off."""
    if command and not allow_commands:
        raise BoundRefused(
            "Bounds.Command", "this machine does not run commands (allow_commands is off); open a shell instead"
        )


def check_login_user(name: str, uid: int, *, default_user: str, allowed_users: list[str], allow_root: bool) -> None:
    """Raise `Bounds.User` (as `InvalidUser.NotAllowed`, the code clients know) unless `name` may be a login user."""
    named = name == default_user or name in allowed_users
    if uid == 0:
        if not allow_root or not named:
            raise BoundRefused(
                "InvalidUser.NotAllowed",
                "root login is disabled on this machine: it needs allow_root_login and the user named in allowed_users",
            )
        return
    if not named and "*" not in allowed_users:
        raise BoundRefused(
            "InvalidUser.NotAllowed",
            f"login as {name!r} is not allowed on this machine (not in the agent's allowed_users)",
        )


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def check_data_url(data_url: str, server: str, extra_hosts: list[str]) -> None:
    """Raise `Bounds.DataChannelHost` unless the data channel's host is the registered server's, or listed."""
    host = _host_of(data_url)
    if host and host == _host_of(server):
        return
    if host and any(fnmatch.fnmatchcase(host, pattern.lower().rstrip(".")) for pattern in extra_hosts):
        return
    raise BoundRefused(
        "Bounds.DataChannelHost",
        f"the data channel host {host or '(none)'!r} is not the server this agent registered with "
        f"({_host_of(server)!r}); list it in data_channel_hosts if it is another node of that server",
    )

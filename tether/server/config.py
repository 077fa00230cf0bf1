"""Server settings as one dataclass, so the CLI, tests and (later) a config file build the same thing."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tether.auth.tls import check_san
from tether.server.clientaddr import parse_networks

DEFAULT_LISTEN = "127.0.0.1:8443"
# bounds of the two many-agents settings: a backlog beyond 65535 is no longer a queue the kernel keeps (somaxconn
# caps it anyway), and past 10,000 handshakes at once a node has stopped bounding anything
LISTEN_BACKLOG_RANGE = (16, 65535)
MAX_AGENT_HANDSHAKES_RANGE = (1, 10_000)


@dataclass
class ServerConfig:
    """Everything `start_server` needs. Durations are seconds."""

    data_dir: Path
    listen_host: str = "127.0.0.1"
    listen_port: int = 8443
    public_url: str | None = None  # default: derived from the listen address once the port is known
    db_url: str | None = None  # default: SQLite in data_dir
    tls: bool = True
    # the operator's own certificate instead of the built-in CA (reloaded on SIGHUP); tls_ca is the CA clients
    # should trust (written into admin-credentials.json), None for a publicly trusted certificate
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None
    tls_san: list[str] = field(default_factory=list)  # extra names for the built-in certificate
    heartbeat_interval: float = 30.0
    idle_timeout: float = 1200.0
    max_duration: float = 28800.0
    # a started session nobody connects to ends this soon (it holds a place in the quotas until then)
    client_token_ttl: float = 30.0
    # the same for port forwards: ali-instance-cli dials its first WebSocket only when the first local TCP
    # connection arrives, which may be minutes after StartTerminalSession
    forward_connect_ttl: float = 600.0
    # a shell session whose client connection broke is kept this long for the client to resume it
    resume_window: float = 300.0
    agent_connect_timeout: float = 30.0
    hello_timeout: float = 10.0
    max_sessions_per_instance: int = 50
    # per principal (user, role session, root): sessions open at once, and of those not yet connected
    max_sessions_per_principal: int = 20
    max_pending_sessions_per_principal: int = 5
    drain_timeout: float = 30.0
    region: str = "local"
    node_id: str | None = None  # default: stored in data_dir/node-id
    # AssumeRole's DurationSeconds range is sts_min_duration..3600 (900 like the cloud; tests lower it)
    sts_min_duration: int = 900
    # console sign-in slowdown (per node, in memory): after this many failures within signin_window seconds,
    # each further attempt waits signin_base_delay * 2**(extra failures), at most signin_max_delay
    signin_user_free_failures: int = 5
    signin_ip_free_failures: int = 20
    signin_window: float = 900.0
    signin_base_delay: float = 1.0
    signin_max_delay: float = 900.0
    audit_retention_days: float = 90.0
    ssh_key_lifetime: float = 60.0  # SendSSHPublicKey: how long a pushed key is honoured
    push_key_timeout: float = 15.0  # how long SendSSHPublicKey waits for the agent's answer
    recording_max_bytes: int = 1 << 30  # per session; past it recording stops with a marker, the session goes on
    # browser console: cookie sessions end console_session_lifetime after sign-in, or console_idle_timeout after
    # the last request; console_allowed_origins may open data-channel WebSockets from pages of other origins
    # (embedding a terminal in one's own application), e.g. "https://app.example.com"
    console_session_lifetime: float = 43200.0
    console_idle_timeout: float = 3600.0
    console_allowed_origins: list[str] = field(default_factory=list)
    # slow clients (tether/server/connguard.py): request headers must arrive within header_timeout seconds (also
    # the TLS handshake's bound) and a request body within body_timeout; at most max_pending_per_address
    # connections from one address, and max_pending_connections in all, may be waiting for their headers
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_pending_per_address: int = 64
    max_pending_connections: int = 2048
    # reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed (tether/server/clientaddr.py)
    trusted_proxies: list[str] = field(default_factory=list)
    # GET /metrics answers only with `Authorization: Bearer metrics_token` (None: metrics are off); never logged
    metrics_token: str | None = field(default=None, repr=False)
    # many agents (docs/design-notes.md, "Ten thousand agents"): the kernel's accept queue per listener (capped at
    # net.core.somaxconn) and the agent handshakes in progress at once, past which agents are answered 503
    listen_backlog: int = 4096
    max_agent_handshakes: int = 200

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        if not 0 <= self.listen_port <= 65535:
            raise ValueError(f"listen port {self.listen_port} is not in 0..65535")
        for name in (
            "heartbeat_interval",
            "idle_timeout",
            "max_duration",
            "client_token_ttl",
            "forward_connect_ttl",
            "resume_window",
            "hello_timeout",
            "sts_min_duration",
            "signin_window",
            "signin_base_delay",
            "signin_max_delay",
            "audit_retention_days",
            "ssh_key_lifetime",
            "push_key_timeout",
            "console_session_lifetime",
            "console_idle_timeout",
            "header_timeout",
            "body_timeout",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        for name in (
            "max_sessions_per_instance",
            "max_sessions_per_principal",
            "max_pending_sessions_per_principal",
            "max_pending_per_address",
            "max_pending_connections",
            "listen_backlog",
            "max_agent_handshakes",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name, (low, high) in (
            ("listen_backlog", LISTEN_BACKLOG_RANGE),
            ("max_agent_handshakes", MAX_AGENT_HANDSHAKES_RANGE),
        ):
            if not low <= getattr(self, name) <= high:
                raise ValueError(f"{name} must be in {low}..{high}")
        if self.recording_max_bytes <= 0:
            raise ValueError("recording_max_bytes must be positive")
        if self.sts_min_duration > 3600:
            raise ValueError("sts_min_duration must be at most 3600")
        if self.signin_user_free_failures < 0 or self.signin_ip_free_failures < 0:
            raise ValueError("signin free failures must not be negative")
        if self.public_url is not None:
            self.public_url = self.public_url.rstrip("/")
        if self.node_id is not None and not (0 < len(self.node_id) <= 128 and self.node_id.isprintable()):
            raise ValueError("node id must be 1 to 128 printable characters, e.g. relay-1")
        self.console_allowed_origins = [parse_origin(value) for value in self.console_allowed_origins]
        self.trusted_proxies = [str(network) for network in parse_networks(self.trusted_proxies)]
        self._check_tls()
        if self.metrics_token is not None:
            self.metrics_token = check_metrics_token(self.metrics_token)

    def _check_tls(self) -> None:
        own = (self.tls_cert, self.tls_key)
        if any(own) and not all(own):
            raise ValueError("--tls-cert and --tls-key go together: give both, or neither for the built-in CA")
        if (any(own) or self.tls_ca or self.tls_san) and not self.tls:
            raise ValueError("--tls-cert, --tls-key, --tls-ca and --tls-san need TLS: drop --no-tls")
        if self.tls_ca is not None and self.tls_cert is None:
            raise ValueError("--tls-ca names the CA of your own certificate: give --tls-cert and --tls-key too")
        if self.tls_san and self.tls_cert is not None:
            raise ValueError(
                "--tls-san adds names to the built-in certificate; with --tls-cert the names are your certificate's"
            )
        for name in ("tls_cert", "tls_key", "tls_ca"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, Path(value).expanduser().resolve())
        self.tls_san = list(dict.fromkeys(check_san(name) for name in self.tls_san))


MIN_METRICS_TOKEN = 16


def check_metrics_token(token: str) -> str:
    """The token stripped; raises ValueError if it is too short to be a secret or could not be sent in a header."""
    token = token.strip()
    if len(token) < MIN_METRICS_TOKEN:
        raise ValueError(
            f"the metrics token must be at least {MIN_METRICS_TOKEN} characters (e.g. from openssl rand -hex 32)"
        )
    if not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError("the metrics token must be printable ASCII without spaces")
    return token


def parse_origin(value: str) -> str:
    """`scheme://host[:port]` as browsers send it in `Origin` (lower case, default port left out); raises
    ValueError for anything else (a path, `null`, a wildcard)."""
    wrong = f"{value!r} is not an origin: give scheme://host[:port], e.g. https://app.example.com"
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError(wrong) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ValueError(wrong)
    if parts.username is not None or parts.fragment or "*" in value:
        raise ValueError(f"{value!r} is not an origin: give scheme://host[:port] without user, fragment or wildcard")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def parse_listen(value: str) -> tuple[str, int]:
    """Parse `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces is spelled 0.0.0.0 or [::])."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"--listen must be HOST:PORT, got {value!r}")
    port = int(port_text)
    if port > 65535:
        raise ValueError(f"port {port} is out of range")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        ipaddress.IPv6Address(host)
    return host or "0.0.0.0", port

"""The objects every request handler needs, gathered in one place and stored on the aiohttp app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web

from tether.auth.secretbox import SecretBox
from tether.recording.recorder import Recordings
from tether.server.agents import AgentRegistry
from tether.server.api.authz import PolicyCache
from tether.server.config import ServerConfig
from tether.server.ratelimit import SignInLimiter
from tether.store import (
    AccessKeyRepo,
    ActivationRepo,
    AuditRepo,
    Database,
    IamRepo,
    InstanceRepo,
    NonceRepo,
    RecordingRepo,
    SessionRepo,
    SettingsRepo,
    StsRepo,
    TagRepo,
)

if TYPE_CHECKING:
    from tether.server.bus import NodeBus
    from tether.server.relay import Relay


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """API time format: ISO 8601 UTC with seconds and a Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ServerState:
    config: ServerConfig
    db: Database
    secretbox: SecretBox
    node_id: str
    account_id: str
    admin_key_id: str
    public_url: str = ""  # known once the listening port is
    agents: AgentRegistry = field(default_factory=AgentRegistry)
    relay: Relay | None = None
    bus: NodeBus | None = None  # PostgreSQL only: reaches the other nodes (tether/server/crossnode.py)
    settings: SettingsRepo = field(init=False)
    access_keys: AccessKeyRepo = field(init=False)
    nonces: NonceRepo = field(init=False)
    activations: ActivationRepo = field(init=False)
    instances: InstanceRepo = field(init=False)
    sessions: SessionRepo = field(init=False)
    iam: IamRepo = field(init=False)
    sts: StsRepo = field(init=False)
    tags: TagRepo = field(init=False)
    audit: AuditRepo = field(init=False)
    recordings: Recordings = field(init=False)
    policy_cache: PolicyCache = field(init=False)
    signin_limiter: SignInLimiter = field(init=False)

    def __post_init__(self) -> None:

        self.settings = SettingsRepo(self.db)
        self.access_keys = AccessKeyRepo(self.db)
        self.nonces = NonceRepo(self.db)
        self.activations = ActivationRepo(self.db)
        self.instances = InstanceRepo(self.db)
        self.sessions = SessionRepo(self.db)
        self.iam = IamRepo(self.db)
        self.sts = StsRepo(self.db)
        self.tags = TagRepo(self.db)
        self.audit = AuditRepo(self.db)
        self.recordings = Recordings(
            RecordingRepo(self.db), self.settings, self.config.data_dir, self.config.recording_max_bytes
        )
        self.policy_cache = PolicyCache()
        self.signin_limiter = SignInLimiter(
            user_free_failures=self.config.signin_user_free_failures,
            ip_free_failures=self.config.signin_ip_free_failures,
            window=self.config.signin_window,
            base_delay=self.config.signin_base_delay,
            max_delay=self.config.signin_max_delay,
        )

    @property
    def ws_base_url(self) -> str:
        """The public URL with the WebSocket scheme (wss:// behind TLS, ws:// without)."""
        if self.public_url.startswith("https://"):
            return "wss://" + self.public_url.removeprefix("https://")
        return "ws://" + self.public_url.removeprefix("http://")

    def get_relay(self) -> Relay:
        if self.relay is None:
            raise RuntimeError("the relay is not running")
        return self.relay


STATE_KEY = web.AppKey("tether_state", ServerState)


def get_state(request: web.Request) -> ServerState:
    return request.app[STATE_KEY]

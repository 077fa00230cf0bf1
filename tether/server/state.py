"""What request handlers need, gathered in one place and stored on the aiohttp app.

It is built once, complete, by the server's assembly (tether/server/app.py) after every component it names is
running; nothing in it is None or filled in later. Components below the handlers (the relay, the agent router,
the session life cycle, the bus) are given what they need by the assembly and never see this object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tether.auth.policy import PolicyCache
from tether.auth.secretbox import SecretBox
from tether.recording.recorder import Recordings
from tether.server.agents import AgentRegistry
from tether.server.audit import AuditTrail
from tether.server.clientaddr import IpNetwork, client_address, parse_networks
from tether.server.config import ServerConfig
from tether.server.connguard import HandshakeGate
from tether.server.lifecycle import SessionLifecycle
from tether.server.presencewriter import FLUSH_INTERVAL, PresenceWriter
from tether.server.ratelimit import SignInLimiter
from tether.server.relay import Relay
from tether.server.router import AgentRouter
from tether.store import (
    AccessKeyRepo,
    ActivationRepo,
    AuditRepo,
    Database,
    IamRepo,
    Instance,
    InstanceRepo,
    NonceRepo,
    SessionRepo,
    SettingsRepo,
    StsRepo,
    TagRepo,
)


@dataclass
class ServerState:
    config: ServerConfig
    db: Database
    secretbox: SecretBox
    node_id: str
    account_id: str
    admin_key_id: str
    public_url: str  # what clients and agents dial (the listening address unless --public-url says otherwise)
    recordings: Recordings
    audit_trail: AuditTrail
    router: AgentRouter  # reaches agents, here or on the node that holds them
    relay: Relay  # this node's sessions
    lifecycle: SessionLifecycle  # ends sessions wherever they are
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
    policy_cache: PolicyCache = field(init=False)
    signin_limiter: SignInLimiter = field(init=False)
    trusted_proxies: list[IpNetwork] = field(init=False)
    presence: PresenceWriter = field(init=False)  # agents' connects and heartbeats, batched into the store
    handshakes: HandshakeGate = field(init=False)  # bounds the agent handshakes in progress (connguard.py)

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
        self.policy_cache = PolicyCache()
        self.trusted_proxies = parse_networks(self.config.trusted_proxies)
        self.signin_limiter = SignInLimiter(
            user_free_failures=self.config.signin_user_free_failures,
            ip_free_failures=self.config.signin_ip_free_failures,
            window=self.config.signin_window,
            base_delay=self.config.signin_base_delay,
            max_delay=self.config.signin_max_delay,
        )
        self.handshakes = HandshakeGate(self.config.max_agent_handshakes)
        # heartbeats reach the store well inside the three intervals after which an instance counts as Offline
        self.presence = PresenceWriter(
            self.instances, self.node_id, interval=min(FLUSH_INTERVAL, self.config.heartbeat_interval)
        )

    async def instance(self, instance_id: str) -> Instance | None:
        """The instance as the store has it once this node's pending agent connects are written: a decision on a
        session or key (the agent's default user, its sudo, where it is connected) must not read the row from
        before the handshake that the presence writer still holds (presencewriter.py)."""
        await self.presence.settle()
        return await self.instances.get(instance_id)

    def client_ip(self, request: web.BaseRequest) -> str:
        """The request's client address: the peer, or X-Forwarded-For from a --trusted-proxy (clientaddr.py)."""
        return client_address(request, self.trusted_proxies)

    @property
    def ws_base_url(self) -> str:
        """The public URL with the WebSocket scheme (wss:// behind TLS, ws:// without)."""
        if self.public_url.startswith("https://"):
            return "wss://" + self.public_url.removeprefix("https://")
        return "ws://" + self.public_url.removeprefix("http://")

    @property
    def agents(self) -> AgentRegistry:
        """The agents whose control channel this node holds."""
        return self.router.registry


STATE_KEY = web.AppKey("tether_state", ServerState)


def get_state(request: web.Request) -> ServerState:
    return request.app[STATE_KEY]

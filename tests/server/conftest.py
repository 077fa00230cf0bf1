"""A real server (TLS, real sockets, SQLite in a temp dir) plus signed-API, fake-agent and fake-client helpers.

The helpers are offered as fixtures so test modules need no imports from this file.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.tls import trusting

from tether.auth.agentkey import generate_key, public_key_text, sign_challenge
from tether.auth.signing import sign_request
from tether.protocol import control
from tether.server import RunningServer, ServerConfig, start_server


@dataclass
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def code(self) -> str | None:
        return self.body.get("Code")


class Api:
    """Calls `/api/v1/{Action}` signed with the administrator key (or whatever a test overrides)."""

    def __init__(self, server: RunningServer, http: aiohttp.ClientSession, ssl_ctx: ssl.SSLContext | None) -> None:
        self.server = server
        self.http = http
        self.ssl = ssl_ctx
        creds = server.admin_credentials
        self.key_id, self.secret = creds.access_key_id, creds.access_key_secret
        self.token: str | None = None

    def with_credentials(self, key_id: str, secret: str, token: str | None = None) -> Api:
        """The same server and HTTP session, signing as another identity (an STS token for temporary keys)."""
        other = Api(self.server, self.http, self.ssl)
        other.key_id, other.secret, other.token = key_id, secret, token
        return other

    async def call(
        self,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        signed: bool = True,
        key_id: str | None = None,
        secret: str | None = None,
        now: datetime | None = None,
        nonce: str | None = None,
        raw: bytes | None = None,
        send: bytes | None = None,
        token: str | None = None,
    ) -> Reply:
        path = f"/api/v1/{action}"
        data = raw if raw is not None else json.dumps(body or {}).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers.update(
                sign_request(
                    "POST",
                    path,
                    data,
                    key_id or self.key_id,
                    secret or self.secret,
                    now=now,
                    nonce=nonce,
                    security_token=token or self.token,
                )
            )
        payload = send if send is not None else data
        async with self.http.post(
            self.server.url + path, data=io.BytesIO(payload), headers=headers, ssl=self.ssl
        ) as resp:
            return Reply(resp.status, await resp.json())

    async def ok(self, action: str, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        reply = await self.call(action, body, **kwargs)
        assert reply.status == 200, reply
        return reply.body


@dataclass
class FakeAgent:
    """An agent built from tether.protocol messages over a real WebSocket."""

    api: Api
    instance_id: str
    key: Ed25519PrivateKey
    ws: aiohttp.ClientWebSocketResponse | None = None
    opens: asyncio.Queue[control.OpenSession] = field(default_factory=asyncio.Queue)
    received: list[control.ControlMessage] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    hello_extra: dict[str, Any] = field(default_factory=dict)  # more AgentHello fields (default_user, ...)
    _reader: asyncio.Task[None] | None = None

    @property
    def base_ws(self) -> str:
        return self.api.server.url.replace("https://", "wss://").replace("http://", "ws://")

    async def handshake(
        self, key: Ed25519PrivateKey | None = None, instance_id: str | None = None
    ) -> control.ControlMessage:
        """Dial the control channel and answer the challenge; returns the server's reply (welcome or error)."""
        self.ws = await self.api.http.ws_connect(self.base_ws + "/agent/v1/control", ssl=self.api.ssl)
        challenge = control.decode_control((await self.ws.receive(timeout=5)).data)
        assert isinstance(challenge, control.Challenge)
        nonce = base64.b64decode(challenge.nonce)
        iid = instance_id or self.instance_id
        hello = control.AgentHello(
            instance_id=iid,
            signature=sign_challenge(key or self.key, nonce, iid),
            agent_version="9.9.9",
            hostname="fake-host",
            os_type="linux",
            os_name="Fake OS",
            capabilities=("shell",),
            **self.hello_extra,
        )
        await self.ws.send_str(control.encode_control(hello))
        return control.decode_control((await self.ws.receive(timeout=5)).data)

    async def connect(self) -> None:
        reply = await self.handshake()
        assert isinstance(reply, control.Welcome), reply
        self.closed.clear()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                message = control.decode_control(msg.data)
                self.received.append(message)
                if isinstance(message, control.OpenSession):
                    self.opens.put_nowait(message)
        self.closed.set()

    async def send(self, message: control.ControlMessage) -> None:
        assert self.ws is not None
        await self.ws.send_str(control.encode_control(message))

    async def next_open(self) -> control.OpenSession:
        return await asyncio.wait_for(self.opens.get(), 5)

    async def dial(self, open_msg: control.OpenSession, token: str | None = None) -> aiohttp.ClientWebSocketResponse:
        return await self.api.http.ws_connect(
            open_msg.data_url,
            headers={"Authorization": f"Bearer {token or open_msg.token}"},
            ssl=self.api.ssl,
            max_msg_size=0,
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader


def _config(data_dir: Path, **overrides: Any) -> ServerConfig:
    options: dict[str, Any] = {
        "data_dir": data_dir,
        "listen_host": "127.0.0.1",
        "listen_port": 0,
        "heartbeat_interval": 1.0,
        "drain_timeout": 1.0,
        "hello_timeout": 2.0,
    }
    options.update(overrides)
    return ServerConfig(**options)


ServerFactory = Callable[..., Awaitable[RunningServer]]


@pytest.fixture
async def make_server(tmp_path: Path) -> AsyncIterator[ServerFactory]:
    """Start servers on a shared data dir (a second call after `.stop()` is a restart)."""
    started: list[RunningServer] = []

    async def make(**overrides: Any) -> RunningServer:
        server = await start_server(_config(tmp_path / "data", **overrides))
        started.append(server)
        return server

    yield make
    for server in started:
        await server.stop()


@pytest.fixture
async def server(make_server: ServerFactory) -> RunningServer:
    return await make_server()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(server: RunningServer, http: aiohttp.ClientSession) -> Api:
    return Api(server, http, trusting(server.admin_credentials.ca_cert))


@pytest.fixture
def api_for(http: aiohttp.ClientSession) -> Callable[[RunningServer], Api]:
    """An Api (administrator credentials) for a server started with non-default settings."""

    def make(server: RunningServer) -> Api:
        return Api(server, http, trusting(server.admin_credentials.ca_cert))

    return make


AgentFactory = Callable[..., Awaitable[FakeAgent]]


@pytest.fixture
async def make_agent(api: Api) -> AsyncIterator[AgentFactory]:
    """Register a new instance through an activation and (unless connect=False) open its control channel."""
    agents: list[FakeAgent] = []

    async def make(connect: bool = True, **hello_extra: Any) -> FakeAgent:
        activation = await api.ok("CreateActivation", {"InstanceName": "test", "InstanceCount": 5})
        key = generate_key()
        registered = await api.ok(
            "RegisterInstance",
            {
                "ActivationId": activation["ActivationId"],
                "ActivationCode": activation["ActivationCode"],
                "PublicKey": public_key_text(key),
                "Hostname": "fake-host",
                "OsType": "linux",
                "OsName": "Fake OS",
                "AgentVersion": "0.1.0",
            },
            signed=False,
        )
        agent = FakeAgent(api, registered["InstanceId"], key, hello_extra=hello_extra)
        agents.append(agent)
        if connect:
            await agent.connect()
        return agent

    yield make
    for agent in agents:
        await agent.close()


@pytest.fixture
async def make_agent_for(http: aiohttp.ClientSession) -> AsyncIterator[Callable[..., Awaitable[tuple[Api, FakeAgent]]]]:
    """For a server started with non-default settings: an Api for it and a connected agent."""
    agents: list[FakeAgent] = []

    async def make(server: RunningServer) -> tuple[Api, FakeAgent]:
        api = Api(server, http, trusting(server.admin_credentials.ca_cert))
        activation = await api.ok("CreateActivation", {})
        key = generate_key()
        registered = await api.ok(
            "RegisterInstance",
            {
                "ActivationId": activation["ActivationId"],
                "ActivationCode": activation["ActivationCode"],
                "PublicKey": public_key_text(key),
            },
            signed=False,
        )
        agent = FakeAgent(api, registered["InstanceId"], key)
        agents.append(agent)
        await agent.connect()
        return api, agent

    yield make
    for agent in agents:
        await agent.close()


@pytest.fixture
def client_dial(api: Api) -> Callable[[str], Awaitable[aiohttp.ClientWebSocketResponse]]:
    async def dial(url: str) -> aiohttp.ClientWebSocketResponse:
        # tether's clients offer the tether.v1 subprotocol (the server also speaks Alibaba's client framings)
        return await api.http.ws_connect(url, ssl=api.ssl, max_msg_size=0, protocols=("tether.v1",))

    return dial


UserFactory = Callable[..., Awaitable[Api]]


@pytest.fixture
def make_user(api: Api) -> UserFactory:
    """Create a RAM user with an access key and (optionally) one custom policy of the given statements attached;
    returns an Api signing as that user."""
    counter = iter(range(1000))

    async def make(*statements: dict[str, Any], name: str | None = None, group: str | None = None) -> Api:
        user = name or f"user{next(counter)}"
        await api.ok("CreateUser", {"UserName": user})
        if statements:
            policy = f"{user}-policy"
            document = json.dumps({"Version": "1", "Statement": list(statements)})
            await api.ok("CreatePolicy", {"PolicyName": policy, "PolicyDocument": document})
            if group is None:
                await api.ok("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": policy, "UserName": user})
            else:
                await api.ok("CreateGroup", {"GroupName": group})
                await api.ok("AttachPolicyToGroup", {"PolicyType": "Custom", "PolicyName": policy, "GroupName": group})
                await api.ok("AddUserToGroup", {"UserName": user, "GroupName": group})
        key = (await api.ok("CreateAccessKey", {"UserName": user}))["AccessKey"]
        return api.with_credentials(key["AccessKeyId"], key["AccessKeySecret"])

    return make

"""A tiny stand-in for the tether server over real TLS: RegisterInstance, the control channel, and data channels."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from support.tls import loopback_tls, serve_app

from tether.auth.agentkey import verify_challenge
from tether.auth.tls import ServerTLS
from tether.protocol.control import (
    Challenge,
    ControlError,
    Welcome,
    decode_control,
    encode_control,
)

from .conftest import FakeRelay


@dataclass
class FakeServer:
    tls: ServerTLS
    relay: FakeRelay
    url: str = ""
    instances: dict[str, str] = field(default_factory=dict)  # instance id -> public key
    register_bodies: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok | notfound | drop (close right after welcome)
    attempts: int = 0
    welcomed: int = 0
    bad_signatures: int = 0
    received: asyncio.Queue[Any] = field(default_factory=lambda: asyncio.Queue(1000))
    control_ws: web.WebSocketResponse | None = None

    async def register_instance(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.register_bodies.append(body)
        if body.get("ActivationCode") != "good-code":
            return web.json_response(
                {"Code": "InvalidActivationCode", "Message": "the activation code is wrong", "RequestId": "r-1"},
                status=401,
            )
        instance_id = "mi-" + os.urandom(9).hex()[:17]
        self.instances[instance_id] = body["PublicKey"]
        return web.json_response({"InstanceId": instance_id, "RequestId": "r-2"})

    async def control(self, request: web.Request) -> web.StreamResponse:
        self.attempts += 1
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        nonce = os.urandom(32)
        await ws.send_str(encode_control(Challenge(nonce=base64.b64encode(nonce).decode(), server_time="now")))
        hello = decode_control((await ws.receive()).data)
        if self.mode == "notfound" or hello.instance_id not in self.instances:  # type: ignore[union-attr]
            await ws.send_str(encode_control(ControlError(code="InvalidInstance.NotFound", message="deregistered")))
            await ws.close()
            return ws
        if not verify_challenge(self.instances[hello.instance_id], nonce, hello.instance_id,  # type: ignore[union-attr]
                                hello.signature):  # type: ignore[union-attr]
            self.bad_signatures += 1
            await ws.send_str(encode_control(ControlError(code="InvalidSignature", message="bad signature")))
            await ws.close()
            return ws
        await self.received.put(hello)
        await ws.send_str(encode_control(Welcome(heartbeat_interval=1)))
        self.welcomed += 1
        if self.mode == "drop":
            await ws.close()
            return ws
        self.control_ws = ws
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await self.received.put(decode_control(msg.data))
        return ws

    async def send(self, message: Any) -> None:
        assert self.control_ws is not None
        await self.control_ws.send_str(encode_control(message))

    async def send_raw(self, obj: dict[str, Any]) -> None:
        assert self.control_ws is not None
        await self.control_ws.send_str(json.dumps(obj))

    async def next_of(self, kind: type, timeout: float = 10) -> Any:
        """The next received control message of this type (others are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.received.get()
                if isinstance(msg, kind):
                    return msg


async def start_fake_server(tmp: Path) -> tuple[FakeServer, web.AppRunner]:
    tls = loopback_tls(tmp / "tls")
    relay = FakeRelay()
    server = FakeServer(tls=tls, relay=relay)
    app = web.Application()
    app.router.add_post("/api/v1/RegisterInstance", server.register_instance)
    app.router.add_get("/agent/v1/control", server.control)
    app.router.add_get("/agent/v1/data/{sid}", relay.handler)
    runner, port = await serve_app(app, tls=tls, shutdown_timeout=1)
    server.url = f"https://127.0.0.1:{port}"
    relay.url = f"wss://127.0.0.1:{port}"
    return server, runner

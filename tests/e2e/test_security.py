"""Forged, reused and malformed credentials are refused with clear codes; bad frames close only their session."""

from __future__ import annotations

import json
import ssl
from typing import Any

import aiohttp
import pexpect
from support import aio
from support.frames import until_closed
from support.stack import Stack
from support.tls import trusting

from tether.protocol import Channel


def ssl_ctx(stack: Stack) -> ssl.SSLContext | None:
    return trusting(stack.creds["ca_cert"])


def start(stack: Stack, instance: str) -> dict[str, Any]:
    return stack.api("StartTerminalSession", {"InstanceId": instance})


async def try_connect(stack: Stack, url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url, ssl=ssl_ctx(stack)) as ws:
                await ws.close()
                return 101, {}
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status, {"message": exc.message}


def test_forged_and_reused_client_tokens(stack: Stack, instance: str) -> None:
    reply = start(stack, instance)
    url = reply["WebSocketUrl"]
    forged = url.split("token=")[0] + "token=" + "A" * 43
    status, _ = aio.run(try_connect(stack, forged))
    assert status in (401, 403)
    status, _ = aio.run(try_connect(stack, url.split("?")[0]))
    assert status in (400, 401)
    status, _ = aio.run(try_connect(stack, url))
    assert status == 101
    status, _ = aio.run(try_connect(stack, url))  # single use
    assert status in (401, 403, 410)
    other = start(stack, instance)
    crossed = other["WebSocketUrl"].split("?")[0] + "?" + url.split("?")[1]  # token of another session
    status, _ = aio.run(try_connect(stack, crossed))
    assert status in (401, 403, 410)
    stack.api("EndTerminalSession", {"SessionId": other["SessionId"]})


def test_bad_signature_and_unknown_key(stack: Stack) -> None:
    env_secret = stack.creds["access_key_secret"]
    try:
        stack.creds["access_key_secret"] = "not-the-secret"
        out = stack.cli("api", "DescribeInstances", check=False)
        assert out.returncode != 0
        assert "SignatureDoesNotMatch" in out.stderr or "secret" in out.stderr.lower()
        stack.creds["access_key_secret"] = env_secret
        stack.creds["access_key_id"], key_id = "AKNOTAKEY000000", stack.creds["access_key_id"]
        out = stack.cli("api", "DescribeInstances", check=False)
        assert out.returncode != 0
        assert "InvalidAccessKeyId.NotFound" in out.stderr or "access key" in out.stderr.lower()
        stack.creds["access_key_id"] = key_id
    finally:
        stack.creds["access_key_secret"] = env_secret


def test_unsigned_api_call_gets_json_error(stack: Stack) -> None:
    async def call() -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{stack.creds['server']}/api/v1/DescribeInstances", data=b"{}",
                                 ssl=ssl_ctx(stack)) as resp:
                return resp.status, json.loads(await resp.text())

    status, body = aio.run(call())
    assert status == 401
    assert body["Code"] == "MissingAuthorization" and body["RequestId"] and body["Message"]


def test_garbage_frame_closes_only_its_session(stack: Stack, instance: str) -> None:
    live = stack.session(instance)
    live.send(b"echo LIVE_$((7*7))\r")
    live.expect(b"LIVE_49")

    async def misbehave() -> int | None:
        reply = start(stack, instance)
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(reply["WebSocketUrl"], ssl=ssl_ctx(stack)) as ws:
                await ws.send_bytes(Channel(initiator=True).hello())
                await ws.send_bytes(b"\xee\x00\x00\x00\x00garbage")
                return await until_closed(ws, timeout=10)

    close_code = aio.run(misbehave())
    assert close_code in (1002, 1008), close_code
    live.send(b"echo STILL_$((8*8))\r")
    live.expect(b"STILL_64")
    live.send(b"exit\r")
    live.expect(pexpect.EOF)

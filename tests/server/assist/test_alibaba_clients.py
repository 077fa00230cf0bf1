"""Alibaba's own clients against Alibaba's agent with tether in between: an ali-instance-cli (1.01) shell and
multi-connection forward, and a browser-client (1.02) shell, reaching the Cloud Assistant test agent through the
relay, translated on both sides (tether's frames, credit and taps in the middle)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

from support.axt_client import Browser102, Cli101, Forward101
from support.tcp import serve_tcp
from support.wait import eventually

from tether.protocol.axt import ChannelState


async def test_a_1_01_cli_shell_reaches_the_cloud_assistant_agent(api: Any, make_assist: Any) -> None:
    agent = await make_assist()
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    cli = await Cli101(api.http, started["WebSocketUrl"], api.ssl).connect()
    await eventually(lambda: cli.connected, what="the CLI's first Output")
    await cli.send_input("printf '%s-%s\\n' 中文 $((6*7))\n".encode())
    await cli.wait_output("中文-42".encode(), timeout=20)
    await cli.send_input(b"exit\n")
    ending = await cli.wait_done(timeout=20)
    assert ending.status == ChannelState.CLOSED, ending
    row = await eventually(lambda: _ended(api, started["SessionId"]), what="the session's end")
    assert row["ExitStatus"] is None  # this agent reports none, and none is invented


async def _ended(api: Any, session_id: str) -> dict[str, Any] | None:
    rows = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"]
    return rows[0] if rows and rows[0]["EndTime"] else None


async def test_a_1_02_browser_shell_reaches_the_cloud_assistant_agent(api: Any, make_assist: Any) -> None:
    agent = await make_assist()
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    browser = await Browser102(api.http, started["WebSocketUrl"], api.ssl).connect()
    await eventually(lambda: browser.opened, what="Opened")
    await browser.send_input(b"echo $((7*6))-done\n")
    await browser.wait_output(b"42-done", timeout=20)
    await browser.close()


async def test_a_1_01_forward_reaches_a_target_beside_the_cloud_assistant_agent(api: Any, make_assist: Any) -> None:
    async def sha_service(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        size = int.from_bytes(await reader.readexactly(8), "big")
        digest = hashlib.sha256()
        while size:
            chunk = await reader.read(min(size, 65536))
            if not chunk:
                return
            digest.update(chunk)
            size -= len(chunk)
        writer.write(digest.digest())
        await writer.drain()
        writer.close()

    target = await serve_tcp(sha_service)
    agent = await make_assist()
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": target.port})
    forward = await Forward101(api.http, started["WebSocketUrl"], api.ssl, connect_delay=0.1).start()

    async def one() -> None:
        payload = os.urandom(2 * 1024 * 1024)
        reader, writer = await asyncio.open_connection("127.0.0.1", forward.port)
        writer.write(len(payload).to_bytes(8, "big") + payload)
        await writer.drain()
        assert await asyncio.wait_for(reader.readexactly(32), 60) == hashlib.sha256(payload).digest()
        writer.close()

    try:
        await asyncio.gather(*(one() for _ in range(3)))
    finally:
        await forward.close()
        await target.close()

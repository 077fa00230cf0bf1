"""What the Cloud Assistant agent does not enforce, the server does: EndTerminalSession, the idle timeout and the
maximum duration; and a shell with no traffic stays up past the agent's own inactivity limit (keep-alive)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from support.assist_agent import AssistAgent
from support.frames import next_frame, until_closed
from support.tls import trusting
from support.wait import eventually

from tether.protocol import Data, Hello, encode

Dial = Callable[[str], Awaitable[aiohttp.ClientWebSocketResponse]]
EndedRow = Callable[[str], Awaitable[dict[str, Any]]]


async def shell(
    api: Any, agent: AssistAgent, http: aiohttp.ClientSession, ssl: Any
) -> tuple[str, aiohttp.ClientWebSocketResponse]:
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    ws = await http.ws_connect(started["WebSocketUrl"], ssl=ssl)
    await ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(ws), Hello)
    return started["SessionId"], ws


async def test_end_terminal_session_kicks_the_agent(
    api: Any, assist: AssistAgent, http: aiohttp.ClientSession, ended_row: EndedRow
) -> None:
    session_id, ws = await shell(api, assist, http, api.ssl)
    await ws.send_bytes(encode(Data(0, b"echo UP_$((2+3))\r")))
    seen = b""
    while b"UP_5" not in seen:
        frame = await next_frame(ws, 15)
        seen += frame.data if isinstance(frame, Data) else b""
    await api.ok("EndTerminalSession", {"SessionId": session_id})
    assert await until_closed(ws) == 4001
    row = await ended_row(session_id)
    assert (row["State"], row["EndReason"], row["ExitStatus"]) == ("Terminated", "terminated", None)
    assert f"kick_vm session stop {session_id}" in assist.kicks
    await eventually(lambda: (session_id, "Success", "Notified") in assist.statuses, what="the agent to stop")


async def test_idle_timeout_is_the_servers(make_server: Any, http: aiohttp.ClientSession, make_assist_for: Any) -> None:
    server = await make_server(idle_timeout=2, max_duration=600)
    api, agent = await make_assist_for(server)
    session_id, ws = await shell(api, agent, http, trusting(server.admin_credentials.ca_cert))
    assert await until_closed(ws, 20) is not None
    row = await eventually(lambda: api_row(api, session_id), what="the idle session to end", timeout=15)
    assert (row["EndReason"], row["ExitStatus"]) == ("idle_timeout", None)
    await eventually(lambda: any(s[0] == session_id for s in agent.statuses), what="the agent's shell to stop")


async def test_max_duration_is_the_servers(make_server: Any, http: aiohttp.ClientSession, make_assist_for: Any) -> None:
    server = await make_server(idle_timeout=600, max_duration=3)
    api, agent = await make_assist_for(server)
    session_id, ws = await shell(api, agent, http, trusting(server.admin_credentials.ca_cert))
    for _ in range(6):  # busy, never idle
        try:
            await ws.send_bytes(encode(Data(0, b"\r")))
        except ConnectionError:  # the server is closing it: the limit struck between our checks
            break
        if ws.closed:
            break
        await asyncio.sleep(0.5)
    assert await until_closed(ws, 20) is not None
    row = await eventually(lambda: api_row(api, session_id), what="the long session to end", timeout=15)
    assert row["EndReason"] == "max_duration"


async def api_row(api: Any, session_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]
    return found if found["State"] == "Terminated" else None

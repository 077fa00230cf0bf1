"""Shells on the Cloud Assistant test agent, through the relay, seen from a client speaking tether's frames."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from support.assist_agent import AssistAgent
from support.frames import next_frame, until_closed

from tether.protocol import Ack, Data, Hello, Resize, encode

EndedRow = Callable[[str], Awaitable[dict[str, Any]]]
Dial = Callable[[str], Awaitable[aiohttp.ClientWebSocketResponse]]


async def open_shell(
    api: Any, agent: AssistAgent, client_dial: Dial, **body: Any
) -> tuple[str, aiohttp.ClientWebSocketResponse]:
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, **body})
    ws = await client_dial(started["WebSocketUrl"])
    await ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(ws), Hello)
    return started["SessionId"], ws


async def read_until(ws: aiohttp.ClientWebSocketResponse, marker: bytes, timeout: float = 15) -> bytes:
    seen = b""
    consumed = 0
    while marker not in seen:
        frame = await next_frame(ws, timeout)
        if isinstance(frame, Data):
            seen += frame.data
            consumed += len(frame.data)
            await ws.send_bytes(encode(Ack(0, consumed)))
    return seen


async def test_shell_round_trip_and_end_reason(
    api: Any, assist: AssistAgent, client_dial: Dial, ended_row: EndedRow
) -> None:
    session_id, ws = await open_shell(api, assist, client_dial)
    await ws.send_bytes(encode(Resize(132, 41)))
    await ws.send_bytes(encode(Data(0, b"stty size | sed s/^/SIZE=/; printf 'A\\377\\376B\\n'\r")))
    out = await read_until(ws, b"A\xff\xfeB")
    assert b"SIZE=41 132" in out
    await ws.send_bytes(encode(Data(0, b"exit\r")))
    assert await until_closed(ws, 15) == 1000

    row = await ended_row(session_id)
    assert row["State"] == "Terminated"
    assert row["ExitStatus"] is None  # the agent reports none: tether invents none
    assert row["EndReason"] == "Success/Ok"

"""Shells on the Cloud Assistant test agent, through the relay, seen from a client speaking tether's frames."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from support.assist_agent import AssistAgent
from support.frames import next_frame, until_closed
from support.wait import eventually

from tether.protocol import Ack, Data, Hello, Resize, encode
from tether.server.assist import bridge

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


async def test_a_failure_the_agent_reports_is_the_end_reason(
    api: Any, assist: AssistAgent, client_dial: Dial, ended_row: EndedRow
) -> None:
    assist.fail_shells_with = "Open_pty_failed"
    session_id, ws = await open_shell(api, assist, client_dial)
    assert await until_closed(ws, 15) is not None
    row = await ended_row(session_id)
    assert (row["EndReason"], row["ExitStatus"]) == ("Failed/Open_pty_failed", None)


async def test_an_idle_shell_is_kept_alive_for_the_agent(
    api: Any, assist: AssistAgent, client_dial: Dial, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bridge, "KEEPALIVE", 0.5)  # the agent gives up after 180 s of silence; 60 s in production
    _, ws = await open_shell(api, assist, client_dial)
    await eventually(lambda: assist.empty_inputs >= 2, what="keep-alive frames to reach the agent", timeout=10)
    await ws.close()

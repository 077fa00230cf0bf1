"""Shell sessions for ali-instance-cli (1.01) and the browser client (1.02) against the real server and an agent
played with tether's own Channel: translation both ways, flow control reaching the agent, Sync, reconnect, errors."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import aiohttp
import pytest
from support.axt_client import Browser102, Cli101
from support.frames import next_frame, until_closed
from support.wait import eventually

from tether.protocol import Channel, Data, Exit, Hello, Resize, encode
from tether.protocol.axt import ChannelState
from tether.server.framings import half, shell

SAMPLE = "中文 ünïcødé ".encode() + b"\xff\xfe\x80 raw\r\n"


class AgentSide:
    """The agent's data channel, spoken with tether.protocol.Channel (a tether agent's view)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, window: int = 1 << 20) -> None:
        self.ws = ws
        self.channel = Channel(window)
        self.frames: list[Any] = []
        self.data = bytearray()
        self.gone = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.BINARY:
                break
            frame = self.channel.receive(msg.data)
            self.frames.append(frame)
            if isinstance(frame, Data):
                self.data += frame.data
        self.gone.set()

    async def hello(self) -> None:
        await self.ws.send_bytes(self.channel.hello())

    async def output(self, data: bytes) -> None:
        for frame in self.channel.send_data(data):
            await self.ws.send_bytes(frame)

    async def ack(self, n: int) -> None:
        frame = self.channel.consumed(n)
        if frame is not None:
            await self.ws.send_bytes(frame)


async def start(
    api, make_agent, body: dict[str, Any] | None = None, window: int = 1 << 20
) -> tuple[str, str, AgentSide]:
    agent = await make_agent()
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, **(body or {})})
    side = AgentSide(await agent.dial(await agent.next_open()), window)
    await side.hello()
    return started["SessionId"], started["WebSocketUrl"], side


async def test_cli_shell_translates_both_ways_and_exit_is_status_closed(api, make_agent) -> None:
    session_id, url, agent = await start(api, make_agent)
    cli = await Cli101(api.http, url, api.ssl).connect()
    await eventually(lambda: cli.connected, what="the empty Output that lets the CLI send")
    assert (ChannelState.OPENED, b"Opened") in cli.statuses
    rate = next(rest for state, rest in cli.statuses if state == ChannelState.STREAM)
    assert int.from_bytes(rate, "big") >= 16_384_000, "the rate must lift the CLI's own pacing"
    hello = await eventually(lambda: next((f for f in agent.frames if isinstance(f, Hello)), None), what="HELLO")
    assert hello.window == half.WINDOW
    await cli.send_input(b"echo hi\n")
    await cli.send_resize(24, 132)
    await eventually(lambda: agent.data == b"echo hi\n", what="the input at the agent")
    await eventually(lambda: Resize(132, 24) in agent.frames, what="RESIZE(cols, rows)")
    await agent.output(SAMPLE)
    assert (await cli.wait_output(SAMPLE)).endswith(SAMPLE)
    await agent.ws.send_bytes(encode(Exit(3)))
    await agent.ws.close()
    ending = await cli.wait_done()
    assert (ending.status, ending.reason) == (ChannelState.CLOSED, b"Exit")
    assert cli.ws is not None and await until_closed(cli.ws) == 1000
    row = await eventually(lambda: _ended(api, session_id), what="the session row to end")
    assert row["State"] == "Terminated" and row.get("ExitStatus", 3) == 3


async def test_input_never_exceeds_the_agents_credit(api, make_agent) -> None:
    _, url, agent = await start(api, make_agent, window=4096)
    cli = await Cli101(api.http, url, api.ssl).connect()
    await eventually(lambda: cli.connected, what="connected")
    for _ in range(10):
        await cli.send_input(b"x" * 2048)
    await eventually(lambda: len(agent.data) == 4096, what="a window's worth at the agent")
    await asyncio.sleep(0.3)  # proving that nothing more arrives without an ACK
    assert len(agent.data) == 4096
    await agent.ack(4096)
    await eventually(lambda: len(agent.data) == 8192, what="the next window after the ACK")


async def test_output_is_acknowledged_only_as_the_client_reads(api, make_agent) -> None:
    _, url, agent = await start(api, make_agent)
    cli = await Cli101(api.http, url, api.ssl).connect()
    await eventually(lambda: cli.connected, what="connected")
    await eventually(lambda: agent.channel.peer_ready, what="the endpoint's HELLO")
    cli.reading.clear()
    sent = 0
    chunk = b"y" * 16384
    while True:
        while agent.channel.credit() >= len(chunk):
            await agent.output(chunk)
            sent += len(chunk)
        assert sent < 16 << 20, f"{sent} bytes went out to a client that reads nothing: ACKs were not held back"
        await asyncio.sleep(0.25)  # proving that no ACK comes while the client does not read
        if agent.channel.credit() < len(chunk):
            break
    stalled = sent
    cli.reading.set()
    while sent < stalled + (4 << 20):
        credit = await eventually(lambda: agent.channel.credit() >= len(chunk), what="credit as the client reads")
        assert credit
        await agent.output(chunk)
        sent += len(chunk)
    await eventually(lambda: len(cli.output) == sent, what="every byte at the client", timeout=20)


async def test_malformed_cli_frame_ends_only_that_session(api, make_agent) -> None:
    session_id, url, _agent = await start(api, make_agent)
    _, url2, agent2 = await start(api, make_agent)
    other = await Cli101(api.http, url2, api.ssl).connect()
    cli = await Cli101(api.http, url, api.ssl).connect()
    await eventually(lambda: cli.connected, what="connected")
    bad = b"\x00\x00\x00\x001.01\x00\x00" + struct.pack("<QqI", 1, 0, 9) + b"abc"
    await cli.send_raw(bad)
    ending = await cli.wait_done()
    # the CLI is told why (Status Closed with the reason, which it prints) before the close 1002, and stops there
    assert ending.status == ChannelState.CLOSED and b"payload bytes" in ending.reason, ending
    await other.send_input(b"still here\n")
    await eventually(lambda: agent2.data == b"still here\n", what="the other session to keep working")
    row = await eventually(lambda: _ended(api, session_id), what="the session to end with the protocol error")
    assert "length-mismatch" in str(row), row


async def _ended(api, session_id: str) -> dict[str, Any] | None:
    row = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]
    return row if row.get("State") not in ("Pending", "Connected") else None


async def test_a_used_token_is_refused_for_a_second_shell(api, make_agent) -> None:
    _, url, _agent = await start(api, make_agent)
    cli = await Cli101(api.http, url, api.ssl).connect()
    await eventually(lambda: cli.connected, what="connected")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await Cli101(api.http, url, api.ssl).connect()
    assert refused.value.status == 410


async def test_browser_numbers_output_and_recovers_a_lost_frame_by_sync(api, make_agent) -> None:
    session_id, url, agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await eventually(lambda: browser.opened, what="Status(Opened)")
    assert browser.channel_id == session_id
    await eventually(lambda: agent.channel.peer_ready, what="the endpoint's HELLO")
    browser.drop_output = {2}
    for i in range(1, 6):
        await agent.output(f"line {i}\r\n".encode())
    await browser.wait_output(b"line 5\r\n")
    assert browser.output == b"".join(f"line {i}\r\n".encode() for i in range(1, 6))
    assert browser.syncs_sent >= 1 and browser.duplicates == 0 and browser.output_seq == 5


async def test_a_long_browser_paste_reaches_the_shell_once(api, make_agent) -> None:
    _, url, agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await eventually(lambda: browser.opened, what="Status(Opened)")
    paste = ("paste 中文 " * 400).encode()[:3000]
    await browser.paste(paste)
    await browser.send_input(b"|typed")
    await eventually(lambda: agent.data == paste + b"|typed", what="the paste once, then the typing", timeout=10)


async def test_browser_input_is_deduplicated_and_a_gap_asks_for_a_resend(api, make_agent) -> None:
    _, url, agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await eventually(lambda: browser.opened, what="Status(Opened)")
    await browser.send_input(b"a")
    await browser.send_input(b"b", lose=True)  # never reaches the server
    await browser.send_input(b"c")  # a gap: the server asks for 2 again, the browser resends 2 and 3
    await eventually(lambda: agent.data == b"abc", what="every input once, in order")
    assert browser.syncs_received == 1
    await browser.heartbeat()
    await agent.output(SAMPLE)
    await browser.wait_output(SAMPLE)
    assert browser.queue == [], "the Output echoed the last consumed inputSeq"
    assert agent.data == b"abc"


async def test_browser_reconnect_loses_no_output_and_no_input(api, make_agent) -> None:
    session_id, url, agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await eventually(lambda: browser.opened, what="Status(Opened)")
    await agent.output(b"before\r\n")
    await browser.wait_output(b"before\r\n")
    await browser.drop_connection()
    await agent.output(b"while away\r\n")  # held: the endpoint writes it after the reconnect
    await browser.send_input(b"typed while away", lose=True)
    with pytest.raises(aiohttp.WSServerHandshakeError) as wrong:
        await Browser102(api.http, url + "&channelId=s-0000", api.ssl).connect()
    assert wrong.value.status == 410
    await browser.connect(reconnect=True)
    await browser.wait_output(b"while away\r\n")
    await eventually(lambda: agent.data == b"typed while away", what="the input typed while away")
    await agent.output(b"after\r\n")
    await browser.wait_output(b"after\r\n")
    assert browser.output == b"before\r\nwhile away\r\nafter\r\n" and browser.duplicates == 0
    await agent.ws.send_bytes(encode(Exit(0)))
    await agent.ws.close()
    await browser.wait_gone()
    assert (ChannelState.CLOSED, b"Exit") in browser.statuses and browser.closed
    assert session_id


async def test_browser_that_never_comes_back_ends_the_session(api, make_agent, monkeypatch) -> None:
    monkeypatch.setattr(shell, "RECONNECT_GRACE", 0.5)
    session_id, url, agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await eventually(lambda: browser.opened, what="Status(Opened)")
    await browser.drop_connection()
    await asyncio.wait_for(agent.gone.wait(), 10)
    row = await eventually(lambda: _ended(api, session_id), what="the session to end after the grace")
    assert row is not None
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await browser.connect(reconnect=True)


async def test_silent_connection_is_the_browser_and_garbage_is_refused(api, make_agent) -> None:
    _, url, _agent = await start(api, make_agent)
    ws = await api.http.ws_connect(url, ssl=api.ssl)  # no Origin, no header, no subprotocol: it stays silent
    msg = await ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.BINARY and msg.data[4:8] == b"1.02"
    await ws.close()
    _, url2, _agent2 = await start(api, make_agent)
    ws2 = await api.http.ws_connect(url2, ssl=api.ssl)
    await ws2.send_bytes(b"GARBAGE GARBAGE GARBAGE")
    assert await until_closed(ws2) == 1002
    assert ws2.close_code == 1002


async def test_tether_client_without_the_subprotocol_is_known_by_its_hello(api, make_agent) -> None:
    _, url, agent = await start(api, make_agent)
    ws = await api.http.ws_connect(url, ssl=api.ssl)  # an older tether client: no subprotocol, no Origin
    await ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(ws), Hello), "the agent's HELLO came back: tether framing"
    await ws.send_bytes(encode(Data(0, b"plain tether\n")))
    await eventually(lambda: agent.data == b"plain tether\n", what="DATA through")
    await ws.close()


async def test_tether_subprotocol_is_answered(api, make_agent) -> None:
    _, url, _agent = await start(api, make_agent)
    ws = await api.http.ws_connect(url, ssl=api.ssl, protocols=("tether.v1",))
    assert ws.protocol == "tether.v1"
    await ws.close()


async def test_end_terminal_session_closes_the_browser_for_good(api, make_agent) -> None:
    session_id, url, _agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await eventually(lambda: browser.opened, what="Status(Opened)")
    await api.ok("EndTerminalSession", {"SessionId": session_id})
    await browser.wait_gone()
    assert browser.close_code not in (1005, 1012, 1023), "a code the browser would reconnect on"
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await browser.connect(reconnect=True)

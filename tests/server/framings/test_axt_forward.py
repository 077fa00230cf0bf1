"""ali-instance-cli's port forward on the real server: one WebSocket per TCP connection, each a stream of one
session, with an agent played with tether's Channel (OPEN, DATA both ways, EOF, CLOSE, the stream limit)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from support.axt_client import Browser102, Cli101, Forward101
from support.wait import eventually

from tether.protocol import Channel, Close, Data, Eof, Open
from tether.server.framings import forward


class ForwardAgent:
    """The agent's data channel of a port-forward session: accepts every OPEN, records each stream's bytes."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.channel = Channel()
        self.opened: list[Open] = []
        self.data: dict[int, bytearray] = {}
        self.eof: set[int] = set()
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        await self.ws.send_bytes(self.channel.hello())
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.BINARY:
                break
            frame = self.channel.receive(msg.data)
            match frame:
                case Open(stream, _):
                    self.opened.append(frame)
                    self.data[stream] = bytearray()
                    await self.ws.send_bytes(self.channel.accept_stream(stream))
                case Data(stream, data):
                    self.data[stream] += data
                    ack = self.channel.consumed(len(data), stream)
                    if ack is not None:
                        await self.ws.send_bytes(ack)
                case Eof(stream):
                    self.eof.add(stream)
                    ack = self.channel.consumed(0, stream)
                    if ack is not None:
                        await self.ws.send_bytes(ack)

    async def reply(self, stream: int, data: bytes) -> None:
        for frame in self.channel.send_data(data, stream):
            await self.ws.send_bytes(frame)

    async def finish(self, stream: int) -> None:
        await self.ws.send_bytes(self.channel.send_eof(stream))
        await self.ws.send_bytes(self.channel.close_stream(stream, "done"))


async def start(api, make_agent, body: dict[str, Any] | None = None) -> tuple[str, str, ForwardAgent]:
    agent = await make_agent()
    started = await api.ok(
        "StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 8080, **(body or {})}
    )
    opened = await agent.next_open()
    return started["SessionId"], started["WebSocketUrl"], ForwardAgent(await agent.dial(opened))


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def test_each_tcp_connection_is_a_stream_of_one_session(api, make_agent) -> None:
    session_id, url, agent = await start(api, make_agent)
    cli = await Forward101(api.http, url, api.ssl, connect_delay=0.1).start()
    try:
        conns = [await connect(cli.port) for _ in range(3)]
        await eventually(lambda: len(agent.opened) == 3, what="three OPENs")
        assert [o.stream for o in agent.opened] == [1, 3, 5]
        assert {o.target for o in agent.opened} == {"127.0.0.1:8080"}
        for i, (_, writer) in enumerate(conns):
            writer.write(f"request {i}".encode())
            await writer.drain()
        await eventually(
            lambda: sorted(bytes(d) for d in agent.data.values()) == [b"request 0", b"request 1", b"request 2"],
            what="each connection's bytes on its own stream",
        )
        by_text = {bytes(d): s for s, d in agent.data.items()}
        stream = by_text[b"request 1"]
        await agent.reply(stream, "réponse ✓".encode())
        reader = conns[1][0]
        assert await asyncio.wait_for(reader.readexactly(len("réponse ✓".encode())), 5) == "réponse ✓".encode()
        conns[1][1].write_eof()  # the local EOF: the CLI sends Close, the agent gets EOF on that stream only
        await eventually(lambda: agent.eof == {stream}, what="EOF on that stream only")
        await agent.finish(stream)
        assert await asyncio.wait_for(reader.read(), 5) == b"", "the agent's CLOSE ends that connection"
        row = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]
        assert row["State"] == "Connected"
        for _, writer in conns:
            writer.close()
    finally:
        await cli.close()


async def test_the_target_closing_closes_the_websocket(api, make_agent) -> None:
    _, url, agent = await start(api, make_agent)
    cli = await Forward101(api.http, url, api.ssl, connect_delay=0.0).start()
    try:
        reader, writer = await connect(cli.port)
        await eventually(lambda: len(agent.opened) == 1, what="OPEN")
        await agent.reply(1, b"bye")
        await agent.ws.send_bytes(agent.channel.send_eof(1))
        assert await asyncio.wait_for(reader.read(), 5) == b"bye"
        await eventually(lambda: 1 in agent.eof, what="our EOF after the client's socket closed")
        writer.close()
    finally:
        await cli.close()


async def test_streams_beyond_the_limit_are_refused_clearly(api, make_agent, monkeypatch) -> None:
    monkeypatch.setattr(forward, "MAX_STREAMS", 2)
    monkeypatch.setattr("tether.server.data.MAX_STREAMS", 2)
    _, url, agent = await start(api, make_agent)
    cli = await Forward101(api.http, url, api.ssl, connect_delay=0.0).start()
    try:
        conns = [await connect(cli.port) for _ in range(2)]
        await eventually(lambda: len(agent.opened) == 2, what="two streams")
        third = await connect(cli.port)
        await eventually(lambda: cli.refusals == [429], what="the third WebSocket refused with 429")
        assert await asyncio.wait_for(third[0].read(), 5) == b""
        for _, writer in [*conns, third]:
            writer.close()
    finally:
        await cli.close()


async def test_a_shell_token_is_not_a_forward_token(api, make_agent) -> None:
    agent = await make_agent()
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    ws = await agent.dial(await agent.next_open())
    await ws.send_bytes(Channel().hello())
    headers = {"X-Acs-Session-Token": ""}
    first = await api.http.ws_connect(started["WebSocketUrl"], ssl=api.ssl, headers=headers)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await api.http.ws_connect(started["WebSocketUrl"], ssl=api.ssl, headers=headers)
    assert refused.value.status == 410
    await first.close()


async def test_forward_urls_stay_valid_for_a_late_first_connection(api, make_agent, server) -> None:
    agent = await make_agent()
    shell = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    await agent.next_open()
    fwd = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": 22})
    await agent.next_open()
    config = server.state.config
    assert config.forward_connect_ttl > config.client_token_ttl
    row_fwd = await server.state.sessions.get(fwd["SessionId"])
    row_shell = await server.state.sessions.get(shell["SessionId"])
    assert row_fwd is not None and row_shell is not None
    lifetime = (row_fwd.client_token_expires_at - row_shell.client_token_expires_at).total_seconds()
    assert lifetime == pytest.approx(config.forward_connect_ttl - config.client_token_ttl, abs=5)
    assert isinstance(Close, type)


async def test_ssh_mode_raw_input_is_all_forwarded(api, make_agent) -> None:
    """ali-instance-cli's ssh mode keeps only its first chunk until an Output arrives: the server's empty Output
    right after the upgrade lets every later chunk through."""
    _, url, agent = await start(api, make_agent, {"PortNumber": 22})
    cli = await Cli101(api.http, url, api.ssl, raw=True).connect()
    await eventually(lambda: cli.connected, what="the empty Output")
    for part in (b"SSH-2.0-OpenSSH_9.2\r\n", b"kexinit...", b"more"):
        await cli.send_input(part)
    await eventually(lambda: bytes(agent.data.get(1, b"")) == b"SSH-2.0-OpenSSH_9.2\r\nkexinit...more",
                     what="every chunk on stream 1")
    await agent.reply(1, b"SSH-2.0-tether-target\r\n")
    await cli.wait_output(b"SSH-2.0-tether-target\r\n")
    await cli.close()


async def test_the_browser_client_is_refused_a_port_forward(api, make_agent) -> None:
    session_id, url, _agent = await start(api, make_agent)
    browser = await Browser102(api.http, url, api.ssl).connect()
    await browser.wait_gone()
    assert browser.close_code == 1003
    row = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]
    assert row["State"] == "Terminated" and "unsupported" in row["EndReason"]

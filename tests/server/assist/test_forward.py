"""Port forwards on the Cloud Assistant test agent: every OPEN becomes its own agent channel, each with tether's
per-stream credit toward the client, and the limits the server enforces for an agent that enforces none."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from support.assist_agent import AssistAgent
from support.tcp import serve_tcp
from support.wait import eventually

from tether.protocol import Ack, Channel, Close, Data, Eof, OpenFail, OpenOk

Dial = Callable[[str], Awaitable[aiohttp.ClientWebSocketResponse]]
EndedRow = Callable[[str], Awaitable[dict[str, Any]]]
SIZE = 3 * 1024 * 1024


async def hash_service(reader: Any, writer: asyncio.StreamWriter) -> None:
    """Reads an 8-byte length and that many bytes, answers with their SHA-256 and then as many bytes of its own."""
    length = int.from_bytes(await reader.readexactly(8), "big")
    digest = hashlib.sha256()
    left = length
    while left:
        chunk = await reader.read(min(left, 65536))
        if not chunk:
            return
        digest.update(chunk)
        left -= len(chunk)
    writer.write(digest.digest())
    block = hashlib.sha256(b"seed").digest() * 2048
    for _ in range(length // len(block)):
        writer.write(block)
        await writer.drain()
    await writer.drain()


class ForwardClient:
    """tether's client side of a forward session, with its own Channel bookkeeping (credit, ACKs)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.channel = Channel(initiator=True)
        self.events: dict[int, asyncio.Queue[object]] = {}  # OPEN_OK, OPEN_FAIL, EOF, CLOSE per stream
        self.data: dict[int, bytearray] = {}
        self.arrived = asyncio.Event()
        self.acked: dict[int, int] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.BINARY:
                break
            frame = self.channel.receive(msg.data)
            stream = getattr(frame, "stream", 0)
            if isinstance(frame, Data):
                self.data[stream] += frame.data
                self.arrived.set()
            elif isinstance(frame, Ack):
                self.acked[stream] = frame.offset
            elif isinstance(frame, OpenOk | OpenFail | Eof | Close) and stream in self.events:
                await self.events[stream].put(frame)

    async def open(self, target: str) -> int:
        stream, frame = self.channel.open_stream(target)
        self.events[stream], self.data[stream] = asyncio.Queue(), bytearray()
        await self.ws.send_bytes(frame)
        return stream

    async def next(self, stream: int, timeout: float = 20) -> object:
        return await asyncio.wait_for(self.events[stream].get(), timeout)

    async def send(self, stream: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            credit = self.channel.credit(stream)
            if credit <= 0:
                await asyncio.sleep(0.005)
                continue
            n = min(credit, len(view), 65536)
            for frame in self.channel.send_data(bytes(view[:n]), stream):
                await self.ws.send_bytes(frame)
            view = view[n:]

    async def receive(self, stream: int, n: int, timeout: float = 30) -> bytes:
        """The next `n` bytes of the stream (ACKed as they are taken, like a client writing them out)."""
        buffer = self.data[stream]
        async with asyncio.timeout(timeout):
            while len(buffer) < n:
                self.arrived.clear()
                await self.arrived.wait()
        out = bytes(buffer[:n])
        del buffer[:n]
        ack = self.channel.consumed(n, stream)
        if ack is not None:
            await self.ws.send_bytes(ack)
        return out


async def start_forward(api: Any, agent: AssistAgent, client_dial: Dial, port: int) -> tuple[str, ForwardClient]:
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, "PortNumber": port})
    ws = await client_dial(started["WebSocketUrl"])
    client = ForwardClient(ws)
    await ws.send_bytes(client.channel.hello())
    await eventually(lambda: client.channel.peer_ready, what="the server's HELLO")
    return started["SessionId"], client


async def exchange(client: ForwardClient, port: int, payload: bytes) -> None:
    stream = await client.open(f"127.0.0.1:{port}")
    # data right behind OPEN, before OPEN_OK: held until the agent can take it
    await client.send(stream, len(payload).to_bytes(8, "big") + payload)
    assert isinstance(await client.next(stream), OpenOk)
    answer = await client.receive(stream, 32)
    assert answer == hashlib.sha256(payload).digest()
    block = hashlib.sha256(b"seed").digest() * 2048
    count = len(payload) // len(block)
    for _ in range(count):
        assert await client.receive(stream, len(block)) == block
    await client.ws.send_bytes(client.channel.close_stream(stream, "done"))


async def test_parallel_connections_each_get_their_own_channel(
    api: Any, assist: AssistAgent, client_dial: Dial, ended_row: EndedRow
) -> None:
    async with await serve_tcp(hash_service) as target:
        session_id, client = await start_forward(api, assist, client_dial, target.port)
        payloads = [os.urandom(SIZE) for _ in range(3)]
        await asyncio.gather(*(exchange(client, target.port, p) for p in payloads))
        starts = [k for k in assist.kicks if k.startswith("kick_vm session start")]
        assert sorted(starts) == sorted(f"kick_vm session start {session_id}-{n}" for n in (1, 3, 5))
        await client.ws.close()
    row = await ended_row(session_id)
    assert row["State"] == "Terminated"
    assert row["BytesFromClient"] >= 3 * SIZE


async def test_open_fails_when_the_agent_cannot_connect(api: Any, assist: AssistAgent, client_dial: Dial) -> None:
    async with await serve_tcp(hash_service) as target:
        port = target.port
    _, client = await start_forward(api, assist, client_dial, port)  # nothing listens there any more
    stream = await client.open(f"127.0.0.1:{port}")
    answer = await client.next(stream)
    assert isinstance(answer, OpenFail) and "Open_port_failed" in answer.reason
    other = await client.open("127.0.0.1:1")
    refused = await client.next(other)
    assert isinstance(refused, OpenFail) and "forwards to" in refused.reason  # not the session's target
    await client.ws.close()


async def test_client_eof_closes_the_stream_once_the_agent_is_quiet(
    api: Any, assist: AssistAgent, client_dial: Dial
) -> None:
    async def greeter(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HELLO " + await reader.readexactly(4))
        await writer.drain()
        await reader.read()  # the agent never half-closes: this only returns when the channel goes

    async with await serve_tcp(greeter) as target:
        _, client = await start_forward(api, assist, client_dial, target.port)
        stream = await client.open(f"127.0.0.1:{target.port}")
        await client.send(stream, b"ping")
        await client.ws.send_bytes(client.channel.send_eof(stream))
        assert isinstance(await client.next(stream), OpenOk)
        assert await client.receive(stream, 10) == b"HELLO ping"
        assert isinstance(await client.next(stream), Eof)
        assert isinstance(await client.next(stream), Close)
        await client.ws.close()


async def test_a_stalled_connection_never_holds_up_another(api: Any, assist: AssistAgent, client_dial: Dial) -> None:
    release = asyncio.Event()

    async def stalled_or_hashing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.readexactly(1)
        if first == b"S":  # the stalled kind: never reads until released
            await release.wait()
            while await reader.read(1 << 16):
                pass
            return
        rest = await reader.readexactly(7)
        await hash_service(_Prefixed(first + rest, reader), writer)

    async with await serve_tcp(stalled_or_hashing) as target:
        _, client = await start_forward(api, assist, client_dial, target.port)
        stalled = await client.open(f"127.0.0.1:{target.port}")
        flood = asyncio.create_task(client.send(stalled, b"S" + bytes(64 * 1024 * 1024)))
        await eventually(stalled_for_a_second(client, stalled), what="the stalled stream to stop moving", timeout=30)
        await asyncio.wait_for(exchange(client, target.port, os.urandom(1024 * 1024)), 30)
        assert not flood.done()  # still stuck behind its target, and the other connection went through
        release.set()
        flood.cancel()
        await client.ws.close()


def stalled_for_a_second(client: ForwardClient, stream: int) -> Callable[[], bool]:
    """A check that is true once the stream's acknowledged offset has not moved for a second (its credit spent)."""
    seen = {"offset": -1, "since": 0.0}

    def check() -> bool:
        offset = client.acked.get(stream, 0)
        now = asyncio.get_running_loop().time()
        if offset != seen["offset"]:
            seen.update(offset=offset, since=now)
        return client.channel.credit(stream) == 0 and now - seen["since"] >= 1.0

    return check


class _Prefixed:
    """A StreamReader whose first bytes were already read."""

    def __init__(self, head: bytes, reader: asyncio.StreamReader) -> None:
        self.head, self.reader = head, reader

    async def readexactly(self, n: int) -> bytes:
        if self.head:
            out, self.head = self.head[:n], self.head[n:]
            return out + (await self.reader.readexactly(n - len(out)) if len(out) < n else b"")
        return await self.reader.readexactly(n)

    async def read(self, n: int) -> bytes:
        if self.head:
            out, self.head = self.head[:n], self.head[n:]
            return out
        return await self.reader.read(n)

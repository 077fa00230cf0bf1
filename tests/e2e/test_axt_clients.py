"""Alibaba's session clients (peers speaking 1.01 and 1.02) through a real server to a real tether agent: shells
with CJK and raw bytes, resize reaching the PTY, exit, a recording asciinema reads, a 200 MB multi-WebSocket port
forward, a flood that keeps the server's memory flat, a browser reconnect, and bad input."""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import psutil
import pytest
from support.aio import settle
from support.axt_client import Browser102, Cli101, Forward101
from support.frames import until_closed
from support.stack import Stack
from support.tcp import TcpServer

from tether.protocol.axt import ChannelState

CHUNK = 1 << 20


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[tuple[aiohttp.ClientSession, ssl.SSLContext]]:
    ctx = ssl.create_default_context(cafile=stack.creds["ca_cert"])
    async with aiohttp.ClientSession() as session:
        yield session, ctx
    await settle()  # the loop ends with the test: let its TLS sockets finish closing first (support/aio.py)


def start_session(stack: Stack, instance: str, **body: object) -> tuple[str, str]:
    started = stack.api("StartTerminalSession", {"InstanceId": instance, **body})
    return str(started["SessionId"]), str(started["WebSocketUrl"])


async def test_cli_shell_bytes_resize_exit_and_recording(stack: Stack, instance: str, http, tmp_path: Path) -> None:
    session, ctx = http
    session_id, url = await asyncio.to_thread(start_session, stack, instance)
    cli = await Cli101(session, url, ctx).connect()
    await cli.send_resize(40, 120)
    await cli.send_input(b"printf '\\344\\270\\255\\346\\226\\207 \\377\\376 raw\\n'; stty size; echo MARK_$((6*7))\n")
    output = await cli.wait_output(b"MARK_42", timeout=20)
    assert "中文".encode() + b" \xff\xfe raw" in output
    assert b"40 120" in output, output[-400:]
    await cli.send_input(b"exit 7\n")
    ending = await cli.wait_done(timeout=20)
    assert (ending.status, ending.reason) == (ChannelState.CLOSED, b"Exit")
    assert cli.ws is not None and await until_closed(cli.ws) == 1000

    out = tmp_path / "s.cast"

    def export() -> subprocess.CompletedProcess[bytes]:
        for _ in range(100):
            listed = stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"][0]
            if isinstance(listed.get("Recording"), dict) and listed["Recording"].get("Sealed"):
                break
        stack.cli("recordings", "export", session_id, "-o", str(out))
        return subprocess.run([sys.executable, "-m", "asciinema", "cat", str(out)], capture_output=True,
                              timeout=60, check=False)

    played = await asyncio.to_thread(export)
    assert played.returncode == 0, played.stderr
    assert b"MARK_42" in played.stdout and "中文".encode() in played.stdout
    header = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert header["version"] == 2


async def _serve_download(size: int, digests: list[str]) -> TcpServer:
    """A target that sends `size` pseudo-random bytes to each connection and closes; `digests` gets their SHA-256."""

    seeds = iter(range(1 << 30))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seed = next(seeds)  # a different stream for each connection
        await reader.readexactly(5)  # "hello": the client speaks first, through the forward
        digest = hashlib.sha256()
        block = hashlib.sha512(str(seed).encode()).digest() * (CHUNK // 64)
        sent = 0
        while sent < size:
            piece = block[: min(CHUNK, size - sent)]
            digest.update(piece)
            writer.write(piece)
            await writer.drain()
            sent += len(piece)
            block = block[1:] + block[:1]
        digests.append(digest.hexdigest())
        writer.close()

    return await TcpServer(handle).start()


async def test_200_mb_through_a_multi_websocket_forward(stack: Stack, instance: str, http) -> None:
    session, ctx = http
    digests: list[str] = []
    size = 50 << 20
    async with await _serve_download(size, digests) as target:
        session_id, url = await asyncio.to_thread(start_session, stack, instance, PortNumber=target.port)
        cli = await Forward101(session, url, ctx).start()  # the CLI's own 3 s wait per connection included
        try:

            async def fetch() -> str:
                reader, writer = await asyncio.open_connection("127.0.0.1", cli.port)
                writer.write(b"hello")
                await writer.drain()
                digest = hashlib.sha256()
                total = 0
                while chunk := await reader.read(CHUNK):
                    digest.update(chunk)
                    total += len(chunk)
                writer.close()
                assert total == size
                return digest.hexdigest()

            received = await asyncio.wait_for(asyncio.gather(*(fetch() for _ in range(4))), 240)
        finally:
            await cli.close()
    assert sorted(received) == sorted(digests) and len(set(received)) == 4
    row = await asyncio.to_thread(stack.api, "DescribeTerminalSessions", {"SessionId": session_id})
    assert row["Sessions"][0]["SessionId"] == session_id
    await asyncio.to_thread(stack.api, "EndTerminalSession", {"SessionId": session_id})


async def test_a_flood_to_a_client_that_stops_reading_keeps_server_memory_flat(
    stack: Stack, instance: str, http
) -> None:
    session, ctx = http
    assert stack.server is not None
    server = psutil.Process(stack.server.pid)
    _, url = await asyncio.to_thread(start_session, stack, instance)
    cli = await Cli101(session, url, ctx).connect()
    await cli.send_input(b"echo READY_$((2*5))\n")
    await cli.wait_output(b"READY_10", timeout=20)
    baseline = server.memory_info().rss
    await cli.send_input(b"yes flood-line-with-some-length-to-it\n")
    await cli.wait_output(b"flood-line", timeout=20)
    cli.reading.clear()
    peak = baseline
    for _ in range(30):
        await asyncio.sleep(0.1)  # sampling the server's memory while nobody reads, on purpose
        peak = max(peak, server.memory_info().rss)
    cli.reading.set()
    before = len(cli.output)
    for _ in range(20):
        await asyncio.sleep(0.1)  # the flood resumes once the client reads again
        peak = max(peak, server.memory_info().rss)
    assert len(cli.output) > before + 100_000, "the output did not resume"
    await cli.send_input(b"\x03")
    await cli.send_input(b"exit\n")
    growth = (peak - baseline) / 2**20
    assert growth < 40, f"server RSS grew {growth:.1f} MiB under a flood to a client that stopped reading"
    await cli.wait_done(timeout=30)


async def test_browser_reconnect_through_a_real_agent(stack: Stack, instance: str, http) -> None:
    session, ctx = http
    _, url = await asyncio.to_thread(start_session, stack, instance)
    browser = await Browser102(session, url, ctx).connect()
    for _ in range(200):
        if browser.opened:
            break
        await asyncio.sleep(0.05)  # the Status(Opened) that comes first
    await browser.send_input(b"echo ONE_$((1+1))\n")
    await browser.wait_output(b"ONE_2", timeout=20)
    await browser.send_input(b"sleep 1; echo AWAY_$((3+3))\n")
    await browser.drop_connection()
    await browser.send_input(b"echo TYPED_$((4+4))\n", lose=True)
    await browser.connect(reconnect=True)
    await browser.wait_output(b"AWAY_6", timeout=20)
    await browser.wait_output(b"TYPED_8", timeout=20)
    assert browser.duplicates == 0
    await browser.send_input(b"exit\n")
    await browser.wait_gone(timeout=20)
    assert (ChannelState.CLOSED, b"Exit") in browser.statuses


async def test_bad_frames_close_only_that_session(stack: Stack, instance: str, http) -> None:
    session, ctx = http
    _, good_url = await asyncio.to_thread(start_session, stack, instance)
    good = await Cli101(session, good_url, ctx).connect()
    # a malformed frame: the CLI is told why (Status Closed naming the problem, where it stops reading) before the
    # close 1002; an oversize one is refused by aiohttp's reader before it is buffered (1009, or 1006 if the client
    # sees the dropped connection first)
    for bad, told, codes in (
        (b"\x00\x00\x00\x001.01\x00\x00" + struct.pack("<QqI", 1, 0, 99) + b"short", b"payload bytes", None),
        (b"\x00\x00\x00\x009.99\x00\x00" + struct.pack("<QqI", 1, 0, 0), b"1.01", None),  # wrong version
        (b"\x00\x00\x00\x001.01\x00\x00" + struct.pack("<QqI", 1, 0, 70000) + bytes(70000), None, {1009, 1006}),
    ):
        _, url = await asyncio.to_thread(start_session, stack, instance)
        cli = await Cli101(session, url, ctx).connect()
        await cli.send_raw(bad)
        ending = await cli.wait_done(timeout=20)
        if told is not None:
            assert ending.status == ChannelState.CLOSED and told in ending.reason, (bad[:12], ending)
        else:
            assert cli.ws is not None and cli.ws.close_code in codes, (bad[:12], cli.ws.close_code)
        await cli.close()
    await good.send_input(b"echo ALIVE_$((5*5))\n")
    await good.wait_output(b"ALIVE_25", timeout=20)
    await good.send_input(b"exit\n")
    await good.wait_done(timeout=20)
    await good.close()

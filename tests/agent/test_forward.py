"""The port-forward runner against the fake relay/client and real TCP targets on localhost."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import struct
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from support.ports import free_port
from support.tcp import TcpServer, serve_tcp
from support.wait import eventually

from tether.agent.forward import PortForwardSession, blocked_address, parse_target, same_target
from tether.agent.session import SessionEnd, SessionStartError
from tether.protocol import Ack, Close, Data, Eof, encode

from .conftest import FakeRelay, StreamClient


@dataclass
class Target:
    """A TCP server with a tiny command language: first line `flood` streams bytes forever, `count` answers
    `got N` after the client's EOF, `reset` resets the connection, anything else is echoed (EOF too)."""

    port: int = 0
    server: TcpServer | None = None
    connections: int = 0
    open_connections: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_connections += 1
        self.closed.clear()
        try:
            first = await reader.readline()
            if first == b"flood\n":
                chunk = os.urandom(65536)
                while True:
                    writer.write(chunk)
                    await writer.drain()
            elif first == b"reset\n":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()  # with linger 0: an RST, not a FIN
            elif first == b"count\n":
                total = 0
                while data := await reader.read(65536):
                    total += len(data)
                writer.write(f"got {total}".encode())
                await writer.drain()
            else:
                writer.write(first)
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
                if writer.can_write_eof():
                    writer.write_eof()
                # Stay open until the agent closes its side too.
                await reader.read()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self.open_connections -= 1
            if self.open_connections == 0:
                self.closed.set()


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    t = Target()
    t.server = await serve_tcp(t.handle)
    t.port = t.server.port
    try:
        yield t
    finally:
        await t.server.close()


@dataclass
class Forward:
    session: PortForwardSession
    task: asyncio.Task[SessionEnd]
    client: StreamClient
    target: str


@pytest.fixture
async def start_forward(relay: FakeRelay, http: aiohttp.ClientSession) -> AsyncIterator[Callable[..., object]]:
    running: list[Forward] = []

    async def start(host: str, port: int, *, window: int | None = None, **kw: object) -> Forward:
        spec_kw = {k: kw.pop(k) for k in ("idle_timeout", "max_duration") if k in kw}
        spec = relay.spec(kind="port_forward", target_host=host, target_port=port, **spec_kw)
        session = PortForwardSession(spec, http, **kw)  # type: ignore[arg-type]
        task = asyncio.create_task(session.run())
        _, ws = await asyncio.wait_for(relay.channels.get(), 10)
        client = StreamClient(ws, **({"window": window} if window else {}))
        await client.start()
        f = Forward(session, task, client, f"{host}:{port}")
        running.append(f)
        return f

    yield start
    for f in running:
        f.session.terminate("test over")
        await asyncio.wait_for(asyncio.gather(f.task, return_exceptions=True), 10)
        await f.client.stop()


# -- pure helpers ------------------------------------------------------------------------------------------------


def test_parse_and_compare_targets() -> None:
    assert parse_target("127.0.0.1:22") == ("127.0.0.1", 22)
    assert parse_target("[::1]:8080") == ("::1", 8080)
    assert parse_target("::1:8080") == ("::1", 8080)
    for bad in ("host", "host:", ":22", "host:0", "host:70000", "host:x"):
        with pytest.raises(ValueError):
            parse_target(bad)
    assert same_target(("::1", 22), ("0:0::1", 22))
    assert same_target(("DB.example.", 5432), ("db.example", 5432))
    assert not same_target(("127.0.0.1", 22), ("127.0.0.1", 23))
    assert not same_target(("127.0.0.1", 22), ("localhost", 22))


def test_blocked_addresses() -> None:
    for address in ("169.254.169.254", "169.254.0.1", "fe80::1%eth0", "fd00:ec2::254", "100.100.100.200",
                    "::ffff:169.254.169.254"):
        assert blocked_address(address), address
    for address in ("127.0.0.1", "10.0.0.1", "::1", "100.100.100.201", "fd00:ec2::253"):
        assert not blocked_address(address), address


def test_missing_target_is_refused(relay: FakeRelay, http: aiohttp.ClientSession) -> None:
    with pytest.raises(SessionStartError) as e:
        PortForwardSession(relay.spec(kind="port_forward"), http)
    assert e.value.code == "InvalidParameter"


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "0.0.0.0", "::",
                                  "0:0::1", "::ffff:127.0.0.1", "LocalHost", "localhost.", "10.1"])
def test_non_canonical_targets_are_refused(relay: FakeRelay, http: aiohttp.ClientSession, host: str) -> None:
    """The agent dials only the canonical spelling the server checked its policy against (defence in depth)."""
    with pytest.raises(SessionStartError) as e:
        PortForwardSession(relay.spec(kind="port_forward", target_host=host, target_port=22), http)
    assert e.value.code == "InvalidParameter.TargetServer"


# -- streams -----------------------------------------------------------------------------------------------------


async def test_echo_round_trip_and_clean_close(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    view = await f.client.open(f.target)
    assert view.ok and view.fail_reason is None
    await f.client.send(view.id, b"hello\n")
    assert await f.client.read(view.id, 6) == b"hello\n"
    await f.client.send(view.id, b"more bytes")
    assert await f.client.read(view.id, 10) == b"more bytes"
    await f.client.eof(view.id)
    await f.client.wait(view.id, lambda v: v.eof and v.close_reason is not None)
    assert view.close_reason == ""
    await asyncio.wait_for(target.closed.wait(), 5)
    rec = f.session.records[-1]
    assert (rec.stream, rec.target, rec.outcome) == (view.id, f.target, "closed")
    assert rec.bytes_to_target == rec.bytes_from_target == 16 and rec.closed_at is not None
    assert f.session.open_streams == 0


async def test_half_close_still_receives_the_reply(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    view = await f.client.open(f.target)
    await f.client.send(view.id, b"count\n" + b"x" * 100_000)
    await f.client.eof(view.id)
    await f.client.wait(view.id, lambda v: v.eof)
    assert bytes(view.data) == b"got 100000"


async def test_refused_target_fails_promptly(start_forward) -> None:
    port = free_port()
    f = await start_forward("127.0.0.1", port)
    started = time.monotonic()
    view = await f.client.open(f"127.0.0.1:{port}")
    assert not view.ok and view.fail_reason == "connection refused"
    assert time.monotonic() - started < 2
    assert f.session.records[-1].outcome == "connection refused"


async def test_unresolvable_name(start_forward) -> None:
    f = await start_forward("no-such-host.invalid", 80)
    view = await f.client.open(f.target)
    assert view.fail_reason == "name not resolved"


async def test_other_targets_are_refused(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    for other in (f"127.0.0.1:{target.port + 1}", f"127.0.0.2:{target.port}", "garbage"):
        view = await f.client.open(other)
        assert view.fail_reason == "target not allowed", other
    assert target.connections == 0
    view = await f.client.open(f"[127.0.0.1]:{target.port}")  # the same target, spelled differently
    assert view.ok


async def test_link_local_is_refused_unless_allowed(start_forward) -> None:
    f = await start_forward("169.254.169.254", 80)
    view = await f.client.open(f.target)
    assert view.fail_reason is not None and view.fail_reason.startswith("target not allowed")
    allowed = await start_forward("169.254.169.254", 80, allow_link_local=True, connect_timeout=0.5)
    view = await allowed.client.open(allowed.target)
    # Whether anything answers there depends on the network (timed out, no route, or a metadata service).
    assert view.ok or "not allowed" not in (view.fail_reason or "")


async def test_names_are_checked_after_resolution(start_forward, monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()

    async def fake_getaddrinfo(host: str, port: int, **kw: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]

    monkeypatch.setattr(loop, "getaddrinfo", fake_getaddrinfo)
    f = await start_forward("metadata.example", 80)
    view = await f.client.open(f.target)
    assert view.fail_reason == "target not allowed: 169.254.169.254 is a link-local or metadata address"


async def test_too_many_connections(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port, max_streams=2)
    a = await f.client.open(f.target)
    b = await f.client.open(f.target)
    c = await f.client.open(f.target)
    assert a.ok and b.ok and c.fail_reason == "too many connections"
    await f.client.reset(a.id)
    d = await f.client.open(f.target)
    assert d.ok


async def test_stalled_stream_does_not_slow_others(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port, window=64 * 1024)
    flood = await f.client.open(f.target)
    f.client.hold_acks(flood.id)
    await f.client.send(flood.id, b"flood\n")
    await f.client.wait(flood.id, lambda v: len(v.data) >= 64 * 1024)
    echo = await f.client.open(f.target)
    for i in range(20):
        started = time.monotonic()
        await f.client.send(echo.id, b"ping %d\n" % i)
        assert await f.client.read(echo.id, len(b"ping %d\n" % i), timeout=5) == b"ping %d\n" % i
        assert time.monotonic() - started < 1
    # The stalled stream got exactly one window and no more.
    await asyncio.sleep(0.2)  # a sleep on purpose: nothing more may arrive meanwhile
    assert len(flood.data) == 64 * 1024
    await f.client.release_acks(flood.id)
    await f.client.wait(flood.id, lambda v: len(v.data) >= 256 * 1024)


async def test_fifty_concurrent_streams(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)

    async def one(i: int) -> None:
        view = await f.client.open(f.target)
        assert view.ok
        payload = b"%d\n" % i + os.urandom(100_000)
        sender = asyncio.create_task(f.client.send(view.id, payload))
        assert await f.client.read(view.id, len(payload)) == payload
        await sender
        await f.client.eof(view.id)
        await f.client.wait(view.id, lambda v: v.close_reason is not None)

    await asyncio.gather(*(one(i) for i in range(50)))
    assert target.connections == 50
    assert f.session.streams_opened == 50 and f.session.open_streams == 0
    assert f.session.bytes_to_target == f.session.bytes_from_target


async def test_large_transfer_keeps_every_byte(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    view = await f.client.open(f.target)
    size = 50 * 1024 * 1024
    block = os.urandom(1 << 20)
    sent = hashlib.sha256()

    async def upload() -> None:
        await f.client.send(view.id, b"echo\n")
        sent.update(b"echo\n")
        for i in range(size // len(block)):
            chunk = block[i:] + block[:i]
            sent.update(chunk)
            await f.client.send(view.id, chunk)

    received = hashlib.sha256()
    total = size + 5
    uploader = asyncio.create_task(upload())
    got = 0
    while got < total:
        chunk = await f.client.read(view.id, min(1 << 20, total - got), timeout=60)
        received.update(chunk)
        got += len(chunk)
    await uploader
    assert received.hexdigest() == sent.hexdigest()


async def test_client_reset_closes_the_socket(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    view = await f.client.open(f.target)
    await f.client.send(view.id, b"echo\n")
    await f.client.read(view.id, 5)
    await f.client.reset(view.id)
    await asyncio.wait_for(target.closed.wait(), 5)
    assert f.session.records[-1].outcome.startswith("reset by client")


async def test_target_reset_closes_the_stream_with_a_reason(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    view = await f.client.open(f.target)
    await f.client.send(view.id, b"reset\n")
    await f.client.wait(view.id, lambda v: v.close_reason is not None)
    assert view.close_reason == "connection to the target failed: Connection reset by peer"
    assert f.session.open_streams == 0
    # Late frames for the stream that is gone (a legitimate race) are ignored, not a protocol error.
    for late in (Data(view.id, b"late"), Ack(view.id, 0), Eof(view.id), Close(view.id, "late")):
        await f.client.ws.send_bytes(encode(late))
    other = await f.client.open(f.target)  # the session carries on
    assert other.ok
    await f.client.send(other.id, b"echo\n")
    assert await f.client.read(other.id, 5) == b"echo\n"


async def test_closing_the_channel_closes_every_socket(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    views = [await f.client.open(f.target) for _ in range(5)]
    for v in views:
        await f.client.send(v.id, b"echo\n")
        await f.client.read(v.id, 5)
    assert target.open_connections == 5
    await f.client.ws.close()
    end = await asyncio.wait_for(f.task, 10)
    assert end.reason == "hangup"
    await asyncio.wait_for(target.closed.wait(), 5)
    assert target.open_connections == 0 and f.session.open_streams == 0


async def test_terminate_and_idle_timeout(start_forward, target: Target) -> None:
    f = await start_forward("127.0.0.1", target.port)
    view = await f.client.open(f.target)
    await f.client.send(view.id, b"echo\n")
    await f.client.read(view.id, 5)
    f.session.terminate("operator said so")
    end = await asyncio.wait_for(f.task, 10)
    assert end.reason == "terminated"
    await asyncio.wait_for(f.client.closed.wait(), 5)
    assert f.client.error is not None and f.client.error.code == "SessionTerminated"
    await asyncio.wait_for(target.closed.wait(), 5)

    idle = await start_forward("127.0.0.1", target.port, idle_timeout=0.5)
    started = time.monotonic()
    end = await asyncio.wait_for(idle.task, 10)
    assert end.reason == "idle_timeout" and time.monotonic() - started < 3


# -- through the control channel ---------------------------------------------------------------------------------


async def test_port_forward_opened_by_the_server(tmp_path, target: Target) -> None:
    from tether.agent.config import AgentConfig, AgentSettings
    from tether.agent.control import Agent
    from tether.agent.register import register
    from tether.protocol.control import SessionEnded, SessionFailed, TerminateSession

    from .conftest import TOKEN
    from .fakeserver import start_fake_server

    server, runner = await start_fake_server(tmp_path)
    settings = AgentSettings(backoff_base=0.05, backoff_cap=0.2, shutdown_timeout=3)
    try:
        await register(server.url, server.tls.ca_cert, "act-1", "good-code", tmp_path / "agent", settings=settings)
        agent = Agent(AgentConfig.load(tmp_path / "agent"))
        task = asyncio.create_task(agent.run())
        try:
            await eventually(lambda: server.control_ws, what="the agent's control channel", interval=0.02)
            base = {"type": "open", "kind": "port_forward", "token": TOKEN, "idle_timeout": 0, "max_duration": 0}
            await server.send_raw({**base, "session_id": "pf-bad", "data_url": f"{server.relay.url}/x",
                                   "target_host": "127.0.0.1"})
            failed = await server.next_of(SessionFailed)
            assert (failed.session_id, failed.code) == ("pf-bad", "InvalidParameter")
            for n, spelling in enumerate(("127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "0.0.0.0")):
                # what the resolver would read as 127.0.0.1 (or this machine) is refused, not dialled
                await server.send_raw({**base, "session_id": f"pf-num-{n}", "data_url": f"{server.relay.url}/x",
                                       "target_host": spelling, "target_port": target.port})
                failed = await server.next_of(SessionFailed)
                assert (failed.session_id, failed.code) == (f"pf-num-{n}", "InvalidParameter.TargetServer")
            assert target.connections == 0
            await server.send_raw({**base, "session_id": "pf-1",
                                   "data_url": f"{server.relay.url}/agent/v1/data/pf-1",
                                   "target_host": "127.0.0.1", "target_port": target.port})
            _, ws = await asyncio.wait_for(server.relay.channels.get(), 10)
            client = StreamClient(ws)
            await client.start()
            view = await client.open(f"127.0.0.1:{target.port}")
            await client.send(view.id, b"via control\n")
            assert await client.read(view.id, 12) == b"via control\n"
            assert "pf-1" in agent.sessions
            await server.send(TerminateSession(session_id="pf-1", reason="done"))
            ended = await server.next_of(SessionEnded)
            assert (ended.session_id, ended.reason) == ("pf-1", "terminated")
            await asyncio.wait_for(target.closed.wait(), 5)
            await client.stop()
        finally:
            agent.stop()
            await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
    finally:
        server.relay.release.set()
        await runner.cleanup()

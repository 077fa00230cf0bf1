"""`tether portforward`: the listener and the stream multiplexer against a fake relay+agent over real TLS, with real
TCP servers behind it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from support.ports import free_port
from support.tls import serve_app
from support.wait import eventually

from tether.client.api import ApiClient
from tether.client.forward import ForwardTarget, PortForwarder
from tether.protocol import DEFAULT_WINDOW

from .client_fakes import KEY_ID, KEY_SECRET
from .forward_fakes import ForwardFake, start_echo_server, start_summing_server

ROOT = Path(__file__).resolve().parents[2]

# tether's, to fix there: a stopped PortForwarder leaves the TLS connection of its data channel (opened at
# tether/client/forward.py:446 through tether/client/datachannel.py:93) still shutting down, and the test's event
# loop closes under it. These are the warnings that leaves, on asyncio and on uvloop; they are expected in this
# module only (see `collect_garbage`).
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:unclosed transport <_SelectorSocketTransport:ResourceWarning:asyncio.selector_events"
    ),
    pytest.mark.filterwarnings("ignore:unclosed resource <TCPTransport closed=False:ResourceWarning:asyncio.runners"),
    pytest.mark.filterwarnings(
        r"ignore:Unclosed connection Connection<ConnectionKey\(host='127.0.0.1':ResourceWarning:aiohttp.connector"
    ),
    # the socket under such a transport, when the collector finalizes it first: the warning is then attributed to
    # whatever code runs at that moment, so it is matched by its text alone (a connected loopback TCP socket)
    pytest.mark.filterwarnings(
        r"ignore:unclosed <socket.socket fd=\d+, family=2, type=1, proto=6, laddr=\('127.0.0.1', \d+\), "
        r"raddr=\('127.0.0.1', \d+\)>:ResourceWarning"
    ),
]


@pytest.fixture(autouse=True)
def collect_garbage() -> Iterator[None]:
    """Collect what the test's closed event loop left behind now, while this module's filters apply (torn down
    last: after the loop)."""
    yield
    gc.collect()


def api_for(fake: ForwardFake) -> ApiClient:
    return ApiClient(fake.url, KEY_ID, KEY_SECRET, ca_cert=fake.tls.ca_cert)


class Running:
    """A started forwarder with `run()` in a task; `notes` collects what it would print on stderr."""

    def __init__(self, forwarder: PortForwarder, notes: list[str]) -> None:
        self.forwarder = forwarder
        self.notes = notes
        self.port = forwarder.bound[1]
        self.task: asyncio.Task[None] | None = None

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@contextlib.asynccontextmanager
async def forwarding(ffake: ForwardFake) -> AsyncIterator[Any]:
    """Factory: `await make(remote_port, **options)` -> Running; everything is stopped at the end."""
    started: list[tuple[Running, ApiClient]] = []

    async def make(remote_port: int, **options: Any) -> Running:
        api = api_for(ffake)
        notes: list[str] = []
        options.setdefault("backoff_base", 0.05)
        options.setdefault("backoff_cap", 0.2)
        forwarder = PortForwarder(api, ForwardTarget("mi-1", remote_port), note=notes.append, **options)
        await forwarder.start()
        running = Running(forwarder, notes)
        running.task = asyncio.create_task(forwarder.run())
        started.append((running, api))
        return running

    try:
        yield make
    finally:
        for running, api in started:
            running.forwarder.stop()
            assert running.task is not None
            await asyncio.wait_for(running.task, 10)
            await api.close()


@pytest.fixture
async def forward(ffake: ForwardFake) -> AsyncIterator[Any]:
    async with forwarding(ffake) as make:
        yield make


async def read_closed(reader: asyncio.StreamReader, timeout: float = 3) -> bytes:
    """Everything until the socket is closed (a reset counts as closed)."""
    try:
        return await asyncio.wait_for(reader.read(), timeout)
    except ConnectionResetError:
        return b""


# --------------------------------------------------------------------------------------------------- data path


async def test_http_requests_over_concurrent_connections(ffake: ForwardFake, forward: Any) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hello {request.match_info['n']}" * 100)

    app = web.Application()
    app.router.add_get("/{n}", hello)
    runner, http_port = await serve_app(app)
    try:
        running = await forward(http_port)
        connector = aiohttp.TCPConnector(limit=20, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def fetch(n: int) -> str:
                async with http.get(f"http://127.0.0.1:{running.port}/{n}") as response:
                    assert response.status == 200
                    return await response.text()

            bodies = await asyncio.gather(*(fetch(n) for n in range(200)))
        assert bodies == [f"hello {n}" * 100 for n in range(200)]
        agent = ffake.agents[0]
        assert 2 <= len(agent.opens) <= 20  # connections were reused and ran side by side
        assert len(ffake.forward_starts()) == 1  # one session, one WebSocket for all of them
        assert ffake.forward_starts()[0] == {"InstanceId": "mi-1", "PortNumber": http_port}
        await eventually(lambda: running.forwarder.connection_count == 0, what="local connections to close")
        await eventually(lambda: not agent.streams, what="the agent to see every stream closed")
        assert running.notes == []
    finally:
        await runner.cleanup()


async def test_half_close_still_receives_the_reply(ffake: ForwardFake, forward: Any) -> None:
    server, port = await start_summing_server()
    async with server:
        running = await forward(port)
        reader, writer = await running.connect()
        writer.write(os.urandom(300_000))
        await writer.drain()
        writer.write_eof()  # shut our write side; the reply must still come back
        assert await asyncio.wait_for(reader.read(), 5) == b"got 300000 bytes"
        writer.close()


async def test_refused_target_closes_at_once_and_reports_once(ffake: ForwardFake, forward: Any) -> None:
    running = await forward(free_port())
    for _ in range(3):
        started = time.monotonic()
        reader, writer = await running.connect()
        assert await read_closed(reader) == b""
        assert time.monotonic() - started < 2
        writer.close()
    assert len(running.notes) == 1, running.notes
    assert running.notes[0].startswith("tether: cannot connect to 127.0.0.1:")
    assert "connection refused" in running.notes[0]


async def test_a_stalled_stream_does_not_slow_another(ffake: ForwardFake, forward: Any) -> None:
    server, port = await start_echo_server()
    async with server:
        running = await forward(port)
        _stalled_reader, stalled_writer = await running.connect()
        stalled_writer.write(b"flood\n")  # the target floods; we never read this connection
        await stalled_writer.drain()

        def stalled() -> bool:  # the fake agent (on its own thread) used up the stream's credit
            return any(agent.channel.credit(s) <= 0 for agent in ffake.agents for s in list(agent.streams))

        await eventually(stalled, what="the unread stream to use up its window")

        reader, writer = await running.connect()
        payload = os.urandom(4 * 1024 * 1024)
        started = time.monotonic()

        async def send() -> None:
            writer.write(payload)
            await writer.drain()

        sending = asyncio.create_task(send())
        echoed = await asyncio.wait_for(reader.readexactly(len(payload)), 10)
        await sending
        assert echoed == payload
        assert time.monotonic() - started < 5
        # The stalled connection holds at most one window in our process, whatever the target sends.
        buffered = [c.transport.get_write_buffer_size() for c in running.forwarder._live if c.transport]
        assert max(buffered) <= DEFAULT_WINDOW
        stalled_writer.close()
        writer.close()


async def test_stream_limit_closes_extra_connections(ffake: ForwardFake, forward: Any) -> None:
    server, port = await start_echo_server()
    async with server:
        running = await forward(port, max_connections=2)
        first = await running.connect()
        second = await running.connect()
        third_reader, third_writer = await running.connect()
        assert await read_closed(third_reader) == b""
        assert any("2 connections are open" in note for note in running.notes), running.notes
        for reader, writer in (first, second):
            writer.write(b"ping")
            assert await asyncio.wait_for(reader.readexactly(4), 5) == b"ping"
            writer.close()
        third_writer.close()


# ------------------------------------------------------------------------------------------------- reconnecting


async def test_relay_drop_keeps_listener_and_reconnects(ffake: ForwardFake, forward: Any) -> None:
    server, port = await start_echo_server()
    async with server:
        running = await forward(port)
        reader, writer = await running.connect()
        writer.write(b"before")
        assert await asyncio.wait_for(reader.readexactly(6), 5) == b"before"

        ffake.offline = True  # the agent restarts too: the first attempts are refused
        ffake.drop_all()
        assert await read_closed(reader) == b""  # connections through the lost channel are closed
        writer.close()
        await eventually(lambda: any("relay connection lost" in n for n in running.notes), what="the loss note")
        assert "reconnecting in" in running.notes[0] and "server is restarting" in running.notes[0]

        # A connection accepted while reconnecting waits for the new channel.
        reader, writer = await running.connect()
        writer.write(b"after")
        attempts = len(ffake.forward_starts())
        await eventually(lambda: len(ffake.forward_starts()) > attempts, what="a reconnect refused while it waits")
        ffake.offline = False
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"after"
        writer.close()
        assert len(ffake.forward_starts()) >= 3
        assert running.notes[-1] == "tether: reconnected to mi-1"
        failed = [n for n in running.notes if "reconnecting failed" in n]
        assert len(failed) == 1 and "InvalidInstance.Offline" in failed[0]  # one line per distinct reason


async def test_waiting_connections_give_up_after_a_bound(ffake: ForwardFake, forward: Any) -> None:
    server, port = await start_echo_server()
    async with server:
        running = await forward(port, pending_timeout=0.3)
        ffake.offline = True
        ffake.drop_all()
        await eventually(lambda: running.notes, what="the loss note")
        reader, writer = await running.connect()
        started = time.monotonic()
        assert await read_closed(reader) == b""
        assert 0.2 < time.monotonic() - started < 3
        assert any("waited 0.3 s for the relay" in n for n in running.notes)
        writer.close()


async def test_agent_ending_the_session_is_a_drop_too(ffake: ForwardFake, forward: Any) -> None:
    server, port = await start_echo_server()
    async with server:
        running = await forward(port)
        ffake.end_with_exit()
        await eventually(lambda: any("reconnected" in n for n in running.notes), what="a reconnect")
        reader, writer = await running.connect()
        writer.write(b"x")
        assert await asyncio.wait_for(reader.readexactly(1), 5) == b"x"
        writer.close()


async def test_first_session_failure_is_an_error(ffake: ForwardFake) -> None:
    ffake.offline = True
    async with api_for(ffake) as api:
        forwarder = PortForwarder(api, ForwardTarget("mi-1", 22), note=lambda _: None)
        with pytest.raises(Exception, match=r"InvalidInstance\.Offline"):
            await forwarder.start()


# ------------------------------------------------------------------------------------------------------ uvloop

UVLOOP_SCENARIOS = [
    test_http_requests_over_concurrent_connections,
    test_half_close_still_receives_the_reply,
    test_refused_target_closes_at_once_and_reports_once,
    test_a_stalled_stream_does_not_slow_another,
    test_stream_limit_closes_extra_connections,
    test_relay_drop_keeps_listener_and_reconnects,
    test_waiting_connections_give_up_after_a_bound,
]


@pytest.mark.parametrize("scenario", UVLOOP_SCENARIOS, ids=lambda f: f.__name__.removeprefix("test_"))
def test_on_uvloop(ffake: ForwardFake, scenario: Callable[..., Awaitable[None]]) -> None:
    """The same scenarios on uvloop, the loop the CLI runs on: its transports differ in the details."""
    uvloop = pytest.importorskip("uvloop")

    async def main() -> None:
        async with forwarding(ffake) as make:
            await scenario(ffake, make)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


# --------------------------------------------------------------------------------------------------------- CLI


def cli_env(fake: ForwardFake) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TETHER_SERVER=fake.url,
        TETHER_ACCESS_KEY_ID=KEY_ID,
        TETHER_ACCESS_KEY_SECRET=KEY_SECRET,
        TETHER_CA_CERT=str(fake.tls.ca_cert),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


@pytest.mark.parametrize("as_json", [False, True])
async def test_cli_prints_bound_port_and_exits_0_on_sigterm(ffake: ForwardFake, as_json: bool) -> None:
    server, port = await start_echo_server()
    async with server:
        argv = [sys.executable, "-m", "tether", "portforward", "-i", "mi-1", "--remote-port", str(port)]
        argv += ["--local-port", "0"] + (["--json"] if as_json else [])
        child = await asyncio.create_subprocess_exec(
            *argv, env=cli_env(ffake), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        assert child.stdout is not None and child.stderr is not None
        if as_json:
            text = b""
            while not text.endswith(b"}\n"):
                text += await asyncio.wait_for(child.stdout.readline(), 10)
            document = json.loads(text)
            assert document["InstanceId"] == "mi-1" and document["RemotePort"] == port
            assert document["LocalAddress"] == "127.0.0.1" and document["RemoteHost"] == "127.0.0.1"
            local_port = document["LocalPort"]
        else:
            line = (await asyncio.wait_for(child.stdout.readline(), 10)).decode()
            prefix = "Forwarding 127.0.0.1:"
            assert line.startswith(prefix) and line.endswith(f" -> mi-1:{port}\n"), line
            local_port = int(line[len(prefix) :].split()[0])
        assert local_port > 0
        reader, writer = await asyncio.open_connection("127.0.0.1", local_port)
        writer.write(b"through the cli")
        assert await asyncio.wait_for(reader.readexactly(15), 5) == b"through the cli"
        child.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(child.wait(), 10) == 0
        assert await read_closed(reader) == b""
        writer.close()
        assert await child.stdout.read() == b""
        assert await child.stderr.read() == b""


async def test_cli_offline_instance_is_one_line_exit_1(ffake: ForwardFake) -> None:
    ffake.offline = True
    child = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tether", "portforward", "-i", "mi-1", "--remote-port", "80"],
        env=cli_env(ffake),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(child.communicate(), 20)
    assert child.returncode == 1
    assert stdout == b""
    lines = stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tether: InvalidInstance.Offline"), lines

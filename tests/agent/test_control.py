"""The control loop against a fake server over TLS: challenge signing, sessions, reconnect, stop, deregistration."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
from support.wait import eventually

from tether.agent.config import AgentConfig, AgentSettings
from tether.agent.control import Agent, AgentDeregistered, control_url
from tether.agent.register import register
from tether.protocol.control import (
    AgentHello,
    ControlError,
    Heartbeat,
    SessionEnded,
    SessionFailed,
    TerminateSession,
)

from .conftest import TOKEN
from .fakeserver import FakeServer, start_fake_server

FAST = AgentSettings(backoff_base=0.05, backoff_cap=0.2, hangup_grace=0.5, shutdown_timeout=3)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[FakeServer]:
    s, runner = await start_fake_server(tmp_path)
    try:
        yield s
    finally:
        s.relay.release.set()
        await runner.cleanup()


@pytest.fixture
async def config(server: FakeServer, tmp_path: Path) -> AgentConfig:
    await register(server.url, server.tls.ca_cert, "act-1", "good-code", tmp_path / "agent", settings=FAST)
    return AgentConfig.load(tmp_path / "agent")


@pytest.fixture
async def agent(config: AgentConfig) -> AsyncIterator[tuple[Agent, asyncio.Task[None]]]:
    a = Agent(config)
    task = asyncio.create_task(a.run())
    try:
        yield a, task
    finally:
        a.stop()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)


def open_message(server: FakeServer, sid: str, **kw: object) -> dict[str, object]:
    return {"type": "open", "session_id": sid, "kind": "shell", "data_url": f"{server.relay.url}/agent/v1/data/{sid}",
            "token": TOKEN, "username": None, "command": None, "idle_timeout": 0, "max_duration": 0,
            "window": 1 << 20, **kw}


def test_control_url() -> None:
    assert control_url("https://h:8443") == "wss://h:8443/agent/v1/control"
    assert control_url("https://h/prefix/") == "wss://h/prefix/agent/v1/control"


async def test_signed_hello_heartbeat_and_a_session(server: FakeServer, config: AgentConfig, agent) -> None:
    hello = await server.next_of(AgentHello)
    assert hello.instance_id == config.instance_id
    assert hello.capabilities == ("shell", "port_forward", "push_key", "no_new_privileges")
    assert hello.os_type == "linux" and hello.default_user
    assert server.bad_signatures == 0
    beat = await server.next_of(Heartbeat, timeout=3)
    assert beat.sessions == 0
    await server.send_raw(open_message(server, "s-1", command="echo via-control; exit 5"))
    client = await server.relay.client()
    await client.start()
    await client.expect(b"via-control")
    await client.until_closed()
    assert client.exit_status == 5
    assert server.relay.authorizations[-1] == f"Bearer {TOKEN}"
    ended = await server.next_of(SessionEnded)
    assert (ended.session_id, ended.exit_status, ended.reason) == ("s-1", 5, "exit")


async def test_refused_sessions_report_session_failed(server: FakeServer, agent) -> None:
    await server.next_of(AgentHello)
    await server.send_raw(open_message(server, "s-2", username="no-such-user-xyz"))
    failed = await server.next_of(SessionFailed)
    assert failed.session_id == "s-2" and failed.code.startswith("InvalidUser.")
    await server.send_raw(open_message(server, "s-3", kind="vnc"))
    failed = await server.next_of(SessionFailed)
    assert (failed.session_id, failed.code) == ("s-3", "UnsupportedKind")
    await server.send_raw(open_message(server, "s-4", data_url="ws://127.0.0.1:1/agent/v1/data/s-4"))
    failed = await server.next_of(SessionFailed)
    assert (failed.session_id, failed.code) == ("s-4", "InvalidParameter")


async def test_the_agents_bounds_refuse_what_the_server_asks(server: FakeServer, agent) -> None:
    """Finding 17: another data-channel host, a forward target outside forward_targets: coded refusals."""
    await server.next_of(AgentHello)
    await server.send_raw(open_message(server, "s-5", data_url="wss://evil.example.net/agent/v1/data/s-5"))
    failed = await server.next_of(SessionFailed)
    assert (failed.session_id, failed.code) == ("s-5", "Bounds.DataChannelHost")
    await server.send_raw(open_message(server, "s-6", kind="port_forward", target_host="10.9.9.9", target_port=6379))
    failed = await server.next_of(SessionFailed)
    assert (failed.session_id, failed.code) == ("s-6", "Bounds.ForwardTarget")
    agent[0].settings.allow_commands = False  # the same settings object the running agent reads
    await server.send_raw(open_message(server, "s-7", command="id"))
    failed = await server.next_of(SessionFailed)
    assert (failed.session_id, failed.code) == ("s-7", "Bounds.Command")


async def test_unknown_message_gets_an_error_answer(server: FakeServer, agent) -> None:
    await server.next_of(AgentHello)
    await server.send_raw({"type": "from-the-future", "x": 1})
    err = await server.next_of(ControlError)
    assert err.code == "InvalidMessage"


async def test_terminate_ends_the_session(server: FakeServer, agent) -> None:
    await server.next_of(AgentHello)
    await server.send_raw(open_message(server, "s-5"))
    client = await server.relay.client()
    await client.start()
    await client.send(b"echo up-$((2+3))\n")
    await client.expect(b"up-5")
    await server.send(TerminateSession(session_id="s-5", reason="EndTerminalSession"))
    await client.until_closed()
    assert client.error is not None and client.error.code == "SessionTerminated"
    ended = await server.next_of(SessionEnded)
    assert (ended.session_id, ended.reason) == ("s-5", "terminated")


async def test_reconnects_with_backoff_and_sessions_survive(
    server: FakeServer, agent, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tether.agent")
    await server.next_of(AgentHello)
    await server.send_raw(open_message(server, "s-6"))
    client = await server.relay.client()
    await client.start()
    await client.send(b"echo before-$((1+1))\n")
    await client.expect(b"before-2")
    # Drop the control channel several times: the agent redials each time, the shell keeps running.
    server.mode = "drop"
    assert server.control_ws is not None
    await server.control_ws.close()
    await eventually(lambda: server.welcomed >= 4, what="three more welcomes (each one dropped)")
    failures = [r for r in caplog.records if "reconnecting in" in r.getMessage()]
    assert len(failures) >= 3
    assert all("\n" not in r.getMessage() and TOKEN not in r.getMessage() for r in caplog.records)
    server.mode = "ok"
    await client.send(b"echo after-$((2+2))\n")
    await client.expect(b"after-4")
    await client.send(b"exit 9\n")
    await client.until_closed()
    ended = await server.next_of(SessionEnded)  # delivered over a later connection
    assert (ended.session_id, ended.exit_status) == ("s-6", 9)


async def test_graceful_stop_hangs_up_shells(server: FakeServer, config: AgentConfig) -> None:
    a = Agent(config)
    task = asyncio.create_task(a.run())
    await server.next_of(AgentHello)
    await server.send_raw(open_message(server, "s-7", command="sleep 1000"))
    client = await server.relay.client()
    await client.start()
    await eventually(lambda: a.sessions.get("s-7") and a.sessions["s-7"].pid, what="the shell of s-7 to start")
    shell = psutil.Process(a.sessions["s-7"].pid)
    started = time.monotonic()
    a.stop()
    await asyncio.wait_for(task, 10)
    assert time.monotonic() - started < 5
    assert not shell.is_running() or shell.status() == psutil.STATUS_ZOMBIE
    ended = await server.next_of(SessionEnded)
    assert (ended.session_id, ended.reason) == ("s-7", "terminated")


async def test_deregistered_instance_stops_the_agent(server: FakeServer, config: AgentConfig) -> None:
    server.mode = "notfound"
    a = Agent(config)
    with pytest.raises(AgentDeregistered, match="deregistered"):
        await asyncio.wait_for(a.run(), 10)
    assert server.attempts == 1

"""The control channel under load: bounded handshakes answered 503 fast, and store failures that never close a
healthy channel."""

from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy.exc import OperationalError
from support.wait import eventually

from tether.protocol import control
from tether.server.connguard import HandshakeGate


async def test_handshakes_past_the_limit_wait_then_get_503_with_retry_after(
    make_server, make_agent_for
) -> None:
    server = await make_server(hello_timeout=30.0)
    server.state.handshakes = HandshakeGate(1, queue=1, queue_wait=30.0)  # one at a time, one more may wait
    api, agent = await make_agent_for(server)  # a finished handshake no longer counts
    url = agent.base_ws + "/agent/v1/control"
    holder = await api.http.ws_connect(url, ssl=api.ssl)  # challenged, never says hello: holds the one place
    await holder.receive(timeout=5)
    gate = server.state.handshakes
    assert gate.in_progress == 1
    await agent.close()
    queued = asyncio.create_task(agent.connect())  # waits for the place
    await eventually(lambda: gate.waiting == 1, what="the second handshake to wait for a place")
    try:
        await api.http.ws_connect(url, ssl=api.ssl)
    except aiohttp.WSServerHandshakeError as exc:
        refused = exc
    else:
        raise AssertionError("a handshake past the limit and the queue was accepted")
    assert refused.status == 503
    assert refused.headers is not None and 1 <= int(refused.headers["Retry-After"]) <= 30
    assert gate.refused == 1
    metrics, _ = server.metrics.render()
    assert b"tether_agent_handshakes_refused_total 1.0" in metrics
    assert not queued.done()
    await holder.close()  # the place passes to the one waiting
    await asyncio.wait_for(queued, 10)
    await eventually(lambda: gate.in_progress == 0, what="every handshake to be done")


async def test_a_handshake_that_waits_too_long_is_refused() -> None:
    gate = HandshakeGate(1, queue=5, queue_wait=0.05)
    assert await gate.enter()
    assert not await gate.enter()  # nobody left: the wait ran out
    assert gate.refused == 1 and gate.waiting == 0
    gate.leave()
    assert gate.in_progress == 0 and await gate.enter()


async def test_a_failing_presence_write_leaves_the_channel_open(make_server, make_agent_for, monkeypatch) -> None:
    server = await make_server(heartbeat_interval=0.2)
    _api, agent = await make_agent_for(server)
    writer = server.state.presence
    failed = asyncio.Event()

    async def broken(*_args: object, **_kwargs: object) -> None:
        failed.set()
        raise OperationalError("UPDATE instances", {}, Exception("database is locked"))

    monkeypatch.setattr(server.state.instances, "write_presence", broken)
    for _ in range(3):
        await agent.send(control.Heartbeat(sessions=0))
    await asyncio.wait_for(failed.wait(), 10)
    await eventually(lambda: writer.failures >= 1, what="the failed batch to be counted")
    assert writer.pending == 1  # kept for the next round
    await agent.ws.send_str('{"type": "bogus"}')  # the channel still answers
    await eventually(lambda: agent.received, what="an answer on the same channel")
    assert isinstance(agent.received[0], control.ControlError) and not agent.ws.closed
    monkeypatch.undo()
    await eventually(lambda: writer.pending == 0, what="the kept batch to be written once the store is back")
    assert server.state.agents.get(agent.instance_id) is not None


async def test_a_store_error_handling_a_message_leaves_the_channel_open(api, make_agent, server, monkeypatch) -> None:
    agent = await make_agent()

    async def broken(_session_id: str) -> None:
        raise OperationalError("SELECT sessions", {}, Exception("connection pool timed out"))

    monkeypatch.setattr(server.state.sessions, "get", broken)
    await agent.send(control.SessionEnded(session_id="s-0123456789abcdef", exit_status=0))
    await agent.ws.send_str('{"type": "bogus"}')
    await eventually(lambda: agent.received, what="an answer after the failed message")
    assert isinstance(agent.received[0], control.ControlError) and not agent.ws.closed


def test_retry_after_is_the_time_the_node_needs_for_the_agents_it_turned_away() -> None:
    now = [0.0]
    gate = HandshakeGate(limit=2, clock=lambda: now[0])
    assert gate.try_enter() and gate.try_enter()
    for _ in range(100):
        assert not gate.try_enter()
    for _ in range(2):  # 10 handshakes done in the 2 s window: 5 per second
        gate.leave()
    for _ in range(8):
        assert gate.try_enter()
        gate.leave()
    assert gate.try_enter() and gate.try_enter()
    now[0] = 2.0
    assert gate.retry_after == 20  # 100 waiting at 5 a second
    for _ in range(1000):
        gate.try_enter()
    assert gate.retry_after == 30  # never more than RETRY_AFTER_MAX
    quiet = HandshakeGate(limit=5, clock=lambda: now[0])
    assert quiet.retry_after == 1
    assert gate.refused == 1100


async def test_a_waiting_handshake_cancelled_gives_its_place_back() -> None:
    gate = HandshakeGate(1, queue=5, queue_wait=30.0)
    assert await gate.enter()
    waiter = asyncio.create_task(gate.enter())
    await eventually(lambda: gate.waiting == 1, what="the second to wait")
    gate.leave()  # the place is handed to the waiter ...
    waiter.cancel()  # ... which is cancelled before it runs again
    try:
        await waiter
    except asyncio.CancelledError:
        pass
    else:
        assert waiter.result() is True
        gate.leave()
    assert gate.in_progress == 0 and gate.waiting == 0
    assert await gate.enter()  # the place was not lost

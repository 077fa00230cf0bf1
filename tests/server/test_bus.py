"""The node bus on a real PostgreSQL: requests and replies, payload limits, malformed payloads, reply timeouts and
recovery of the LISTEN connection after its backend is terminated.

PostgreSQL comes from TETHER_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); each run uses
its own database (NOTIFY channels are per database), dropped at the end. Absent PostgreSQL skips these tests with
the reason, unless TETHER_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from support.pgtemp import temporary_database
from support.wait import eventually

from tether.server import bus as bus_module
from tether.server.bus import (
    MAX_PAYLOAD,
    NodeBus,
    NodeBusTimeout,
    NodeBusUnavailable,
    PayloadTooLarge,
    asyncpg_dsn,
    channel_name,
)

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def bus_dsn() -> Iterator[str]:
    with temporary_database("tether_bus") as url:
        yield asyncpg_dsn(url)


class Recorder:
    """A handler that records what arrived and answers with an echo (or waits forever for `hang`)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any], str]] = []

    async def __call__(self, kind: str, body: dict[str, Any], sender: str) -> dict[str, Any] | None:
        self.seen.append((kind, body, sender))
        if kind == "hang":
            await asyncio.sleep(3600)  # a handler that never answers
        return {"echo": body, "by": kind}

    def attach(self, bus: NodeBus) -> NodeBus:
        """Register this recorder for every message kind the tests send."""
        for kind in KINDS:
            bus.on(kind, lambda body, sender, kind=kind: self(kind, body, sender))
        return bus


KINDS = ("open", "terminate", "push_key", "hang")


@pytest.fixture
async def pair(bus_dsn: str) -> AsyncIterator[tuple[NodeBus, NodeBus, Recorder, Recorder]]:
    ra, rb = Recorder(), Recorder()
    a = ra.attach(NodeBus(bus_dsn, f"node-a-{secrets.token_hex(3)}"))
    b = rb.attach(NodeBus(bus_dsn, f"node-b-{secrets.token_hex(3)}"))
    await a.start()
    await b.start()
    try:
        yield a, b, ra, rb
    finally:
        await a.stop()
        await b.stop()


def test_channel_names_are_short_identifiers() -> None:
    name = channel_name("x" * 500)
    assert name.startswith("tether_node_") and len(name) <= 63 and name.isidentifier()
    assert channel_name("relay-1") != channel_name("relay-2")
    assert asyncpg_dsn("postgresql+asyncpg://u:p@h:5/db") == "postgresql://u:p@h:5/db"


async def test_request_and_reply(pair: tuple[NodeBus, NodeBus, Recorder, Recorder]) -> None:
    a, b, _ra, rb = pair
    reply = await a.request(b.node_id, "open", {"x": "ünï"})
    assert reply == {"echo": {"x": "ünï"}, "by": "open"}
    assert rb.seen == [("open", {"x": "ünï"}, a.node_id)]
    await a.notify(b.node_id, "terminate", {"y": 1})
    await eventually(lambda: len(rb.seen) == 2, what="the notification to arrive")
    assert rb.seen[1] == ("terminate", {"y": 1}, a.node_id)


async def test_payload_limit(pair: tuple[NodeBus, NodeBus, Recorder, Recorder]) -> None:
    a, b, _ra, _rb = pair
    with pytest.raises(PayloadTooLarge, match=f"the limit is {MAX_PAYLOAD}"):
        await a.request(b.node_id, "push_key", {"key": "k" * MAX_PAYLOAD})
    with pytest.raises(PayloadTooLarge):  # multi-byte characters count as their UTF-8 bytes
        await a.notify(b.node_id, "push_key", {"key": "é" * (MAX_PAYLOAD // 2)})
    reply = await a.request(b.node_id, "push_key", {"key": "k" * (MAX_PAYLOAD - 200)})  # just under: delivered
    assert len(reply["echo"]["key"]) == MAX_PAYLOAD - 200
    assert not a._pending  # the refused requests left nothing behind


async def test_malformed_payloads_are_ignored(
    pair: tuple[NodeBus, NodeBus, Recorder, Recorder], bus_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    a, b, _ra, rb = pair
    sender = await asyncpg.connect(bus_dsn)
    try:
        with caplog.at_level(logging.WARNING, logger="tether.server.bus"):
            for payload in ("not json", "[1,2]", json.dumps({"v": 2, "t": "open", "from": "x", "b": {}}),
                            json.dumps({"v": 1, "t": "open", "from": "x", "b": "not an object"}),
                            json.dumps({"v": 1, "t": 5, "from": "x", "b": {}}),
                            json.dumps({"v": 1, "t": "open", "b": {}})):
                await sender.execute("SELECT pg_notify($1, $2)", b.channel, payload)
            await eventually(lambda: sum("ignored a malformed message" in r.message for r in caplog.records) >= 6,
                             what="all six malformed messages to be ignored")
    finally:
        await sender.close()
    assert rb.seen == []
    assert sum("ignored a malformed message" in r.message for r in caplog.records) == 6
    assert await a.request(b.node_id, "open", {"still": "works"}) == {"echo": {"still": "works"}, "by": "open"}


async def test_reply_timeout(pair: tuple[NodeBus, NodeBus, Recorder, Recorder]) -> None:
    a, b, _ra, _rb = pair
    with pytest.raises(NodeBusTimeout, match=r"did not answer 'hang' within 0\.3 s"):
        await a.request(b.node_id, "hang", {}, wait=0.3)
    with pytest.raises(NodeBusTimeout):  # nobody listens on that node's channel
        await a.request("node-that-does-not-exist", "open", {}, wait=0.3)
    assert not a._pending


async def test_pending_requests_are_capped(
    pair: tuple[NodeBus, NodeBus, Recorder, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, _ra, _rb = pair
    monkeypatch.setattr(bus_module, "MAX_PENDING", 2)
    waiting = [asyncio.create_task(a.request(b.node_id, "hang", {}, wait=5)) for _ in range(2)]
    await eventually(lambda: len(a._pending) == 2, what="both requests to be waiting")
    with pytest.raises(NodeBusUnavailable, match="already waiting"):
        await a.request(b.node_id, "hang", {}, wait=5)
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)


async def test_listen_connection_recovers(
    pair: tuple[NodeBus, NodeBus, Recorder, Recorder], bus_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, _ra, _rb = pair
    assert b.connects == 1
    # the first two reconnect attempts fail (as if PostgreSQL were still restarting): a window to look into
    real_connect, failures = b._connect, [OSError("refused (test)"), OSError("refused (test)")]
    gate = asyncio.Event()

    async def connect() -> None:
        if failures:
            failures.pop()
            if not failures:
                await gate.wait()
            raise OSError("connection refused (test)")
        await real_connect()

    monkeypatch.setattr(b, "_connect", connect)
    pid = b._conn.get_server_pid()  # type: ignore[union-attr]
    admin = await asyncpg.connect(bus_dsn)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await eventually(lambda: not failures, what="two refused reconnects", interval=0.01)
    # while b is down it refuses at once, with the 503-style error callers turn into ServiceUnavailable.NodeBus
    assert not b.available
    with pytest.raises(NodeBusUnavailable, match="not connected"):
        await b.request(a.node_id, "open", {})
    gate.set()
    assert await b.wait_up(10), "the LISTEN connection did not come back"
    assert b.connects == 2
    assert await a.request(b.node_id, "open", {"after": 1}) == {"echo": {"after": 1}, "by": "open"}
    assert await b.request(a.node_id, "open", {"back": 1}) == {"echo": {"back": 1}, "by": "open"}


async def test_stopped_bus_refuses(bus_dsn: str) -> None:
    bus = Recorder().attach(NodeBus(bus_dsn, "node-stopped"))
    await bus.start()
    await bus.stop()
    with pytest.raises(NodeBusUnavailable, match="not connected"):
        await bus.notify("elsewhere", "open", {})

"""Presence batched into the store: coalesced heartbeats, connects and disconnects in order, Offline still seen by
other nodes, the last batch written at shutdown, a failed batch kept. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from support.pgtemp import temporary_database

from tether.server.presencewriter import PresenceWriter
from tether.store import Database, InstanceRepo, sqlite_url

NODE = "relay-1"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with temporary_database("tether_presence") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "t.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def repo(database_url: str) -> AsyncIterator[InstanceRepo]:
    db = Database(database_url)
    await db.migrate()
    try:
        yield InstanceRepo(db)
    finally:
        await db.dispose()


@pytest.fixture
async def instance_ids(repo: InstanceRepo) -> list[str]:
    """Three registered instances, never connected (ids of their own: the PostgreSQL database is shared)."""
    made = [f"mi-{secrets.token_hex(8)}" for _ in range(3)]
    for iid in made:
        await repo.create(instance_id=iid, name="", public_key="k", hostname="", os_type="", os_name="",
                          agent_version="", activation_id="act", now=datetime.now(UTC))
    return made


def connect(writer: PresenceWriter, instance_id: str, now: datetime, hostname: str = "h") -> None:
    writer.connected(instance_id, hostname=hostname, os_type="linux", os_name="OS", agent_version="1",
                     now=now, identity=None)


async def test_heartbeats_are_coalesced_into_one_batch(repo: InstanceRepo, instance_ids: list[str]) -> None:
    a, b, c = instance_ids
    writer = PresenceWriter(repo, NODE)
    start = datetime.now(UTC).replace(microsecond=0)
    for iid in (a, b, c):
        connect(writer, iid, start - timedelta(seconds=60))
    assert await writer.flush() and writer.flushes == 1
    assert (await repo.get(a)).connected_node == NODE  # type: ignore[union-attr]
    for second in range(1, 11):  # ten heartbeats from each agent
        for iid in (a, b):
            writer.heartbeat(iid, start + timedelta(seconds=second, microseconds=500_000))
    assert writer.pending == 2  # one record per instance however many heartbeats
    assert await writer.flush() and writer.flushes == 2
    row_a, row_c = await repo.get(a), await repo.get(c)
    assert row_a is not None and row_c is not None
    assert row_a.last_heartbeat == start + timedelta(seconds=10)  # the newest, to the second (never later)
    assert row_c.last_heartbeat is not None and row_c.last_heartbeat < start  # silent: not refreshed
    assert await writer.flush() and writer.flushes == 2  # nothing pending: nothing written


async def test_disconnect_clears_only_this_nodes_mark_and_order_holds(
    repo: InstanceRepo, instance_ids: list[str]
) -> None:
    a, b, _ = instance_ids
    here, there = PresenceWriter(repo, NODE), PresenceWriter(repo, "relay-2")
    now = datetime.now(UTC)
    connect(here, a, now)
    here.disconnected(a)
    connect(here, a, now, hostname="again")  # reconnected within one batch: connected wins
    connect(here, b, now)
    await here.flush()
    row = await repo.get(a)
    assert row is not None and row.connected_node == NODE and row.hostname == "again"
    connect(there, b, now)  # b moved to the other node
    await there.flush()
    here.disconnected(b)  # this node's late disconnect must not clear relay-2's mark
    here.heartbeat(b, now)
    await here.flush()
    assert (await repo.get(b)).connected_node == "relay-2"  # type: ignore[union-attr]
    here.disconnected(a)
    await here.flush()
    assert (await repo.get(a)).connected_node is None  # type: ignore[union-attr]


async def test_a_deregistered_instance_is_not_marked_connected_again(
    repo: InstanceRepo, instance_ids: list[str]
) -> None:
    a, _, _ = instance_ids
    writer = PresenceWriter(repo, NODE)
    connect(writer, a, datetime.now(UTC))
    assert await repo.deregister(a) is not None
    await writer.flush()
    row = await repo.get(a)
    assert row is not None and row.deregistered and row.connected_node is None


async def test_the_last_batch_is_written_when_the_writer_stops(
    repo: InstanceRepo, instance_ids: list[str]
) -> None:
    a, b, _ = instance_ids
    writer = PresenceWriter(repo, NODE, interval=3600, urgent_delay=3600)  # only the stop makes it write
    stop = asyncio.Event()
    task = asyncio.create_task(writer.run(stop))
    now = datetime.now(UTC)
    connect(writer, a, now)
    connect(writer, b, now)
    await asyncio.sleep(0)
    writer.disconnected(b)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert writer.pending == 0
    assert (await repo.get(a)).connected_node == NODE  # type: ignore[union-attr]
    assert (await repo.get(b)).connected_node is None  # type: ignore[union-attr]


async def test_a_failed_batch_is_kept_under_newer_events(
    repo: InstanceRepo, instance_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, _ = instance_ids
    writer = PresenceWriter(repo, NODE)
    now = datetime.now(UTC).replace(microsecond=0)
    real = repo.write_presence

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("UPDATE instances", {}, Exception("database is locked"))

    monkeypatch.setattr(repo, "write_presence", broken)
    connect(writer, a, now)
    connect(writer, b, now)
    assert not await writer.flush() and writer.failures == 1 and writer.pending == 2
    writer.heartbeat(a, now + timedelta(seconds=5))  # newer than the failed connect: both survive
    writer.disconnected(b)
    monkeypatch.setattr(repo, "write_presence", real)
    assert await writer.flush()
    row_a, row_b = await repo.get(a), await repo.get(b)
    assert row_a is not None and row_a.connected_node == NODE and row_a.hostname == "h"
    assert row_a.last_heartbeat == now + timedelta(seconds=5)
    assert row_b is not None and row_b.connected_node is None

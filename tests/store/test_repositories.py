"""Repositories on SQLite and PostgreSQL (the `db` fixture is parametrised over both)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tether.store import (
    AccessKeyRepo,
    ActivationRepo,
    Database,
    InstanceRepo,
    NonceRepo,
    SessionRepo,
    SessionState,
    SettingsRepo,
)

NOW = datetime(2026, 11, 28, 11, 40, 24, tzinfo=UTC)


async def test_settings_get_set_and_first_writer_wins(db: Database) -> None:
    repo = SettingsRepo(db)
    assert await repo.get("account_id") is None
    assert await repo.get_or_create("account_id", lambda: "111") == "111"
    assert await repo.get_or_create("account_id", lambda: "222") == "111"
    await repo.set("account_id", "333")
    assert await repo.get("account_id") == "333"


async def test_access_keys(db: Database) -> None:
    repo = AccessKeyRepo(db)
    await repo.create("AK1", "acs:ram::1:root", "encrypted")
    key = await repo.get("AK1")
    assert key is not None and key.status == "Active" and key.secret_encrypted == "encrypted"
    assert key.created_at.tzinfo is not None
    assert await repo.set_status("AK1", "Inactive")
    assert (await repo.get("AK1")).status == "Inactive"  # type: ignore[union-attr]
    assert await repo.get("nope") is None


async def test_nonce_is_single_use_per_key_and_pruned(db: Database) -> None:
    repo = NonceRepo(db)
    assert await repo.use("AK1", "nonce-0123456789abcdef", NOW)
    assert not await repo.use("AK1", "nonce-0123456789abcdef", NOW)
    assert await repo.use("AK2", "nonce-0123456789abcdef", NOW + timedelta(hours=1))
    assert await repo.prune(NOW) == 1
    assert await repo.use("AK1", "nonce-0123456789abcdef", NOW)


async def test_nonce_race_has_one_winner(db: Database) -> None:
    repo = NonceRepo(db)
    results = await asyncio.gather(*(repo.use("AK", "same-nonce-value-1", NOW) for _ in range(8)))
    assert results.count(True) == 1


async def _activation(db: Database, limit: int = 2, expires: datetime | None = None) -> ActivationRepo:
    repo = ActivationRepo(db)
    await repo.create(
        activation_id="act-1",
        code_hash="h",
        description="d",
        instance_name="web",
        usage_limit=limit,
        expires_at=expires or NOW + timedelta(hours=4),
        now=NOW,
    )
    return repo


async def test_activation_claim_respects_limit_and_expiry(db: Database) -> None:
    repo = await _activation(db, limit=2)
    assert await repo.claim("act-1", NOW)
    assert await repo.claim("act-1", NOW)
    assert not await repo.claim("act-1", NOW)
    assert not await repo.claim("missing", NOW)
    await repo.count_deregistration("act-1")
    row = await repo.get("act-1")
    assert row is not None and (row.registered_count, row.deregistered_count) == (2, 1)

    repo2 = ActivationRepo(db)
    await repo2.create(
        activation_id="act-old",
        code_hash="h",
        description="",
        instance_name="",
        usage_limit=5,
        expires_at=NOW - timedelta(seconds=1),
        now=NOW - timedelta(hours=1),
    )
    assert not await repo2.claim("act-old", NOW)


async def test_activation_page_and_delete(db: Database) -> None:
    repo = await _activation(db)
    rows, total = await repo.page(activation_id=None, offset=0, limit=10)
    assert total == 1 and rows[0].id == "act-1" and rows[0].expires_at == NOW + timedelta(hours=4)
    rows, total = await repo.page(activation_id="other", offset=0, limit=10)
    assert (list(rows), total) == ([], 0)
    assert await repo.delete("act-1")
    assert not await repo.delete("act-1")


async def _instance(db: Database, instance_id: str = "mi-1", name: str = "web") -> InstanceRepo:
    repo = InstanceRepo(db)
    await repo.create(
        instance_id=instance_id,
        name=name,
        public_key="pk",
        hostname="h",
        os_type="linux",
        os_name="Debian",
        agent_version="0.1.0",
        activation_id="act-1",
        now=NOW,
    )
    return repo


async def test_instance_connection_marks(db: Database) -> None:
    repo = await _instance(db)
    await repo.mark_connected(
        "mi-1", node="n1", hostname="h2", os_type="linux", os_name="Debian 12", agent_version="0.2", now=NOW
    )
    row = await repo.get("mi-1")
    assert row is not None and row.connected_node == "n1" and row.hostname == "h2" and row.last_heartbeat == NOW
    await repo.heartbeat("mi-1", NOW + timedelta(seconds=30))
    assert (await repo.get("mi-1")).last_heartbeat == NOW + timedelta(seconds=30)  # type: ignore[union-attr]
    await repo.mark_disconnected("mi-1", "other-node")
    assert (await repo.get("mi-1")).connected_node == "n1"  # type: ignore[union-attr]
    await repo.mark_disconnected("mi-1", "n1")
    assert (await repo.get("mi-1")).connected_node is None  # type: ignore[union-attr]
    await repo.mark_connected(
        "mi-1", node="n1", hostname="h", os_type="linux", os_name="D", agent_version="0.2", now=NOW
    )
    assert await repo.clear_node("n1") == 1
    assert (await repo.get("mi-1")).connected_node is None  # type: ignore[union-attr]


async def test_instance_page_and_deregister(db: Database) -> None:
    repo = await _instance(db, "mi-1", "web")
    await _instance(db, "mi-2", "db")
    rows, total = await repo.page(instance_ids=None, name=None, offset=0, limit=10)
    assert total == 2 and {r.id for r in rows} == {"mi-1", "mi-2"}
    rows, total = await repo.page(instance_ids=["mi-2"], name=None, offset=0, limit=10)
    assert [r.id for r in rows] == ["mi-2"] and total == 1
    rows, total = await repo.page(instance_ids=None, name="web", offset=0, limit=1)
    assert [r.id for r in rows] == ["mi-1"]
    assert (await repo.deregister("mi-1")) is not None
    assert await repo.deregister("mi-1") is None
    rows, total = await repo.page(instance_ids=None, name=None, offset=0, limit=10)
    assert [r.id for r in rows] == ["mi-2"] and total == 1


async def _session(repo: SessionRepo, session_id: str, created: datetime, instance: str = "mi-1") -> None:
    await repo.create(
        session_id=session_id,
        instance_id=instance,
        principal="root",
        kind="shell",
        username=None,
        command=None,
        node="n1",
        client_ip="127.0.0.1",
        client_token_hash="ch",
        client_token_expires_at=created + timedelta(minutes=10),
        agent_token_hash="ah",
        now=created,
    )


async def test_session_tokens_are_single_use(db: Database) -> None:
    repo = SessionRepo(db)
    await _session(repo, "s-1", NOW)
    assert not await repo.use_client_token("s-1", NOW + timedelta(minutes=11))
    results = await asyncio.gather(*(repo.use_client_token("s-1", NOW) for _ in range(5)))
    assert results.count(True) == 1
    assert await repo.use_agent_token("s-1")
    assert not await repo.use_agent_token("s-1")


async def test_session_life_cycle(db: Database) -> None:
    repo = SessionRepo(db)
    await _session(repo, "s-1", NOW)
    assert await repo.count_active("mi-1") == 1
    assert await repo.mark_connected("s-1", NOW)
    assert not await repo.mark_connected("s-1", NOW)
    assert await repo.finish("s-1", state=SessionState.TERMINATED, reason="exit", exit_status=3, now=NOW)
    assert not await repo.finish("s-1", state=SessionState.EXPIRED, reason="x", exit_status=None, now=NOW)
    row = await repo.get("s-1")
    assert row is not None
    assert (row.state, row.exit_status, row.end_reason, row.started_at) == ("Terminated", 3, "exit", NOW)
    assert await repo.count_active("mi-1") == 0
    assert not await repo.use_client_token("s-1", NOW)
    with pytest.raises(ValueError):
        await repo.finish("s-1", state=SessionState.CONNECTED, reason="", exit_status=None, now=NOW)


async def test_session_expiry_and_node_cleanup(db: Database) -> None:
    repo = SessionRepo(db)
    await _session(repo, "s-old", NOW - timedelta(minutes=20))
    await _session(repo, "s-new", NOW)
    assert [s.id for s in await repo.expired_pending(NOW)] == ["s-old"]
    assert await repo.finish_node("n1", "server_restart", NOW) == 2
    assert await repo.expired_pending(NOW) == []


async def test_session_paging_newest_first_with_filters(db: Database) -> None:
    repo = SessionRepo(db)
    for i in range(5):
        await _session(repo, f"s-{i}", NOW + timedelta(seconds=i), instance="mi-1" if i % 2 == 0 else "mi-2")
    await _session(repo, "s-5", NOW + timedelta(seconds=4))  # same time as s-4: ties broken by id
    seen: list[str] = []
    token: str | None = None
    while True:
        page = await repo.page(limit=2, next_token=token)
        seen.extend(s.id for s in page.sessions)
        token = page.next_token
        if token is None:
            break
    assert seen == ["s-5", "s-4", "s-3", "s-2", "s-1", "s-0"]
    page = await repo.page(instance_id="mi-2", limit=10)
    assert [s.id for s in page.sessions] == ["s-3", "s-1"] and page.next_token is None
    await repo.finish("s-3", state=SessionState.TERMINATED, reason="x", exit_status=None, now=NOW)
    page = await repo.page(state=SessionState.TERMINATED, limit=10)
    assert [s.id for s in page.sessions] == ["s-3"]
    assert [s.id for s in (await repo.page(session_id="s-0")).sessions] == ["s-0"]
    with pytest.raises(ValueError):
        await repo.page(next_token="garbage!")

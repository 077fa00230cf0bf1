"""Port-forward stream rows and the StreamLog that writes them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from support.wait import eventually

from tether.recording import streams as streams_module
from tether.recording.streams import StreamLog, split_target
from tether.store import Database, ForwardStream, ForwardStreamRepo, SessionRepo


async def _session(db: Database, session_id: str = "s-1") -> str:
    now = datetime.now(UTC)
    await SessionRepo(db).create(
        session_id=session_id, instance_id="mi-1", principal="p", kind="port_forward", username=None, command=None,
        node="n", client_ip="", client_token_hash="x", client_token_expires_at=now, agent_token_hash="y", now=now,
        target_host="127.0.0.1", target_port=5432,
    )
    return session_id


@pytest.mark.parametrize(
    ("target", "expected"),
    [("db:5432", ("db", 5432)), ("[::1]:22", ("::1", 22)), ("no-port", ("no-port", None)), (":80", (":80", None))],
)
def test_split_target(target: str, expected: tuple[str, int | None]) -> None:
    assert split_target(target) == expected


async def test_streams_are_written_in_batches_with_a_summary_past_the_cap(db: Database, monkeypatch) -> None:
    monkeypatch.setattr(streams_module, "WRITE_INTERVAL", 0.05)
    session_id = await _session(db)
    repo = ForwardStreamRepo(db)
    calls: list[int] = []
    original = repo.add_many

    async def counting(sid: str, records) -> None:
        calls.append(len(records))
        await original(sid, records)

    repo.add_many = counting  # type: ignore[method-assign]
    log = StreamLog(session_id, repo, max_rows=250)
    for n in range(300):
        stream = 2 * n + 1
        log.opened(stream, "db.internal:5432")
        log.to_target(stream, 10)
        log.from_target(stream, 1000)
        log.closed(stream, "agent: done")
    log.opened(601, "db.internal:5432")
    log.to_target(601, 7)
    assert [r.stream_id for r in log.open_streams()] == [601]
    await eventually(lambda: sum(calls) >= 250, what="the first 250 streams to be written")
    assert sum(calls) == 250 and len(calls) <= 3  # batches, not a transaction per stream
    await log.close("session ended: client_closed")

    page = await repo.page(session_id, limit=1000)
    assert len(page.streams) == 250 and page.next_token is None
    first = page.streams[0]
    assert (first.target_host, first.target_port, first.bytes_to_target, first.bytes_from_target) == (
        "db.internal", 5432, 10, 1000,
    )
    assert page.summary is not None
    assert (page.summary.streams, page.summary.bytes_to_target) == (51, 50 * 10 + 7)  # 50 past the cap + 601
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(ForwardStream)) == 251
    second = await repo.page(session_id, limit=100, after=page.streams[99].stream_id)
    assert second.streams[0].stream_id == page.streams[100].stream_id and second.summary is None


async def test_a_database_failure_is_reported_once_and_counted(db: Database) -> None:
    failures: list[str] = []

    async def failed(reason: str) -> None:
        failures.append(reason)

    # no session row: the foreign key refuses the insert (SQLite enforces it too), a real database error
    log = StreamLog("s-missing", ForwardStreamRepo(db), on_failure=failed)
    log.opened(1, "h:1")
    log.closed(1, "agent: done")
    await log.close("session ended")
    assert len(failures) == 1 and "could not be written" in failures[0]
    assert log.failure is not None

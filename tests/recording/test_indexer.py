"""The background indexer: catches up on what it missed, survives an overflowing queue, bounded on a flood."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from support.wait import eventually

from tether.recording import indexer as indexer_module
from tether.recording.indexer import SearchIndexer
from tether.recording.recorder import Recordings
from tether.store import Database, RecordingRepo, SearchRepo, SessionRepo, SettingsRepo, sqlite_url

NOW = datetime(2026, 11, 28, 11, 40, 24, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(sqlite_url(tmp_path / "tether.db"))
    await database.migrate()
    yield database
    await database.dispose()


async def _sealed(db: Database, data_dir: Path, session_id: str, events: list[list[object]] | None) -> None:
    """A sealed recording whose file holds `events` (no file at all for None)."""
    await SessionRepo(db).create(
        session_id=session_id,
        instance_id="mi-1",
        principal="p",
        kind="shell",
        username=None,
        command=None,
        node="n1",
        client_ip="",
        client_token_hash="x",
        client_token_expires_at=NOW + timedelta(minutes=1),
        agent_token_hash="y",
        now=NOW,
    )
    relative = f"recordings/{session_id}.cast"
    recordings = RecordingRepo(db)
    await recordings.create(session_id=session_id, path=relative, started_at=NOW, input_recorded=False)
    if events is not None:
        path = data_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"version": 2, "width": 80, "height": 24}
        path.write_text("".join(json.dumps(e) + "\n" for e in [header, *events]))
    await recordings.seal(
        session_id, ended_at=NOW, duration=1.0, size=1, sha256="0" * 64, truncated=False, failure=None, now=NOW
    )


async def _wait_indexed(db: Database, *session_ids: str) -> None:
    repo = RecordingRepo(db)

    async def indexed() -> bool:
        rows = [await repo.get(i) for i in session_ids]
        return all(r is not None and r.indexed_at is not None for r in rows)

    await eventually(indexed, what=f"{session_ids} to be indexed", interval=0.02)


async def test_catch_up_overflow_and_missing_files(db: Database, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    recordings = Recordings(RecordingRepo(db), SettingsRepo(db), data_dir, 1 << 30)
    search = SearchRepo(db)
    await _sealed(db, data_dir, "s-before", [[0.5, "o", "sealed before start\r\n"]])  # found by the catch-up
    indexer = SearchIndexer(search, recordings, "n1", queue_size=1)
    indexer.start()
    try:
        await _wait_indexed(db, "s-before")
        for i in range(5):  # more than the queue holds: the overflow is caught up once the queue is empty
            await _sealed(db, data_dir, f"s-{i}", [[float(i), "o", f"word{i}\r\n"]])
            await indexer.notify(f"s-{i}")
        await _sealed(db, data_dir, "s-gone", None)
        await indexer.notify("s-gone")
        await _wait_indexed(db, "s-before", "s-gone", *(f"s-{i}" for i in range(5)))
    finally:
        await indexer.stop()
    assert [(m.t, m.text) for m in await search.lines_of("s-before")] == [(0.5, "sealed before start")]
    assert [(m.t, m.text) for m in await search.lines_of("s-3")] == [(3.0, "word3")]
    assert await search.lines_of("s-gone") == []  # nothing to index, still marked so it is not read again
    assert [h.session.id for h in (await search.search("word4")).hits] == ["s-4"]


async def test_a_flood_is_indexed_as_a_few_lines(db: Database, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    recordings = Recordings(RecordingRepo(db), SettingsRepo(db), data_dir, 1 << 30)
    chunk = "y\r\n" * 20000
    events: list[list[object]] = [[0.1 * i, "o", chunk] for i in range(500)]  # 30 MB of `yes`
    events += [[60.0, "o", "^C\r\n"], [60.5, "o", "after the flood\r\n"]]
    await _sealed(db, data_dir, "s-yes", events)
    indexer = SearchIndexer(SearchRepo(db), recordings, "n1")
    indexer.start()
    try:
        await _wait_indexed(db, "s-yes")
    finally:
        await indexer.stop()
    assert [m.text for m in await SearchRepo(db).lines_of("s-yes")] == ["y", "^C", "after the flood"]


async def test_a_failed_recording_is_retried_by_the_idle_catch_up(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database blip while indexing leaves indexed_at NULL; the next idle catch-up indexes it, no restart needed."""
    monkeypatch.setattr(indexer_module, "CATCH_UP_INTERVAL", 0.2)
    data_dir = tmp_path / "data"
    recordings = Recordings(RecordingRepo(db), SettingsRepo(db), data_dir, 1 << 30)
    search = SearchRepo(db)
    real_add = search.add
    failures = []

    async def add_failing_once(session_id: str, first_seq: int, lines: list[tuple[float, str]]) -> int:
        if not failures:
            failures.append(session_id)
            raise OperationalError("INSERT INTO recording_text", {}, ConnectionResetError("database went away"))
        return await real_add(session_id, first_seq, lines)

    monkeypatch.setattr(search, "add", add_failing_once)
    indexer = SearchIndexer(search, recordings, "n1")
    indexer.start()
    try:
        await _sealed(db, data_dir, "s-blip", [[0.25, "o", "survived the blip\r\n"]])
        await indexer.notify("s-blip")
        await _wait_indexed(db, "s-blip")
    finally:
        await indexer.stop()
    assert failures == ["s-blip"]
    assert [(m.t, m.text) for m in await search.lines_of("s-blip")] == [(0.25, "survived the blip")]

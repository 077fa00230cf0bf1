"""URL handling and migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tether.store import SEARCH_TABLES, Base, Database, normalize_url, sqlite_url


def test_normalize_url_maps_to_async_drivers() -> None:
    assert normalize_url("postgresql://u:p@h:5432/d") == "postgresql+asyncpg://u:p@h:5432/d"
    assert normalize_url("postgres://h/d") == "postgresql+asyncpg://h/d"
    assert normalize_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalize_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    with pytest.raises(ValueError, match="unsupported database"):
        normalize_url("mysql://h/d")


async def test_migrations_match_models(db: Database) -> None:
    await db.migrate()  # idempotent

    def diff(connection: object) -> list[object]:
        # the search index (migration 0006) is dialect-specific SQL that the models cannot describe
        opts = {
            "compare_type": True,
            "include_name": lambda name, kind, _parent: kind != "table" or name not in SEARCH_TABLES,
        }
        context = MigrationContext.configure(connection, opts=opts)  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "t.db"))
    try:
        await db.migrate()
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert int((await connection.execute(text("PRAGMA busy_timeout"))).scalar() or 0) >= 5000
    finally:
        await db.dispose()

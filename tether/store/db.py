"""Engine creation, URL normalisation and schema migration.

The server accepts the URLs people type (`postgresql://...`, a SQLite path) and turns them into the async drivers
SQLAlchemy needs. SQLite runs in WAL mode with a busy timeout so the API and the relay can write concurrently
without "database is locked" errors; PostgreSQL needs nothing special.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000
# The pool: agents' presence is written in batches (tether/server/presencewriter.py), so the pool serves API calls,
# handshakes' instance lookups and sessions. A request that cannot get a connection within POOL_TIMEOUT seconds
# fails (and says so) rather than queueing for SQLAlchemy's default 30 s while its client has long given up.
POOL_SIZE = 10
POOL_OVERFLOW = 20
POOL_TIMEOUT = 10.0
# PostgreSQL connections are replaced after this many seconds instead of being pinged at every checkout (a round
# trip per transaction, 7-15% of the server's time under load); a connection that died anyway fails one call,
# and SQLAlchemy then replaces the whole pool's connections (it invalidates the pool on a disconnect error).
POOL_RECYCLE = 1800.0


def sqlite_url(path: Path) -> str:
    """The async SQLite URL of a database file."""
    return f"sqlite+aiosqlite:///{path.resolve()}"


def normalize_url(url: str) -> str:
    """Map user-facing database URLs to the async drivers (`postgresql://` -> `postgresql+asyncpg://`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class Database:
    """An async engine plus a session factory; repositories open one short transaction per call."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {
            "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": POOL_TIMEOUT,
        }
        if self.is_sqlite:
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            options["pool_recycle"] = POOL_RECYCLE
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _configure_sqlite)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed on success, rolled back on any exception."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def migrate(self) -> tuple[str | None, str | None]:
        """Bring the schema to the newest alembic revision (idempotent; run at every server start); returns the
        revision before and after (None before: the database was empty)."""
        from tether.store.migrations import current_revision, upgrade_to_head

        async with self.engine.begin() as connection:
            before = await connection.run_sync(current_revision)
            await connection.run_sync(upgrade_to_head)
            after = await connection.run_sync(current_revision)
        return before, after

    async def revision(self) -> str | None:
        """The schema revision the database is at, without changing anything (None: never migrated)."""
        from tether.store.migrations import current_revision

        async with self.engine.connect() as connection:
            return await connection.run_sync(current_revision)

    async def dispose(self) -> None:
        await self.engine.dispose()

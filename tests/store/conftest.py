"""Store fixtures: every repository test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TETHER_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). Each test run
creates its own database `tether_test_<random>` and drops it afterwards, so parallel runs never collide. When the
server is unreachable the PostgreSQL cases are skipped with the reason, unless TETHER_REQUIRE_POSTGRES=1 (CI),
in which case they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tether.store import Base, Database, sqlite_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test run (dropped at the end)."""
    base = os.environ.get("TETHER_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    name = f"tether_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL unreachable at {make_url(base).render_as_string(hide_password=True)}: {exc!r}"
        if os.environ.get("TETHER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (TETHER_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "tether.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    database = Database(database_url)
    await database.migrate()
    async with database.transaction() as s:
        for table in reversed(Base.metadata.sorted_tables):
            await s.execute(text(f"DELETE FROM {table.name}"))
    try:
        yield database
    finally:
        await database.dispose()

"""Store fixtures: every repository test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TETHER_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). Each test run
creates its own database `tether_test_<random>` and drops it afterwards, so parallel runs never collide. When the
server is unreachable the PostgreSQL cases are skipped with the reason, unless TETHER_REQUIRE_POSTGRES=1 (CI),
in which case they fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.pgtemp import temporary_database

from tether.store import Base, Database, sqlite_url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test run (dropped at the end)."""
    with temporary_database("tether_test") as url:
        yield url


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

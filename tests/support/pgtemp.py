"""A throwaway PostgreSQL database for one test session or module: created, handed out as a URL, dropped.

PostgreSQL is at TETHER_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). Without it the tests
that need it are skipped with the reason shown; with TETHER_REQUIRE_POSTGRES=1 (CI) that skip becomes a failure, so
they never pass silently.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tether.server.bus import asyncpg_dsn

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def base_url() -> str:
    return os.environ.get("TETHER_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def temporary_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named `{prefix}_{random}`, dropped (connections and all) afterwards."""
    base = base_url()
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL unreachable at {make_url(base).render_as_string(hide_password=True)}: {exc!r}"
        if os.environ.get("TETHER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (TETHER_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

"""`tether db current|upgrade` and `tether server --migrate-only`, run as commands on SQLite and on PostgreSQL:
from an empty database to the newest revision, then nothing left to do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.pgtemp import temporary_database

from tether.store.migrations import head_revision


def tether(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    return subprocess.run([sys.executable, "-m", "tether", *args], capture_output=True, text=True, timeout=120,
                          check=False, env={**base, **(env or {})}, stdin=subprocess.DEVNULL)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """The database options of the commands: a data dir (SQLite) or --db (PostgreSQL)."""
    if request.param == "sqlite":
        yield ["--data-dir", str(tmp_path / "data")]
        return
    with temporary_database("tether_dbcmd") as url:
        yield ["--data-dir", str(tmp_path / "data"), "--db", url]


def test_migrate_only_then_current_then_upgrade(where: list[str]) -> None:
    head = head_revision()
    first = tether("server", *where, "--migrate-only")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"database migrated (empty database) -> {head}"
    again = tether("server", *where, "--migrate-only")
    assert again.stdout.strip() == f"database already at {head}"
    current = tether("db", "current", *where, "--json")
    assert json.loads(current.stdout) == {"Current": head, "Head": head, "UpToDate": True}
    upgrade = tether("db", "upgrade", *where, "--json")
    assert json.loads(upgrade.stdout) == {"From": head, "To": head}


def test_db_upgrade_from_an_older_revision(tmp_path: Path) -> None:
    """A database at an older revision (as an older tether left it) is brought to head, and says from where."""
    from alembic import command
    from sqlalchemy import create_engine

    from tether.store.migrations import alembic_config

    data = ["--data-dir", str(tmp_path / "data")]
    missing = tether("db", "upgrade", *data)
    assert missing.returncode == 1 and not (tmp_path / "data").exists()  # no database: an error, nothing created
    assert tether("server", *data, "--migrate-only").returncode == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'tether.db'}")
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0012_session_quota_index")
    engine.dispose()
    current = tether("db", "current", *data)
    assert "current: 0012_session_quota_index" in current.stdout and "pending" in current.stderr
    upgrade = tether("db", "upgrade", *data)
    assert upgrade.stdout.strip() == f"migrated 0012_session_quota_index -> {head_revision()}"


def test_db_current_without_a_database_says_what_to_give(tmp_path: Path) -> None:
    out = tether("db", "current", "--data-dir", str(tmp_path / "none"))
    assert out.returncode == 1 and "give the server's --data-dir" in out.stderr


@pytest.mark.postgres
def test_backup_with_postgresql_keeps_the_files_and_says_to_use_pg_dump(tmp_path: Path) -> None:
    with temporary_database("tether_dbcmd") as url:
        data = tmp_path / "data"
        assert tether("server", "--data-dir", str(data), "--db", url, "--migrate-only").returncode == 0
        data.mkdir()  # a PostgreSQL server keeps only its files here
        (data / "secret.key").write_bytes(b"k" * 32)
        out = tether("db", "backup", "--data-dir", str(data), "--db", url, "--out", str(tmp_path / "b.tar.gz"))
        assert out.returncode == 0, out.stderr
        assert "pg_dump" in out.stderr
        restored = tether("db", "restore", str(tmp_path / "b.tar.gz"), "--data-dir", str(tmp_path / "r"), "--json")
        assert json.loads(restored.stdout)["database"] == "postgresql"
        assert (tmp_path / "r" / "secret.key").read_bytes() == b"k" * 32

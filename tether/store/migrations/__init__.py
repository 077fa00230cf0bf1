"""Alembic migrations, shipped inside the package and applied programmatically at server start.

The server hands alembic an already-open connection (see `env.py`), so no alembic.ini or URL is needed at run
time; `alembic.ini` here exists only for developers creating new revisions.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config pointing at this directory, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(connection: Connection) -> None:
    """Apply every pending revision on `connection` (synchronous; call through `run_sync`)."""
    command.upgrade(alembic_config(connection), "head")


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: an empty database, never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this version of tether ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revision"
    return head

"""Alembic environment: runs migrations on the connection the server passes in `config.attributes`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from tether.store.models import Base
from tether.store.search import SEARCH_TABLES

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


def _modelled(name: str | None, kind: str, _parent: object) -> bool:
    """Autogenerate must not propose dropping the search index (0006), which the models cannot describe."""
    return kind != "table" or name not in SEARCH_TABLES


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url (a synchronous driver URL) to run alembic from the command line")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as sync_connection:
        _run(sync_connection)


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

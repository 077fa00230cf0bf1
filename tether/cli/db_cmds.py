"""`tether db ...`: the server's database and data directory for upgrades and backups (docs/operations.md).

- `current` says which schema revision the database is at and which this version of tether brings;
- `upgrade` applies the pending migrations and exits (the server does the same at every start; run it on its own to
  upgrade while no server runs, and once for all the nodes of a scale-out database);
- `backup` writes the data directory with a consistent copy of the SQLite database into one .tar.gz;
- `restore` unpacks such an archive into an empty data directory.

These commands work on the files and the database directly, not through the API: they are for the machine that
runs the server, with the server's --data-dir and --db.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tether import __version__
from tether.cli import runtime

__all__ = ["db", "migrate"]

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("./tether-data"),
    show_default=True,
    help="The server's data directory (its --data-dir).",
)
db_option = click.option(
    "--db",
    "db_url",
    envvar="TETHER_DB_URL",
    default=None,
    help="The server's database URL, as given to `tether server --db` (default: SQLite in --data-dir), "
    "or $TETHER_DB_URL.",
)
json_flag = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _url(data_dir: Path, db_url: str | None) -> str:
    from tether.store import normalize_url
    from tether.store.db import sqlite_url

    if db_url is None:
        if not (data_dir / "tether.db").exists():
            raise click.ClickException(
                f"{data_dir / 'tether.db'} does not exist: give the server's --data-dir (or --db for PostgreSQL)"
            )
        return sqlite_url(data_dir / "tether.db")
    try:
        return normalize_url(db_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--db") from None


async def _revisions(url: str, upgrade: bool) -> tuple[str | None, str | None]:
    from tether.store.db import Database

    db = Database(url)
    try:
        if upgrade:
            return await db.migrate()
        current = await db.revision()
        return current, current
    finally:
        await db.dispose()


def migrate(url: str) -> tuple[str | None, str | None]:
    """Apply the pending migrations; the revisions before and after. Database errors become one CLI error."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return runtime.run(_revisions(url, upgrade=True))
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(f"cannot migrate the database: {exc}") from None


@click.group("db")
def db() -> None:
    """Upgrade, back up and restore the server's database and data directory."""


@db.command("current")
@data_dir_option
@db_option
@json_flag
def current_cmd(data_dir: Path, db_url: str | None, as_json: bool) -> None:
    """Show the database's schema revision and the one this version of tether brings."""
    from sqlalchemy.exc import SQLAlchemyError

    from tether.store.migrations import head_revision

    try:
        current, _ = runtime.run(_revisions(_url(data_dir, db_url), upgrade=False))
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(f"cannot read the database: {exc}") from None
    head = head_revision()
    if as_json:
        click.echo(json.dumps({"Current": current, "Head": head, "UpToDate": current == head}))
        return
    click.echo(f"current: {current or '(empty database)'}")
    click.echo(f"head:    {head} (tether {__version__})")
    if current != head:
        click.echo("Migrations are pending: stop the server, back up, then run `tether db upgrade`.", err=True)


@db.command("upgrade")
@data_dir_option
@db_option
@json_flag
def upgrade_cmd(data_dir: Path, db_url: str | None, as_json: bool) -> None:
    """Apply the pending schema migrations and exit (once per database, even with several nodes)."""
    before, after = migrate(_url(data_dir, db_url))
    if as_json:
        click.echo(json.dumps({"From": before, "To": after}))
    elif before == after:
        click.echo(f"already at {after}")
    else:
        click.echo(f"migrated {before or '(empty database)'} -> {after}")


@db.command("backup")
@data_dir_option
@db_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .tar.gz to write.")
@json_flag
def backup_cmd(data_dir: Path, db_url: str | None, out: Path, as_json: bool) -> None:
    """Back up the data directory (database, secret.key, tls/, node-id, recordings) into one .tar.gz.

    The SQLite database is copied consistently while the server runs. A PostgreSQL database is not in the archive:
    back it up with pg_dump.
    """
    from tether.store.backup import BackupError, backup

    database = "sqlite"
    if db_url is not None:
        database = "sqlite" if _url(data_dir, db_url).startswith("sqlite") else "postgresql"
        if database == "sqlite":
            raise click.UsageError("--db with SQLite: only the default DATA_DIR/tether.db is backed up; omit --db")
    try:
        info = backup(data_dir, out, database=database, version=__version__)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"Out": str(out), **info.as_dict()}))
        return
    click.echo(f"wrote {out} ({info.files} files, schema {info.schema_revision or '-'})")
    if database != "sqlite":
        click.echo("The PostgreSQL database is not in the archive: back it up with pg_dump.", err=True)
    click.echo(f"{out} holds secret.key and the CA key: keep it as secret as the server itself.", err=True)


@db.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_dir_option
@click.option("--force", is_flag=True, help="Restore into a data directory that is not empty, overwriting files.")
@json_flag
def restore_cmd(archive: Path, data_dir: Path, force: bool, as_json: bool) -> None:
    """Restore a `tether db backup` archive into an empty data directory; start the server on it afterwards."""
    from tether.store.backup import BackupError, restore

    try:
        info = restore(archive, data_dir, force=force)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"DataDir": str(data_dir), **info.as_dict()}))
        return
    click.echo(f"restored {info.files} files into {data_dir} (backup of tether {info.version}, {info.created})")
    if info.database != "sqlite":
        click.echo("The backup has no database: restore the PostgreSQL database with pg_restore or psql.", err=True)
    click.echo(
        "Give the files to the server's user (e.g. chown -R tether:tether DATA_DIR), then start the server; "
        "it applies any pending migrations itself.",
        err=True,
    )

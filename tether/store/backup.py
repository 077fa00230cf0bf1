"""Backing up a server's data directory into one .tar.gz, and restoring it.

What a server cannot be rebuilt without is all in its data directory: the database (SQLite by default), secret.key
(it decrypts the secrets the database keeps: without it a restored database is useless), tls/ (the CA the agents
trust: a new one would make every agent refuse the server), node-id, recordings, and admin-credentials.json. The
archive holds all of it, so a restore gives back the same server, and agents reconnect without registering again.

The SQLite database is copied with SQLite's online backup API, not as a file: a copy of tether.db taken while the
server writes (its WAL not yet checkpointed) can be torn, while the backup API's copy is one consistent snapshot,
taken while the server keeps running. The -wal and -shm files are left out for that reason. A PostgreSQL database
is not in the archive (use pg_dump, which is made for that); the files still are.

The archive is written with mode 0600 (it holds secret.key and the CA key); restoring refuses a data directory
that is not empty unless forced, and accepts only regular files and directories below the data directory.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

__all__ = ["MANIFEST", "BackupError", "BackupInfo", "backup", "restore"]

MANIFEST = "tether-backup.json"
DB_FILE = "tether.db"
FORMAT = 1
_SKIPPED = frozenset({DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", f"{DB_FILE}-journal"})
MAX_MANIFEST_BYTES = 64 * 1024


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """What an archive holds (its manifest) and how many files it carried."""

    version: str
    created: str
    database: str  # "sqlite" (in the archive) or "postgresql" (not in it)
    schema_revision: str | None
    files: int

    def as_dict(self) -> dict[str, object]:
        return {"format": FORMAT, "version": self.version, "created": self.created, "database": self.database,
                "schema_revision": self.schema_revision, "files": self.files}


def _data_files(data_dir: Path) -> Iterator[Path]:
    """Every regular file under the data directory except the live database files (sorted, for a stable archive)."""
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if relative.as_posix() in _SKIPPED or path.is_symlink() or not path.is_file():
            continue
        yield path


def _copy_sqlite(source: Path, target: Path) -> str | None:
    """A consistent copy of the live database (SQLite's backup API); returns its schema revision."""
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the database {source}: {exc}") from None
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            try:
                row = dst.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.Error:
                row = None
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database {source}: {exc}") from None
    finally:
        src.close()
    return str(row[0]) if row else None


def backup(data_dir: Path, out: Path, *, database: str = "sqlite", version: str = "") -> BackupInfo:
    """Write the data directory (and, for SQLite, DATA_DIR/tether.db) into the tar.gz `out`."""
    if not data_dir.is_dir():
        raise BackupError(f"{data_dir} is not a directory: give the server's --data-dir")
    if not (data_dir / "secret.key").exists():
        raise BackupError(f"{data_dir} has no secret.key: is it a tether server's data directory?")
    with tempfile.TemporaryDirectory(prefix="tether-backup-") as scratch:
        revision = None
        db_copy = Path(scratch) / DB_FILE
        if database == "sqlite":
            if not (data_dir / DB_FILE).exists():
                raise BackupError(f"{data_dir / DB_FILE} does not exist (a PostgreSQL server: give --db)")
            revision = _copy_sqlite(data_dir / DB_FILE, db_copy)
        files = list(_data_files(data_dir))
        info = BackupInfo(version, datetime.now(UTC).isoformat(timespec="seconds"), database, revision,
                          len(files) + (1 if database == "sqlite" else 0))
        manifest = json.dumps(info.as_dict(), indent=2).encode()
        partial = out.with_name(out.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                entry = tarfile.TarInfo(MANIFEST)
                entry.size, entry.mode, entry.mtime = len(manifest), 0o600, int(datetime.now(UTC).timestamp())
                archive.addfile(entry, io.BytesIO(manifest))
                if database == "sqlite":
                    archive.add(db_copy, arcname=DB_FILE, recursive=False)
                for path in files:
                    archive.add(path, arcname=path.relative_to(data_dir).as_posix(), recursive=False)
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return info


def _read_manifest(archive: tarfile.TarFile, name: Path) -> BackupInfo:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{name} is not a tether backup (it has no {MANIFEST})") from None
    stream = archive.extractfile(member) if member.isfile() and member.size <= MAX_MANIFEST_BYTES else None
    if stream is None:
        raise BackupError(f"{name}: {MANIFEST} is not a small regular file")
    try:
        document = json.loads(stream.read())
        if document.get("format") != FORMAT:
            raise BackupError(f"{name} has backup format {document.get('format')!r}; this tether reads {FORMAT}")
        return BackupInfo(str(document["version"]), str(document["created"]), str(document["database"]),
                          document.get("schema_revision"), int(document["files"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(f"{name}: {MANIFEST} is not a valid manifest") from None


def _safe_members(archive: tarfile.TarFile, name: Path) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"{name}: refusing the entry {member.name!r} (only files below the data directory)")
        members.append(member)
    return members


def restore(archive_path: Path, data_dir: Path, *, force: bool = False) -> BackupInfo:
    """Unpack a backup into `data_dir` (which must be empty or missing, unless `force`)."""
    if data_dir.exists() and not data_dir.is_dir():
        raise BackupError(f"{data_dir} exists and is not a directory")
    if data_dir.is_dir() and any(data_dir.iterdir()) and not force:
        raise BackupError(f"{data_dir} is not empty: restore into an empty directory, or give --force to overwrite")
    try:
        archive = tarfile.open(archive_path, mode="r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {archive_path}: {exc}") from None
    with archive:
        info = _read_manifest(archive, archive_path)
        members = _safe_members(archive, archive_path)
        data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        for stale in _SKIPPED:  # a WAL of another database must never be replayed into the restored one
            (data_dir / stale).unlink(missing_ok=True)
        for member in members:
            target = data_dir / member.name
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is None:
                raise BackupError(f"{archive_path}: cannot read {member.name}")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out)
            os.chmod(target, member.mode & 0o700 or 0o600)
    return info

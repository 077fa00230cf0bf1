"""tether.store.backup on real files and a real SQLite database: the copy is consistent while a writer keeps
writing, the archive holds the data directory, and restore refuses what it must refuse."""

from __future__ import annotations

import io
import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest

from tether.store.backup import MANIFEST, BackupError, backup, restore


def _data_dir(root: Path) -> Path:
    data = root / "data"
    (data / "tls").mkdir(parents=True)
    (data / "recordings" / "2026").mkdir(parents=True)
    (data / "secret.key").write_bytes(b"k" * 32)
    (data / "tls" / "ca.pem").write_text("CA")
    (data / "node-id").write_text("node-a\n")
    (data / "recordings" / "2026" / "s-1.cast").write_text('{"version": 2}\n')
    db = sqlite3.connect(data / "tether.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE alembic_version (version_num TEXT)")
    db.execute("INSERT INTO alembic_version VALUES ('0013_x')")
    db.execute("CREATE TABLE t (n INTEGER)")
    db.commit()
    db.close()
    return data


def test_backup_and_restore_round_trip_while_the_database_is_written(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    stop = threading.Event()
    written = []

    def writer() -> None:
        conn = sqlite3.connect(data / "tether.db", timeout=10)
        n = 0
        while not stop.is_set() and n < 20_000:
            conn.execute("INSERT INTO t VALUES (?)", (n,))
            conn.commit()  # every row its own transaction: the WAL grows while the backup runs
            n += 1
            written.append(n)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 200:
            stop.wait(0.01)
        info = backup(data, tmp_path / "b.tar.gz", version="9.9")
    finally:
        stop.set()
        thread.join()
    assert (info.database, info.schema_revision, info.version, info.files) == ("sqlite", "0013_x", "9.9", 5)
    assert (tmp_path / "b.tar.gz").stat().st_mode & 0o777 == 0o600
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        names = set(archive.getnames())
    assert names == {MANIFEST, "tether.db", "secret.key", "tls/ca.pem", "node-id", "recordings/2026/s-1.cast"}

    target = tmp_path / "restored"
    assert restore(tmp_path / "b.tar.gz", target).files == 5
    assert (target / "secret.key").read_bytes() == b"k" * 32
    assert (target / "recordings" / "2026" / "s-1.cast").exists()
    assert target.stat().st_mode & 0o777 == 0o700
    conn = sqlite3.connect(target / "tether.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = conn.execute("SELECT count(*), max(n) FROM t").fetchone()
    conn.close()
    assert rows[0] >= 200 and rows[0] == rows[1] + 1  # a prefix of the writes: a snapshot, not a torn file


def test_restore_refuses_a_non_empty_directory_unless_forced_and_drops_a_stale_wal(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    backup(data, tmp_path / "b.tar.gz")
    with pytest.raises(BackupError, match="is not empty"):
        restore(tmp_path / "b.tar.gz", data)
    (data / "tether.db-wal").write_bytes(b"stale")
    restore(tmp_path / "b.tar.gz", data, force=True)
    assert not (data / "tether.db-wal").exists()


def test_postgresql_backs_up_the_files_only(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    info = backup(data, tmp_path / "b.tar.gz", database="postgresql")
    assert info.database == "postgresql" and info.schema_revision is None
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        assert "tether.db" not in archive.getnames()


def _archive(path: Path, entries: dict[str, bytes], manifest: bytes | None) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in ([(MANIFEST, manifest)] if manifest is not None else []) + list(entries.items()):
            item = tarfile.TarInfo(name)
            item.size = len(data)
            archive.addfile(item, io.BytesIO(data))


MANIFEST_OK = b'{"format": 1, "version": "1", "created": "x", "database": "sqlite", "files": 1}'


@pytest.mark.parametrize(
    ("entries", "manifest", "message"),
    [
        ({"secret.key": b"k"}, None, "is not a tether backup"),
        ({"secret.key": b"k"}, b"{not json", "not a valid manifest"),
        ({"secret.key": b"k"}, b'{"format": 7}', "backup format 7"),
        ({"../escape": b"x"}, MANIFEST_OK, "refusing the entry"),
        ({"/etc/passwd": b"x"}, MANIFEST_OK, "refusing the entry"),
    ],
)
def test_restore_refuses_what_is_not_a_clean_backup(
    tmp_path: Path, entries: dict[str, bytes], manifest: bytes | None, message: str
) -> None:
    _archive(tmp_path / "bad.tar.gz", entries, manifest)
    with pytest.raises(BackupError, match=message):
        restore(tmp_path / "bad.tar.gz", tmp_path / "target")
    assert not (tmp_path / "escape").exists()


def test_backup_refuses_what_is_not_a_data_directory(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=r"no secret\.key"):
        backup(tmp_path, tmp_path / "b.tar.gz")
    assert not (tmp_path / "b.tar.gz").exists()

"""The Recorder without a server: flushing, the size cap, disk failures, and sealing files a crash left."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import resource
import signal
import time
from pathlib import Path

import pytest
from support.wait import eventually

from tether.recording import recorder as rec
from tether.recording.asciicast import iter_events, output_bytes, read_header


def _recorder(path: Path, **kwargs) -> rec.Recorder:
    options = {"title": "mi-1 as u", "command": None, "record_input": False, "max_bytes": 1 << 20}
    options.update(kwargs)
    return rec.Recorder(session_id="s-1", path=path, **options)


async def test_flushes_within_the_interval_and_seals_with_the_hash(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rec, "FLUSH_INTERVAL", 0.05)
    path = tmp_path / "a" / "s-1.cast"
    r = _recorder(path)
    created = time.monotonic()
    r.resize(100, 30)
    r.output(b"hello")
    # on disk while the session runs
    await eventually(lambda: path.exists() and output_bytes(path) == b"hello", what="the output to be flushed")
    r.resize(90, 20)
    open_for = time.monotonic() - created
    duration = await r.close(7)
    data = path.read_bytes()
    assert (r.size, r.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert read_header(path)["width"] == 100 and duration >= open_for
    assert [e[1:] for e in iter_events(path)] == [("o", "hello"), ("r", "90x20"), ("m", "exit 7")]


async def test_size_cap_stops_with_a_marker(tmp_path: Path) -> None:
    path = tmp_path / "s-1.cast"
    r = _recorder(path, max_bytes=600)
    for _ in range(50):
        r.output(b"x" * 20)
    await r.close(0)
    events = list(iter_events(path))
    assert r.truncated and events[-1][1:] == ("m", rec.SIZE_LIMIT_MARKER)
    assert path.stat().st_size < 700


async def test_disk_failure_stops_recording_and_reports_once(tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    failures: list[str] = []

    async def failed(reason: str, since: float) -> None:
        failures.append(reason)

    r = _recorder(blocker / "s-1.cast", on_failure=failed)  # parent is a file: mkdir fails with an OSError
    caplog.set_level(logging.ERROR)
    r.output(b"a")
    await r.close(None)
    r.output(b"b")
    assert r.failure is not None and len(failures) == 1 and failures[0] == r.failure
    assert len([m for m in caplog.messages if "recording stopped" in m]) == 1


async def test_input_is_recorded_only_when_enabled(tmp_path: Path) -> None:
    off, on = _recorder(tmp_path / "off.cast"), _recorder(tmp_path / "on.cast", record_input=True)
    for r in (off, on):
        r.input(b"secret\r")
        r.output(b"$ ")
        await r.close(None)
    assert [e[1] for e in iter_events(tmp_path / "off.cast")] == ["o"]
    assert [e[1:] for e in iter_events(tmp_path / "on.cast")] == [("i", "secret\r"), ("o", "$ ")]


def test_seal_file_cuts_a_partial_last_line(tmp_path: Path) -> None:
    path = tmp_path / "c.cast"
    whole = b'{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "a"]\n[1.25, "o", "b"]\n'
    path.write_bytes(whole + b'[2.0, "o", "tru')
    sealed = rec.seal_file(path)
    assert path.read_bytes() == whole
    assert sealed == rec.SealedFile(len(whole), hashlib.sha256(whole).hexdigest(), 1.25)


def test_seal_file_of_a_crashed_recording_marks_where_it_was_cut(tmp_path: Path) -> None:
    path = tmp_path / "c.cast"
    whole = b'{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "a"]\n[1.25, "o", "b"]\n'
    path.write_bytes(whole + b'[2.0, "o", "tru')
    sealed = rec.seal_file(path, crashed=True)
    content = path.read_bytes()
    assert content.startswith(whole) and sealed.cut_at == len(whole) and sealed.duration == 1.25
    marker = json.loads(content[len(whole):])
    assert marker == [1.25, "m", rec.crash_marker(1.25, len(whole))]
    assert marker[2].startswith("recording truncated") and "1.250s" in marker[2] and f"offset {len(whole)}" in marker[2]
    assert sealed.size == len(content) and sealed.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("content", [b"", b'{"version": 2'])
def test_seal_file_of_nothing_whole(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.cast"
    path.write_bytes(content)
    assert rec.seal_file(path) == rec.SealedFile(0, hashlib.sha256(b"").hexdigest(), 0.0)


async def test_required_recording_holds_the_first_event_until_it_is_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "s-1.cast"
    r = _recorder(path, required=True)
    await r.open()
    assert path.exists() and path.stat().st_size == 0  # created before the session starts
    r.output(b"prompt$ ")
    assert r.congested  # the relay waits here before forwarding the first output
    await asyncio.wait_for(r.drained(), 5)
    assert output_bytes(path) == b"prompt$ "
    r.output(b"more")
    assert not r.congested  # only the first write is waited for
    await r.close(None)


async def test_required_recording_that_cannot_create_its_file_fails_at_open(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    failures: list[tuple[str, float]] = []

    async def failed(reason: str, since: float) -> None:
        failures.append((reason, since))

    r = _recorder(blocker / "day" / "s-1.cast", required=True, on_failure=failed)
    await r.open()
    assert not r.active and r.failure and "cannot create the file" in r.failure and "ENOTDIR" in r.failure
    assert failures == [(r.failure, 0.0)]
    await r.close(None)


async def test_file_size_limit_fails_the_write_and_says_from_when(tmp_path: Path, monkeypatch) -> None:
    """A real EFBIG: RLIMIT_FSIZE for this process for the moment of the write (SIGXFSZ ignored meanwhile)."""
    monkeypatch.setattr(rec, "FLUSH_INTERVAL", 0.05)
    path = tmp_path / "s-1.cast"
    failures: list[tuple[str, float]] = []

    async def failed(reason: str, since: float) -> None:
        failures.append((reason, since))

    r = _recorder(path, on_failure=failed, max_bytes=1 << 30)
    created = time.monotonic()
    r.output(b"early ")
    # written: the failure must name a later offset
    await eventually(lambda: path.exists() and output_bytes(path) == b"early ", what="the first output to be flushed")
    second = time.monotonic() - created
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, hard))
    try:
        r.output(b"x" * 300_000)
        await asyncio.wait_for(r.drained(), 5)
        await eventually(lambda: failures, what="the write failure to be reported", timeout=2, interval=0.02)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert len(failures) == 1 and "EFBIG" in failures[0][0], failures
    assert failures[0][1] >= second  # output from the second event on is what may be missing
    r.output(b"after")  # ignored: recording stopped
    await r.close(None)
    assert r.failure and not r.active
    assert path.stat().st_size <= 256 * 1024

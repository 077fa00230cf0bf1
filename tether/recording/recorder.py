"""Recording shell sessions as they run: one `Recorder` per paired shell session, `Recordings` for the rows.

The relay's hot path only calls the synchronous `Recorder.output/input/resize`, which encode one event and append
it to an in-memory buffer. A per-recorder task writes the buffer out at least every FLUSH_INTERVAL (sooner once
it holds FLUSH_SIZE), in a worker thread (`asyncio.to_thread`): a slow or stalled disk (NFS, a full journal) then
delays only the recording, never the event loop that carries every other session. The buffer is bounded: above
HIGH_WATER the relay waits for the flush before reading the sender's next frame, which is the same TCP
back-pressure the relay uses for slow peers. A crash of the relay loses at most the last flush interval.

Every file is written by exactly one thread at a time (the flush task awaits each write), so `_CastFile` needs no
lock. Sealing stores size, duration and SHA-256; the hash is computed as the bytes are written, so sealing a
normal session never reads the file back. Files left open by a crash are sealed at the next start from the file
as it is, after cutting a partial last line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from tether.recording.asciicast import DEFAULT_COLS, DEFAULT_ROWS, CastEncoder, header_line
from tether.store.recordings import RecordingRepo
from tether.store.settings import SettingsRepo

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0  # seconds: the most a relay crash may lose
FLUSH_SIZE = 256 * 1024  # flush early once this much is buffered
HIGH_WATER = 4 * 1024 * 1024  # above this the relay pauses the sending side until the flush is done
DEFAULT_MAX_BYTES = 1 << 30
RECORD_INPUT_KEY = "record_input"  # settings row; "true" records keystrokes too (SessionManagerConfig.RecordInput)
SIZE_LIMIT_MARKER = "recording size limit reached"
DEFAULT_SHELL = "/bin/sh"  # the agent starts the user's login shell, which the server does not know
MISSING_FILE = "the recording file is missing"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _CastFile:
    """The blocking side of one recording: used only from worker threads, one call at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, data: bytes) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._file = self.path.open("xb")
        self._file.write(data)
        self._file.flush()  # into the OS: a crash of the process then loses nothing already flushed
        self._hash.update(data)
        self.size += len(data)

    def close(self) -> None:
        """fsync then close: a sealed recording's hash must describe what is on the disk."""
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            os.fsync(file.fileno())
        finally:
            file.close()


def _line_end_before(f: BinaryIO, end: int) -> int:
    """Offset just after the last newline in f[:end] (0 if there is none), reading backwards in blocks."""
    pos = end
    while pos > 0:
        start = max(0, pos - 65536)
        f.seek(start)
        block = f.read(pos - start)
        i = block.rfind(b"\n")
        if i >= 0:
            return start + i + 1
        pos = start
    return 0


@dataclass(frozen=True)
class SealedFile:
    size: int
    sha256: str
    duration: float  # time of the last event


def seal_file(path: Path) -> SealedFile:
    """Make a file left by a crash whole (cut a partial last line), then measure and hash it. Blocking."""
    with path.open("r+b") as f:
        end = f.seek(0, os.SEEK_END)
        keep = _line_end_before(f, end)
        if keep != end:
            f.truncate(keep)
        duration = 0.0
        if keep:
            start = _line_end_before(f, keep - 1)
            f.seek(start)
            try:
                last = json.loads(f.read(keep - start))
            except ValueError:
                last = None
            if isinstance(last, list) and last and isinstance(last[0], int | float):
                duration = float(last[0])
        digest = hashlib.sha256()
        f.seek(0)
        while chunk := f.read(1 << 20):
            digest.update(chunk)
        os.fsync(f.fileno())
    return SealedFile(keep, digest.hexdigest(), duration)


class Recorder:
    """One shell session's recording. The event methods are synchronous and cheap; see the module docstring."""

    def __init__(
        self,
        *,
        session_id: str,
        path: Path,
        title: str,
        command: str | None,
        record_input: bool,
        max_bytes: int,
        on_failure: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.session_id = session_id
        self.path = path
        self.record_input = record_input
        self.started_at = _utcnow()
        self.truncated = False
        self.failure: str | None = None
        self._title = title
        self._command = command
        self._max_bytes = max_bytes
        self._on_failure = on_failure
        self._start = time.monotonic()
        self._encoder = CastEncoder()
        self._file = _CastFile(path)
        self._buffer = bytearray()
        self._accepted = 0  # bytes taken into the recording (buffered or written)
        self._header = False
        self._active = True
        self._closing = False
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._flusher = asyncio.get_running_loop().create_task(self._run())

    # --- the relay's side: synchronous, no I/O --------------------------------------------------------------

    def _now(self) -> float:
        return time.monotonic() - self._start

    def _ensure_header(self, cols: int = DEFAULT_COLS, rows: int = DEFAULT_ROWS) -> None:
        if not self._header:
            self._header = True
            self._append(
                header_line(
                    width=cols,
                    height=rows,
                    timestamp=int(self.started_at.timestamp()),
                    title=self._title,
                    shell=DEFAULT_SHELL,
                    command=self._command,
                )
            )

    def _append(self, line: bytes) -> None:
        self._buffer += line
        self._accepted += len(line)
        if len(self._buffer) >= FLUSH_SIZE:
            self._wake.set()
            if len(self._buffer) >= HIGH_WATER:
                self._drained.clear()

    def _event(self, line: bytes) -> None:
        if self._accepted + len(line) > self._max_bytes:
            self._append(self._encoder.marker(self._now(), SIZE_LIMIT_MARKER))
            self._active = False
            self.truncated = True
            self._wake.set()
            log.warning("session %s: recording stopped at its size limit; the session goes on", self.session_id)
            return
        self._append(line)

    def output(self, data: bytes) -> None:
        """Bytes the shell printed (agent DATA on stream 0)."""
        if self._active:
            self._ensure_header()
            if line := self._encoder.output(self._now(), data):
                self._event(line)

    def input(self, data: bytes) -> None:
        """Keystrokes (client DATA); only called when RecordInput is on."""
        if self._active and self.record_input:
            self._ensure_header()
            if line := self._encoder.input(self._now(), data):
                self._event(line)

    def resize(self, cols: int, rows: int) -> None:
        """The client's terminal size: the header's size if nothing was recorded yet, else an "r" event."""
        if self._active:
            if not self._header:
                self._ensure_header(cols, rows)
            else:
                self._event(self._encoder.resize(self._now(), cols, rows))

    @property
    def congested(self) -> bool:
        return not self._drained.is_set()

    async def drained(self) -> None:
        await self._drained.wait()

    # --- the flush task ------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            except TimeoutError:
                pass
            self._wake.clear()
            await self._flush()
            if self._closing and not self._buffer:
                return

    async def _flush(self) -> None:
        if not self._buffer or self.failure is not None:
            self._buffer.clear()
            self._drained.set()
            return
        chunk = bytes(self._buffer)
        self._buffer.clear()
        try:
            await asyncio.to_thread(self._file.write, chunk)
        except OSError as exc:
            await self._fail(f"write failed: {exc.strerror or exc}")
        finally:
            self._drained.set()

    async def _fail(self, reason: str) -> None:
        self.failure = reason
        self._active = False
        self._buffer.clear()
        log.error("session %s: recording stopped (%s): %s; the session goes on", self.session_id, self.path, reason)
        if self._on_failure is not None:
            try:
                await self._on_failure(reason)
            except Exception:
                log.exception("could not record the failure of recording %s", self.session_id)

    async def close(self, exit_status: int | None) -> float:
        """Write what is pending (and the exit marker), stop the flush task, fsync; returns the duration."""
        duration = self._now()
        if self._active:
            self._ensure_header()
            if exit_status is not None:
                self._append(self._encoder.marker(duration, f"exit {exit_status}"))
            else:
                self._append(self._encoder.flush(duration))
            self._active = False
        self._closing = True
        self._wake.set()
        await self._flusher
        try:
            await asyncio.to_thread(self._file.close)
        except OSError as exc:
            if self.failure is None:
                await self._fail(f"close failed: {exc.strerror or exc}")
        return duration

    @property
    def size(self) -> int:
        return self._file.size

    @property
    def sha256(self) -> str:
        return self._file.sha256


class Recordings:
    """Creates recorders and their rows, seals them, and seals what a crash left open."""

    def __init__(self, repo: RecordingRepo, settings: SettingsRepo, data_dir: Path, max_bytes: int) -> None:
        self.repo = repo
        self._settings = settings
        self._data_dir = data_dir
        self._max_bytes = max_bytes
        # called with the session id after a recording is sealed (search indexing, delivery); each listener must
        # return quickly (queue its work) and is also expected to catch up at start on rows sealed while it was not
        # listening, since a crash can fall between sealing and notifying
        self.sealed_listeners: list[Callable[[str], Awaitable[None]]] = []

    async def _notify_sealed(self, session_id: str) -> None:
        for listener in self.sealed_listeners:
            try:
                await listener(session_id)
            except Exception:
                log.exception("recording %s: a sealed-recording listener failed", session_id)

    def file_path(self, relative: str) -> Path:
        return self._data_dir / relative

    async def record_input(self) -> bool:
        return (await self._settings.get(RECORD_INPUT_KEY)) == "true"

    async def begin(self, session_id: str, *, instance_id: str, login_user: str, command: str | None) -> Recorder:
        """Create the row and the recorder of a shell session that was just paired (the file comes with the
        first event)."""
        now = _utcnow()
        relative = f"recordings/{now:%Y}/{now:%m}/{now:%d}/{session_id}.cast"
        record_input = await self.record_input()
        await self.repo.create(session_id=session_id, path=relative, started_at=now, input_recorded=record_input)

        async def failed(reason: str) -> None:
            await self.repo.mark_failed(session_id, reason)

        return Recorder(
            session_id=session_id,
            path=self.file_path(relative),
            title=f"{instance_id} as {login_user}",
            command=command,
            record_input=record_input,
            max_bytes=self._max_bytes,
            on_failure=failed,
        )

    async def finish(self, recorder: Recorder, exit_status: int | None) -> None:
        """Close and seal. A recording that failed is sealed from its file as it is, like after a crash."""
        duration = await recorder.close(exit_status)
        size, digest, failure = recorder.size, recorder.sha256, recorder.failure
        if failure is not None:
            sealed, failure = await self._measure(recorder.path, failure)
            size, digest = sealed.size, sealed.sha256
        now = _utcnow()
        if await self.repo.seal(
            recorder.session_id,
            ended_at=now,
            duration=duration,
            size=size,
            sha256=digest,
            truncated=recorder.truncated,
            failure=failure,
            now=now,
        ):
            await self._notify_sealed(recorder.session_id)

    async def _measure(self, path: Path, failure: str | None) -> tuple[SealedFile, str | None]:
        try:
            return await asyncio.to_thread(seal_file, path), failure
        except FileNotFoundError:
            return SealedFile(0, hashlib.sha256().hexdigest(), 0.0), failure or MISSING_FILE
        except OSError as exc:
            return SealedFile(0, hashlib.sha256().hexdigest(), 0.0), failure or f"unreadable: {exc.strerror or exc}"

    async def seal_leftovers(self, node: str) -> int:
        """At start: seal every recording this node left unsealed (it crashed or was killed)."""
        rows = await self.repo.unsealed_on_node(node)
        now = _utcnow()
        for row in rows:
            sealed, failure = await self._measure(self.file_path(row.path), row.failure)
            if await self.repo.seal(
                row.session_id,
                ended_at=row.started_at + timedelta(seconds=sealed.duration),
                duration=sealed.duration,
                size=sealed.size,
                sha256=sealed.sha256,
                truncated=row.truncated,
                failure=failure,
                now=now,
            ):
                await self._notify_sealed(row.session_id)
        if rows:
            log.info("sealed %d recordings left open by a previous run", len(rows))
        return len(rows)

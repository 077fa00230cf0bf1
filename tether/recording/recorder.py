"""Recording shell sessions as they run: one `Recorder` per paired shell session, `Recordings` for the rows.

The relay's hot path only calls the synchronous `Recorder.output/input/resize`, which encode one event and append
it to an in-memory buffer. A per-recorder task writes the buffer out at least every FLUSH_INTERVAL (sooner once
it holds FLUSH_SIZE), in a worker thread (`asyncio.to_thread`): a slow or stalled disk (NFS, a full journal) then
delays only the recording, never the event loop that carries every other session. The buffer is bounded: above
HIGH_WATER the relay waits for the flush before reading the sender's next frame, which is the same TCP
back-pressure the relay uses for slow peers. A crash of the relay loses at most the last flush interval.

The hot path is also cheap per byte: an event is three pieces (head, escaped text, tail) appended to a list and
written with one writev per flush, so the escaped text, up to six times the frame for NUL bytes, is never copied
into a second buffer (tether/recording/asciicast.py `output_parts`).

What a failure means is the account's `RecordingPolicy` (SessionManagerConfig settings, read per session start).
With `required`, the file is created before the session starts, the first event is on disk before the relay
forwards it, the relay waits for each FLUSH_SIZE write (so at most about twice that has been forwarded and not yet
written when a write fails), and the relay ends the session as soon as a write fails or the size cap is reached.
Without it the recorder stops, says from which time offset output is missing, and the session goes on.

Every file is written by exactly one thread at a time (the flush task awaits each write), so `_CastFile` needs no
lock. Sealing stores size, duration and SHA-256; the hash is computed as the bytes are written, so sealing a
normal session never reads the file back. Files left open by a crash are sealed at the next start from the file
as it is, after cutting a partial last line and appending a "recording truncated" marker that says from which time
and byte offset output may be missing (the recording's `failure` says the same).
"""

from __future__ import annotations

import asyncio
import errno
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

from tether.recording.asciicast import DEFAULT_COLS, DEFAULT_ROWS, TRUNCATED_MARKER, CastEncoder, header_line
from tether.store.recordings import RecordingRepo
from tether.store.settings import SettingsRepo

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0  # seconds: the most a relay crash may lose
FLUSH_SIZE = 256 * 1024  # flush early once this much is buffered
HIGH_WATER = 4 * 1024 * 1024  # above this the relay pauses the sending side until the flush is done
DEFAULT_MAX_BYTES = 1 << 30
RECORD_INPUT_KEY = "record_input"  # settings row; "true" records keystrokes too (SessionManagerConfig.RecordInput)
RECORD_SESSIONS_KEY = "record_sessions"  # "false": nothing is recorded (SessionManagerConfig.RecordSessions)
RECORDING_REQUIRED_KEY = "recording_required"  # "true": no session runs unrecorded (RecordingRequired)
MAX_RECORDING_BYTES_KEY = "max_recording_bytes"  # per-session cap in bytes (MaxRecordingBytes)
POLICY_TTL = 2.0  # seconds a node keeps the policy settings before reading them again
SIZE_LIMIT_MARKER = "recording size limit reached"
DEFAULT_SHELL = "/bin/sh"  # for an agent that does not report its login shell (LOGIN_SHELL_HEADER); an old one
MISSING_FILE = "the recording file is missing"


_IOV_MAX = 1024  # buffers per writev(2): Linux's IOV_MAX


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RecordingPolicy:
    """The account's recording settings as one session starts with them."""

    record: bool = True  # RecordSessions
    required: bool = False  # RecordingRequired: end the session rather than let it run unrecorded
    max_bytes: int = DEFAULT_MAX_BYTES  # MaxRecordingBytes
    record_input: bool = False  # RecordInput


FailureCallback = Callable[[str, float], Awaitable[None]]  # (reason, time offset from which output is missing)


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

    def open(self) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # unbuffered: each write is one write(2), so an error (ENOSPC, EFBIG) surfaces in the write that
            # caused it instead of in a later flush, and nothing is held in a second buffer
            self._file = self.path.open("xb", buffering=0)

    def write(self, chunks: list[bytes]) -> None:
        """Append the chunks in order with writev(2), IOV_MAX at a time, resuming after partial writes."""
        if self._file is None:
            self.open()
        assert self._file is not None
        fd = self._file.fileno()
        pending: list[bytes | memoryview] = [chunk for chunk in chunks if chunk]
        while pending:
            batch = pending[:_IOV_MAX]
            written = os.writev(fd, batch)
            if not written:
                raise OSError(errno.EIO, "the recording file accepted no bytes")
            done = 0
            for chunk in batch:  # hash and drop what was written; keep the unwritten tail of a partial chunk
                if written >= len(chunk):
                    self._hash.update(chunk)
                    written -= len(chunk)
                    self.size += len(chunk)
                    done += 1
                else:
                    if written:
                        head = memoryview(chunk)[:written]
                        self._hash.update(head)
                        self.size += written
                        pending[done] = memoryview(chunk)[written:]
                    break
            del pending[:done]

    def close(self) -> None:
        """fsync then close: a sealed recording's hash must describe what is on the disk."""
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            os.fsync(file.fileno())
        finally:
            file.close()


def _describe(exc: OSError) -> str:
    """The words for people and the errno name for searching logs, e.g. "No space left on device (ENOSPC)"."""
    name = errno.errorcode.get(exc.errno or 0)
    text = exc.strerror or str(exc)
    return f"{text} ({name})" if name else text


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
    cut_at: int | None = None  # a crashed recording: the byte offset where what was written ends (the marker's)


def crash_marker(duration: float, offset: int) -> str:
    """The label of the marker that ends a recording its server never closed (killed, crashed, power loss)."""
    return (
        f"{TRUNCATED_MARKER}: the server stopped without closing this recording; output after {duration:.3f}s "
        f"(byte offset {offset}) may be missing"
    )


def seal_file(path: Path, *, crashed: bool = False) -> SealedFile:
    """Make a file left by a crash whole (cut a partial last line), then measure and hash it. Blocking.

    With `crashed` (the recovery at start of recordings a killed server left open), an "m" event saying that the
    recording is truncated, and from which time and byte offset, is appended at the time of the last event: the
    last flush interval (FLUSH_INTERVAL) of output may be lost, and a replay must not pass that off as complete."""
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
        cut_at = None
        if crashed and keep:  # keep == 0: not even a header was written; nothing to mark
            cut_at = keep
            f.seek(keep)
            f.write(CastEncoder().marker(duration, crash_marker(duration, keep)))
            keep = f.tell()
        digest = hashlib.sha256()
        f.seek(0)
        while chunk := f.read(1 << 20):
            digest.update(chunk)
        os.fsync(f.fileno())
    return SealedFile(keep, digest.hexdigest(), duration, cut_at)


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
        on_failure: FailureCallback | None = None,
        required: bool = False,
        shell: str = "",
    ) -> None:
        self.session_id = session_id
        self._shell = shell or DEFAULT_SHELL
        self.path = path
        self.record_input = record_input
        self.started_at = _utcnow()
        self.truncated = False
        self.failure: str | None = None
        self._title = title
        self._command = command
        self._max_bytes = max_bytes
        self._on_failure = on_failure
        self.required = required
        # with `required` the relay waits for the first write before forwarding anything: a disk that cannot take
        # even that ends the session before output reaches the client
        self._confirmed = not required
        # and it pauses the sender at every FLUSH_SIZE: a disk failure then finds at most about two of those
        # forwarded but not yet written (the chunk being written and the buffer), not HIGH_WATER's worth
        self._high_water = FLUSH_SIZE if required else HIGH_WATER
        self._pending_since: float | None = None  # time of the oldest event not yet on disk
        self._start = time.monotonic()
        self._encoder = CastEncoder()
        self._file = _CastFile(path)
        self._chunks: list[bytes] = []  # encoded events not yet written, in order (no copying into one buffer)
        self._buffered = 0
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
                    shell=self._shell,
                    command=self._command,
                )
            )

    def _append(self, *parts: bytes) -> None:
        if not self._chunks:
            self._pending_since = self._now()
        size = 0
        for part in parts:
            if part:
                self._chunks.append(part)
                size += len(part)
        self._accepted += size
        self._buffered += size
        if self._buffered >= FLUSH_SIZE or not self._confirmed:
            self._wake.set()
            if self._buffered >= self._high_water or not self._confirmed:
                self._drained.clear()

    def _event(self, *parts: bytes) -> None:
        if self._accepted + sum(map(len, parts)) > self._max_bytes:
            self._append(self._encoder.marker(self._now(), SIZE_LIMIT_MARKER))
            self._active = False
            self.truncated = True
            self._wake.set()
            log.warning(
                "session %s: recording stopped at its size limit (%d bytes)%s",
                self.session_id,
                self._max_bytes,
                "; the session is ended (recording is required)" if self.required else "; the session goes on",
            )
            return
        self._append(*parts)

    def output(self, data: bytes) -> None:
        """Bytes the shell printed (agent DATA on stream 0)."""
        if self._active:
            if not self._header:
                self._ensure_header()
            if parts := self._encoder.output_parts(self._now(), data):
                self._event(*parts)

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
    def active(self) -> bool:
        """False once recording stopped for good (failure or size cap) or the recorder closed."""
        return self._active

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

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
            if self._closing and not self._chunks:
                return

    async def _flush(self) -> None:
        if not self._chunks or self.failure is not None:
            self._chunks, self._buffered = [], 0
            self._drained.set()
            return
        chunks, self._chunks, self._buffered = self._chunks, [], 0
        since = self._pending_since or 0.0
        self._pending_since = None
        try:
            await asyncio.to_thread(self._file.write, chunks)
            self._confirmed = True
        except OSError as exc:
            await self._fail(f"write failed: {_describe(exc)}", since)
        finally:
            self._drained.set()

    async def open(self) -> None:
        """Create the file now (the header comes with the first event): for `required` recordings, so a directory
        that cannot take a file ends the session before it starts. A failure is reported like a write failure."""
        try:
            await asyncio.to_thread(self._file.open)
        except OSError as exc:
            await self._fail(f"cannot create the file: {_describe(exc)}", 0.0)

    async def _fail(self, reason: str, since: float) -> None:
        self.failure = reason
        self._active = False
        self._chunks, self._buffered = [], 0
        log.error(
            "session %s: recording stopped (%s): %s; output from %.3f s on is not recorded%s",
            self.session_id,
            self.path,
            reason,
            since,
            "; the session is ended (recording is required)" if self.required else "; the session goes on",
        )
        if self._on_failure is not None:
            try:
                await self._on_failure(reason, since)
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
                await self._fail(f"close failed: {_describe(exc)}", duration)
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
        self._policy: RecordingPolicy | None = None
        self._policy_read_at = 0.0

    async def _notify_sealed(self, session_id: str) -> None:
        for listener in self.sealed_listeners:
            try:
                await listener(session_id)
            except Exception:
                log.exception("recording %s: a sealed-recording listener failed", session_id)

    def file_path(self, relative: str) -> Path:
        return self._data_dir / relative

    @property
    def default_max_bytes(self) -> int:
        """The server configuration's `recording_max_bytes`: the cap while MaxRecordingBytes is not set."""
        return self._max_bytes

    async def record_input(self) -> bool:
        return (await self._settings.get(RECORD_INPUT_KEY)) == "true"

    async def policy(self) -> RecordingPolicy:
        """The recording settings, read from the settings table at most every POLICY_TTL seconds: every node reads
        the same rows, so a change reaches all of them within that time (this node at once, see `invalidate`)."""
        now = time.monotonic()
        if self._policy is None or now - self._policy_read_at > POLICY_TTL:
            record = await self._settings.get(RECORD_SESSIONS_KEY)
            required = await self._settings.get(RECORDING_REQUIRED_KEY)
            max_bytes = await self._settings.get(MAX_RECORDING_BYTES_KEY)
            self._policy = RecordingPolicy(
                record=record != "false",
                required=required == "true",
                max_bytes=int(max_bytes) if max_bytes and max_bytes.isdigit() else self._max_bytes,
                record_input=await self.record_input(),
            )
            self._policy_read_at = now
        return self._policy

    def invalidate(self) -> None:
        """Forget the cached policy (the settings were just changed on this node)."""
        self._policy = None

    async def begin(
        self,
        session_id: str,
        *,
        instance_id: str,
        login_user: str,
        command: str | None,
        policy: RecordingPolicy | None = None,
        login_shell: str | None = None,
        on_failure: FailureCallback | None = None,
    ) -> Recorder:
        """Create the row and the recorder of a shell session that was just paired. The file comes with the first
        event, or at once when recording is required (a failure to create it is then reported through
        `on_failure` before this returns, and `recorder.failure` says why)."""
        policy = policy or await self.policy()
        now = _utcnow()
        relative = f"recordings/{now:%Y}/{now:%m}/{now:%d}/{session_id}.cast"
        await self.repo.create(session_id=session_id, path=relative, started_at=now, input_recorded=policy.record_input)

        async def failed(reason: str, since: float) -> None:
            await self.repo.mark_failed(session_id, reason)
            if on_failure is not None:
                await on_failure(reason, since)

        recorder = Recorder(
            session_id=session_id,
            path=self.file_path(relative),
            title=f"{instance_id} as {login_user}",
            command=command,
            shell=login_shell or DEFAULT_SHELL,
            record_input=policy.record_input,
            max_bytes=policy.max_bytes,
            on_failure=failed,
            required=policy.required,
        )
        if policy.required:
            await recorder.open()
        return recorder

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

    async def _measure(self, path: Path, failure: str | None, crashed: bool = False) -> tuple[SealedFile, str | None]:
        try:
            sealed = await asyncio.to_thread(seal_file, path, crashed=crashed)
        except FileNotFoundError:
            return SealedFile(0, hashlib.sha256().hexdigest(), 0.0), failure or MISSING_FILE
        except OSError as exc:
            return SealedFile(0, hashlib.sha256().hexdigest(), 0.0), failure or f"unreadable: {exc.strerror or exc}"
        if sealed.cut_at is not None and failure is None:
            failure = crash_marker(sealed.duration, sealed.cut_at)
        return sealed, failure

    async def seal_leftovers(self, node: str) -> int:
        """At start: seal every recording this node left unsealed (it crashed or was killed)."""
        rows = await self.repo.unsealed_on_node(node)
        now = _utcnow()
        for row in rows:
            sealed, failure = await self._measure(self.file_path(row.path), row.failure, crashed=True)
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

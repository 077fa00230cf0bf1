"""What a port-forward session carried: one record per TCP stream (target, open and close times, bytes each way).

A forward session has no terminal to replay; what matters afterwards is which targets were reached, when, and how
much went each way. The relay already sees every frame, so it keeps that here: the hot path only updates counters
in a dict of live streams (at most the protocol's MAX_STREAMS at once). Finished streams wait in a short list that a
task per session inserts in one transaction about once a second, never one transaction per frame or per stream.

Bounded twice: a session keeps at most `max_rows` stream rows (a client opening and closing connections all day
would otherwise write without end); streams past that, and any that arrive while the database is too slow to keep
the pending list under MAX_PENDING, are folded into one summary row (stream id 0, see tether/store/streams.py)
that counts them and sums their bytes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tether.store.streams import SUMMARY_STREAM, ForwardStreamRepo, StreamRecord

log = logging.getLogger(__name__)

MAX_ROWS = 10_000  # stream rows per session; the rest are counted in the summary row
MAX_PENDING = 2_000  # finished streams waiting for the database; past it they are only counted
WRITE_INTERVAL = 1.0  # seconds between batch inserts
WRITE_BATCH = 500  # rows per insert


def _utcnow() -> datetime:
    return datetime.now(UTC)


def split_target(target: str) -> tuple[str, int | None]:
    """ "db:5432" -> ("db", 5432), "[::1]:22" -> ("::1", 22); anything else is kept whole with no port."""
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return target, None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


class _Live:
    __slots__ = ("from_target", "host", "opened_at", "port", "to_target")

    def __init__(self, host: str, port: int | None, opened_at: datetime) -> None:
        self.host = host
        self.port = port
        self.opened_at = opened_at
        self.to_target = 0
        self.from_target = 0


class StreamLog:
    """The stream records of one port-forward session; see the module docstring."""

    def __init__(
        self,
        session_id: str,
        repo: ForwardStreamRepo,
        *,
        max_rows: int | None = None,
        on_failure: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.session_id = session_id
        self.failure: str | None = None
        self._repo = repo
        self._max_rows = MAX_ROWS if max_rows is None else max_rows
        self._on_failure = on_failure
        self.live: dict[int, _Live] = {}
        self._pending: list[StreamRecord] = []
        self._rows = 0  # rows written or pending
        self._unlisted = 0
        self._unlisted_to = 0
        self._unlisted_from = 0
        self._unlisted_first: datetime | None = None
        self._unlisted_last: datetime | None = None
        self._closing = False
        self._wake = asyncio.Event()
        self._writer = asyncio.get_running_loop().create_task(self._run())

    # --- the relay's side: synchronous, no I/O ----------------------------------------------------------------

    def opened(self, stream: int, target: str) -> None:
        """The client's OPEN passed the relay (the target as the client named it)."""
        host, port = split_target(target)
        self.live[stream] = _Live(host, port, _utcnow())

    def to_target(self, stream: int, n: int) -> None:
        live = self.live.get(stream)
        if live is not None:
            live.to_target += n

    def from_target(self, stream: int, n: int) -> None:
        live = self.live.get(stream)
        if live is not None:
            live.from_target += n

    def closed(self, stream: int, reason: str) -> None:
        """CLOSE from either side, or the agent's OPEN_FAIL: the stream is gone."""
        live = self.live.pop(stream, None)
        if live is not None:
            self._finish(stream, live, reason, _utcnow())

    def _finish(self, stream: int, live: _Live, reason: str, now: datetime) -> None:
        record = StreamRecord(
            stream, live.host, live.port, live.opened_at, now, live.to_target, live.from_target, reason
        )
        if self._rows < self._max_rows and len(self._pending) < MAX_PENDING and self.failure is None:
            self._rows += 1
            self._pending.append(record)
            if len(self._pending) >= WRITE_BATCH:
                self._wake.set()
        else:
            self._fold(record)

    def open_streams(self) -> list[StreamRecord]:
        """The streams open now, as records without a close time (DescribePortForwardStreams on this node)."""
        return [
            StreamRecord(stream, live.host, live.port, live.opened_at, None, live.to_target, live.from_target, None)
            for stream, live in sorted(self.live.items())
        ]

    # --- the writer task --------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), WRITE_INTERVAL)
            except TimeoutError:
                pass
            self._wake.clear()
            await self._write()
            if self._closing and not self._pending:
                return

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:WRITE_BATCH], self._pending[WRITE_BATCH:]
            try:
                await self._repo.add_many(self.session_id, batch)
            except Exception as exc:
                # the rows of this batch are lost: count them so the summary still accounts for every stream
                for record in [*batch, *self._pending]:
                    self._fold(record)
                self._pending.clear()
                await self._fail(f"stream records could not be written: {exc}")
                return

    def _fold(self, record: StreamRecord) -> None:
        """Count a stream in the summary instead of giving it a row."""
        self._unlisted += 1
        self._unlisted_to += record.bytes_to_target
        self._unlisted_from += record.bytes_from_target
        if self._unlisted_first is None or record.opened_at < self._unlisted_first:
            self._unlisted_first = record.opened_at
        closed = record.closed_at or record.opened_at
        if self._unlisted_last is None or closed > self._unlisted_last:
            self._unlisted_last = closed

    async def _fail(self, reason: str) -> None:
        if self.failure is not None:
            return
        self.failure = reason
        log.error("session %s: %s", self.session_id, reason)
        if self._on_failure is not None:
            try:
                await self._on_failure(reason)
            except Exception:
                log.exception("could not report the failure of the stream records of %s", self.session_id)

    async def close(self, reason: str) -> None:
        """The session ended: streams still open end with it, everything pending is written, then the summary."""
        now = _utcnow()
        for stream, live in sorted(self.live.items()):
            self._finish(stream, live, reason, now)
        self.live.clear()
        self._closing = True
        self._wake.set()
        await self._writer
        if self._unlisted and self._unlisted_first is not None:
            summary = StreamRecord(
                SUMMARY_STREAM,
                "*",
                None,
                self._unlisted_first,
                self._unlisted_last,
                self._unlisted_to,
                self._unlisted_from,
                f"{self._unlisted} streams past the limit of {self._max_rows} rows per session, or not written",
                streams=self._unlisted,
            )
            try:
                await self._repo.add_many(self.session_id, [summary])
            except Exception as exc:
                await self._fail(f"the stream summary could not be written: {exc}")

"""Port-forward stream rows: inserted by the relay in batches, read page by page (DescribePortForwardStreams)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from tether.store.db import Database
from tether.store.models import ForwardStream

SUMMARY_STREAM = 0  # the stream id of a session's summary row (never a real stream: forward streams are odd)


@dataclass(frozen=True)
class StreamRecord:
    """A finished (or, at the session's end, cut off) stream as the relay saw it."""

    stream_id: int
    target_host: str
    target_port: int | None
    opened_at: datetime
    closed_at: datetime | None
    bytes_to_target: int
    bytes_from_target: int
    close_reason: str | None
    streams: int = 1

    def row(self, session_id: str) -> dict[str, Any]:
        return {
            "session_id": session_id,
            "stream_id": self.stream_id,
            "target_host": self.target_host[:1024],
            "target_port": self.target_port,
            "opened_at": self.opened_at,
            "closed_at": self.closed_at,
            "bytes_to_target": self.bytes_to_target,
            "bytes_from_target": self.bytes_from_target,
            "close_reason": None if self.close_reason is None else self.close_reason[:256],
            "streams": self.streams,
        }


@dataclass(frozen=True)
class StreamPage:
    streams: Sequence[ForwardStream]
    summary: ForwardStream | None  # streams past the per-session cap, first page only
    next_token: int | None  # the last stream id of this page when more follow


class ForwardStreamRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_many(self, session_id: str, records: Sequence[StreamRecord]) -> None:
        """One transaction for a whole batch: the relay calls this about once a second per busy session."""
        if not records:
            return
        async with self._db.transaction() as s:
            await s.execute(insert(ForwardStream), [r.row(session_id) for r in records])

    async def page(self, session_id: str, *, limit: int = 50, after: int | None = None) -> StreamPage:
        """Streams in id order (the order they were opened), `limit` at a time, starting after stream `after`."""
        query = (
            select(ForwardStream)
            .where(ForwardStream.session_id == session_id, ForwardStream.stream_id > (after or SUMMARY_STREAM))
            .order_by(ForwardStream.stream_id)
            .limit(limit + 1)
        )
        async with self._db.transaction() as s:
            rows = list((await s.scalars(query)).all())
            summary = None
            if after is None:
                summary = await s.get(ForwardStream, (session_id, SUMMARY_STREAM))
        more = len(rows) > limit
        rows = rows[:limit]
        return StreamPage(rows, summary, rows[-1].stream_id if more and rows else None)

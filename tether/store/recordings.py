"""Recording rows: created when a shell session is paired, sealed once when it ends (or at the next start)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, update

from tether.store.db import Database
from tether.store.models import Recording, Session


class RecordingRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, *, session_id: str, path: str, started_at: datetime, input_recorded: bool) -> Recording:
        row = Recording(
            session_id=session_id,
            path=path,
            started_at=started_at,
            sealed=False,
            input_recorded=input_recorded,
            truncated=False,
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, session_id: str) -> Recording | None:
        async with self._db.transaction() as s:
            return await s.get(Recording, session_id)

    async def for_sessions(self, session_ids: Iterable[str]) -> dict[str, Recording]:
        """The recordings of a page of sessions in one query (DescribeTerminalSessions)."""
        ids = list(session_ids)
        if not ids:
            return {}
        async with self._db.transaction() as s:
            rows = (await s.scalars(select(Recording).where(Recording.session_id.in_(ids)))).all()
        return {row.session_id: row for row in rows}

    async def mark_failed(self, session_id: str, failure: str) -> None:
        async with self._db.transaction() as s:
            await s.execute(update(Recording).where(Recording.session_id == session_id).values(failure=failure[:256]))

    async def seal(
        self,
        session_id: str,
        *,
        ended_at: datetime,
        duration: float,
        size: int,
        sha256: str,
        truncated: bool,
        failure: str | None,
        now: datetime,
    ) -> bool:
        """Seal once: a row already sealed keeps its values (False)."""
        values: dict[str, object] = {
            "ended_at": ended_at,
            "duration": duration,
            "size": size,
            "sha256": sha256,
            "truncated": truncated,
            "sealed": True,
            "sealed_at": now,
        }
        if failure is not None:
            values["failure"] = failure[:256]
        statement = (
            update(Recording).where(Recording.session_id == session_id, Recording.sealed.is_(False)).values(**values)
        )
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def unsealed_on_node(self, node: str) -> Sequence[Recording]:
        """Recordings a node left open (it stopped without ending their sessions); only this node has the files."""
        query = (
            select(Recording)
            .join(Session, Session.id == Recording.session_id)
            .where(Recording.sealed.is_(False), Session.node == node)
            .order_by(Recording.session_id)
        )
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

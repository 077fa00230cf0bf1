"""Browser console sessions: one row per signed-in browser, shared by every node through the database.

The row is keyed by the SHA-256 of the cookie token, so a stolen database holds nothing a browser could present.
Reads are by primary key; `last_seen_at` is written at most once per `touch_interval` so an active page does not
cost a write per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from tether.store.db import Database
from tether.store.models import ConsoleSession


class ConsoleSessionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        token_hash: str,
        principal: str,
        csrf_token_encrypted: str,
        credential_stamp: str,
        now: datetime,
        expires_at: datetime,
        source_ip: str,
        user_agent: str,
    ) -> ConsoleSession:
        row = ConsoleSession(
            id=token_hash,
            principal=principal,
            csrf_token_encrypted=csrf_token_encrypted,
            credential_stamp=credential_stamp,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            source_ip=source_ip[:64],
            user_agent=user_agent[:256],
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, token_hash: str) -> ConsoleSession | None:
        async with self._db.transaction() as s:
            return await s.get(ConsoleSession, token_hash)

    async def touch(self, token_hash: str, now: datetime, touch_interval: timedelta) -> bool:
        """Slide the idle timer, unless it was slid less than `touch_interval` ago (then nothing is written)."""
        async with self._db.transaction() as s:
            result = await s.execute(
                update(ConsoleSession)
                .where(ConsoleSession.id == token_hash, ConsoleSession.last_seen_at <= now - touch_interval)
                .values(last_seen_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, token_hash: str) -> bool:
        async with self._db.transaction() as s:
            result = await s.execute(delete(ConsoleSession).where(ConsoleSession.id == token_hash))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_for(self, principal: str) -> int:
        """Sign out every console session of `principal` (password changed, user or login profile deleted)."""
        async with self._db.transaction() as s:
            result = await s.execute(delete(ConsoleSession).where(ConsoleSession.principal == principal))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def list_for(self, principal: str | None = None, limit: int = 100) -> Sequence[ConsoleSession]:
        """Sessions (newest first) of one principal or of everyone, for the administrator's view."""
        query = select(ConsoleSession).order_by(ConsoleSession.created_at.desc()).limit(limit)
        if principal is not None:
            query = query.where(ConsoleSession.principal == principal)
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

    async def prune(self, now: datetime, idle_since: datetime) -> int:
        """Delete sessions past their absolute expiry or idle since before `idle_since`; returns how many."""
        async with self._db.transaction() as s:
            result = await s.execute(
                delete(ConsoleSession).where(
                    or_(ConsoleSession.expires_at <= now, ConsoleSession.last_seen_at <= idle_since)
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

"""Request nonces. Inserting is the replay check: the (key_id, nonce) unique constraint makes it atomic, also
between relay nodes sharing one PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from tether.store.db import Database
from tether.store.models import Nonce


class NonceRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def use(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        """Record the nonce; False if it was already recorded for this key (a replay)."""
        try:
            async with self._db.transaction() as s:
                s.add(Nonce(key_id=key_id, nonce=nonce, expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    async def prune(self, now: datetime) -> int:
        """Forget nonces whose replay window has passed; returns how many were removed."""
        async with self._db.transaction() as s:
            result = await s.execute(delete(Nonce).where(Nonce.expires_at <= now))
            return int(result.rowcount)  # type: ignore[attr-defined]

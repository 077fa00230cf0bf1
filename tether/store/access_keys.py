"""Access keys. The secret is stored encrypted by the caller (tether.auth.secretbox); this module never sees it
in clear."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from tether.store.db import Database
from tether.store.models import AccessKey

ACTIVE = "Active"
INACTIVE = "Inactive"


class AccessKeyRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, key_id: str, principal: str, secret_encrypted: str) -> AccessKey:
        row = AccessKey(
            id=key_id,
            principal=principal,
            secret_encrypted=secret_encrypted,
            status=ACTIVE,
            created_at=datetime.now(UTC),
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, key_id: str) -> AccessKey | None:
        async with self._db.transaction() as s:
            return await s.get(AccessKey, key_id)

    async def set_status(self, key_id: str, status: str) -> bool:
        if status not in (ACTIVE, INACTIVE):
            raise ValueError(f"status must be {ACTIVE} or {INACTIVE}")
        async with self._db.transaction() as s:
            result = await s.execute(update(AccessKey).where(AccessKey.id == key_id).values(status=status))
            return bool(result.rowcount)  # type: ignore[attr-defined]

"""Temporary credentials issued by AssumeRole. The secret is sealed by the caller (HMAC needs it back); the
security token is stored as a SHA-256 hash only (it carries 256 random bits, so no slow hash is needed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from tether.store.db import Database
from tether.store.models import StsCredential


class StsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        key_id: str,
        secret_encrypted: str,
        token_hash: str,
        role_name: str,
        role_id: str,
        session_name: str,
        session_policy: str | None,
        source_principal: str,
        now: datetime,
        expires_at: datetime,
        origin_principal: str,
        origin_id: str,
        chain_depth: int,
        parent_role_name: str | None = None,
        parent_role_id: str | None = None,
    ) -> StsCredential:
        row = StsCredential(
            id=key_id,
            secret_encrypted=secret_encrypted,
            token_hash=token_hash,
            role_name=role_name,
            role_id=role_id,
            session_name=session_name,
            session_policy=session_policy,
            source_principal=source_principal,
            origin_principal=origin_principal,
            origin_id=origin_id,
            chain_depth=chain_depth,
            parent_role_name=parent_role_name,
            parent_role_id=parent_role_id,
            created_at=now,
            expires_at=expires_at,
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, key_id: str) -> StsCredential | None:
        async with self._db.transaction() as s:
            return await s.get(StsCredential, key_id)

    async def prune(self, before: datetime) -> int:
        """Forget credentials that expired before `before`; returns how many."""
        async with self._db.transaction() as s:
            result = await s.execute(delete(StsCredential).where(StsCredential.expires_at < before))
            return int(result.rowcount)  # type: ignore[attr-defined]

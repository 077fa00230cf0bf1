"""Server-wide settings as key/value strings (account id, administrator access key id, ...)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tether.store.db import Database
from tether.store.models import Setting


class SettingsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        async with self._db.transaction() as s:
            return await s.scalar(select(Setting.value).where(Setting.key == key))

    async def set(self, key: str, value: str) -> None:
        async with self._db.transaction() as s:
            row = await s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value

    async def get_or_create(self, key: str, factory: Callable[[], str]) -> str:
        """Return the value of `key`, storing `factory()` first if it is absent (first writer wins across nodes)."""
        existing = await self.get(key)
        if existing is not None:
            return existing
        try:
            async with self._db.transaction() as s:
                s.add(Setting(key=key, value=factory()))
        except IntegrityError:
            pass
        value = await self.get(key)
        if value is None:
            raise RuntimeError(f"setting {key!r} vanished while being created")
        return value

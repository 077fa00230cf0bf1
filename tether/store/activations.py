"""Activation codes that let machines register. Counting registrations is one conditional UPDATE so that two
machines racing for the last use cannot both win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update

from tether.store.db import Database
from tether.store.models import Activation


class ActivationRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        activation_id: str,
        code_hash: str,
        description: str,
        instance_name: str,
        usage_limit: int,
        expires_at: datetime,
        now: datetime,
    ) -> Activation:
        row = Activation(
            id=activation_id,
            code_hash=code_hash,
            description=description,
            instance_name=instance_name,
            usage_limit=usage_limit,
            registered_count=0,
            deregistered_count=0,
            expires_at=expires_at,
            created_at=now,
            disabled=False,
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, activation_id: str) -> Activation | None:
        async with self._db.transaction() as s:
            return await s.get(Activation, activation_id)

    async def page(self, *, activation_id: str | None, offset: int, limit: int) -> tuple[Sequence[Activation], int]:
        """One page, newest first, and the total count."""
        query = select(Activation)
        count = select(func.count()).select_from(Activation)
        if activation_id is not None:
            query = query.where(Activation.id == activation_id)
            count = count.where(Activation.id == activation_id)
        query = query.order_by(Activation.created_at.desc(), Activation.id).offset(offset).limit(limit)
        async with self._db.transaction() as s:
            rows = (await s.scalars(query)).all()
            total = int(await s.scalar(count) or 0)
        return rows, total

    async def delete(self, activation_id: str) -> bool:
        async with self._db.transaction() as s:
            result = await s.execute(delete(Activation).where(Activation.id == activation_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim(self, activation_id: str, now: datetime) -> bool:
        """Count one registration if the activation is enabled, unexpired and under its usage limit."""
        statement = (
            update(Activation)
            .where(
                Activation.id == activation_id,
                Activation.disabled.is_(False),
                Activation.expires_at > now,
                Activation.registered_count < Activation.usage_limit,
            )
            .values(registered_count=Activation.registered_count + 1)
        )
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_deregistration(self, activation_id: str) -> None:
        async with self._db.transaction() as s:
            await s.execute(
                update(Activation)
                .where(Activation.id == activation_id)
                .values(deregistered_count=Activation.deregistered_count + 1)
            )

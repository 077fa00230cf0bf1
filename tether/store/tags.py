"""Instance tags. Policies test them as `ecs:tag/<key>`, so they are read on every authorised instance action;
one indexed query per request fetches all of an instance's tags."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, func, or_, select

from tether.store.db import Database
from tether.store.errors import LimitExceeded, NotFound
from tether.store.models import Instance, InstanceTag


@dataclass(frozen=True)
class TagPage:
    tags: Sequence[InstanceTag]
    next_token: str | None


def _encode(row: InstanceTag) -> str:
    return base64.urlsafe_b64encode(f"{row.instance_id}\n{row.key}".encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        instance_id, key = raw.split("\n", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("NextToken is not valid") from exc
    return instance_id, key


class TagRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._sqlite_writer = asyncio.Lock()  # SQLite's first SELECTs run outside its write lock (see IamRepo)

    async def tags_of(self, instance_id: str) -> dict[str, str]:
        return (await self.tags_of_many([instance_id])).get(instance_id, {})

    async def tags_of_many(self, instance_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        if not instance_ids:
            return {}
        query = select(InstanceTag).where(InstanceTag.instance_id.in_(list(instance_ids))).order_by(InstanceTag.key)
        result: dict[str, dict[str, str]] = {}
        async with self._db.transaction() as s:
            for row in (await s.scalars(query)).all():
                result.setdefault(row.instance_id, {})[row.key] = row.value
        return result

    async def set_tags(self, instance_id: str, tags: Mapping[str, str], limit: int) -> None:
        """Add or overwrite tags; refused (nothing changed) if the instance would end up with more than `limit`."""
        async with self._sqlite_writer if self._db.is_sqlite else contextlib.nullcontext(), self._db.transaction() as s:
            instance = await s.get(Instance, instance_id, with_for_update=not self._db.is_sqlite)
            if instance is None or instance.deregistered:
                raise NotFound("Instance", instance_id)
            existing = {
                r.key: r
                for r in (await s.scalars(select(InstanceTag).where(InstanceTag.instance_id == instance_id))).all()
            }
            if len(existing.keys() | tags.keys()) > limit:
                raise LimitExceeded("Instance.Tag", instance_id, limit)
            for key, value in tags.items():
                if key in existing:
                    existing[key].value = value
                else:
                    s.add(InstanceTag(instance_id=instance_id, key=key, value=value))

    async def remove_tags(self, instance_id: str, keys: Sequence[str] | None) -> int:
        """Remove the named tags (all of them when `keys` is None); returns how many were removed."""
        statement = delete(InstanceTag).where(InstanceTag.instance_id == instance_id)
        if keys is not None:
            statement = statement.where(InstanceTag.key.in_(list(keys)))
        async with self._db.transaction() as s:
            instance = await s.get(Instance, instance_id)
            if instance is None or instance.deregistered:
                raise NotFound("Instance", instance_id)
            result = await s.execute(statement)
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def page(
        self,
        *,
        instance_ids: Sequence[str] | None,
        tag_filter: Sequence[tuple[str, str | None]],
        limit: int,
        next_token: str | None,
    ) -> TagPage:
        """Tags ordered by (instance, key). `tag_filter` keeps instances carrying every (key, value) pair given
        (a None value matches any value), and lists only the filtered keys of them."""
        conditions: list[ColumnElement[bool]] = []
        if instance_ids is not None:
            conditions.append(InstanceTag.instance_id.in_(list(instance_ids)))
        if tag_filter:
            pairs = [
                and_(InstanceTag.key == k, InstanceTag.value == v) if v is not None else InstanceTag.key == k
                for k, v in tag_filter
            ]
            matching = (
                select(InstanceTag.instance_id)
                .where(or_(*pairs))
                .group_by(InstanceTag.instance_id)
                .having(func.count(func.distinct(InstanceTag.key)) == len({k for k, _ in tag_filter}))
            )
            conditions.append(InstanceTag.instance_id.in_(matching))
            conditions.append(InstanceTag.key.in_([k for k, _ in tag_filter]))
        if next_token is not None:
            last_instance, last_key = _decode(next_token)
            conditions.append(
                or_(
                    InstanceTag.instance_id > last_instance,
                    and_(InstanceTag.instance_id == last_instance, InstanceTag.key > last_key),
                )
            )
        query = (
            select(InstanceTag).where(*conditions).order_by(InstanceTag.instance_id, InstanceTag.key).limit(limit + 1)
        )
        async with self._db.transaction() as s:
            rows = list((await s.scalars(query)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return TagPage(rows, _encode(rows[-1]) if more and rows else None)

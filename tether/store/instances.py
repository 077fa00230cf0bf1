"""Registered machines and which relay node holds each one's control channel."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update

from tether.store.db import Database
from tether.store.models import AGENT_TETHER, Instance

MAX_NOTICES = 16
MAX_NOTICE = 300
_CREDENTIALS = select(Instance.public_key, Instance.deregistered).where(Instance.id == bindparam("instance_id"))
IN_CHUNK = 500  # ids per `IN (...)` list: well under SQLite's and asyncpg's bind parameter limits


@dataclass(frozen=True, slots=True)
class AgentIdentity:
    """What an agent says about its default login user (registration and every hello); bounded before storing."""

    default_user: str
    default_user_sudo: bool
    notices: tuple[str, ...] = ()

    def columns(self) -> dict[str, object]:
        notices = [n[:MAX_NOTICE] for n in self.notices[:MAX_NOTICES]]
        return {
            "default_user": self.default_user[:64],
            "default_user_sudo": self.default_user_sudo,
            "notices": json.dumps(notices),
        }


class InstanceRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        instance_id: str,
        name: str,
        public_key: str,
        hostname: str,
        os_type: str,
        os_name: str,
        agent_version: str,
        activation_id: str,
        now: datetime,
        identity: AgentIdentity | None = None,
        agent_kind: str = AGENT_TETHER,
        assist_public_key: str | None = None,
        machine_id: str | None = None,
    ) -> Instance:
        row = Instance(
            agent_kind=agent_kind,
            assist_public_key=assist_public_key,
            machine_id=machine_id,
            id=instance_id,
            name=name,
            public_key=public_key,
            hostname=hostname,
            os_type=os_type,
            os_name=os_name,
            agent_version=agent_version,
            activation_id=activation_id,
            registered_at=now,
            last_heartbeat=None,
            connected_node=None,
            deregistered=False,
            **(identity.columns() if identity is not None else {}),
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, instance_id: str) -> Instance | None:
        async with self._db.transaction() as s:
            return await s.get(Instance, instance_id)

    async def credentials(self, instance_id: str) -> tuple[str, bool] | None:
        """The instance's registered public key and whether it was deregistered (None if unknown): what an agent's
        handshake needs, read with one plain SELECT of two columns. It runs at every handshake, and the ORM's
        `get` (identity map, loading, the full row) was the largest cost of a connect storm."""
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(_CREDENTIALS, {"instance_id": instance_id})).first()
        return None if row is None else (str(row[0]), bool(row[1]))

    async def page(
        self,
        *,
        instance_ids: Sequence[str] | None,
        name: str | None,
        offset: int,
        limit: int,
        include_deregistered: bool = False,
    ) -> tuple[Sequence[Instance], int]:
        """One page ordered by registration time, and the total count."""
        conditions: list[ColumnElement[bool]] = []
        if not include_deregistered:
            conditions.append(Instance.deregistered.is_(False))
        if instance_ids is not None:
            conditions.append(Instance.id.in_(list(instance_ids)))
        if name is not None:
            conditions.append(Instance.name == name)
        query = (
            select(Instance)
            .where(*conditions)
            .order_by(Instance.registered_at, Instance.id)
            .offset(offset)
            .limit(limit)
        )
        count = select(func.count()).select_from(Instance).where(*conditions)
        async with self._db.transaction() as s:
            rows = (await s.scalars(query)).all()
            total = int(await s.scalar(count) or 0)
        return rows, total

    async def page_after(
        self,
        *,
        instance_ids: Sequence[str] | None,
        name: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> Sequence[Instance]:
        """Up to `limit` instances that come after `after` (registration time, id) in that order: keyset paging
        over the `ix_instances_list` index, so every page costs the same however deep it is and no count is made.
        Instances registered between two pages appear on a later page (their time is later), none is skipped or
        repeated."""
        conditions: list[ColumnElement[bool]] = [Instance.deregistered.is_(False)]
        if instance_ids is not None:
            conditions.append(Instance.id.in_(list(instance_ids)))
        if name is not None:
            conditions.append(Instance.name == name)
        if after is not None:
            at, last_id = after
            conditions.append(
                or_(Instance.registered_at > at, and_(Instance.registered_at == at, Instance.id > last_id))
            )
        query = select(Instance).where(*conditions).order_by(Instance.registered_at, Instance.id).limit(limit)
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

    async def write_presence(
        self,
        node: str,
        *,
        connects: Sequence[dict[str, object]],
        heartbeats: Mapping[datetime, Sequence[str]],
        disconnects: Sequence[str],
    ) -> None:
        """Write a batch of presence changes of this node in one transaction: `connects` (one executemany UPDATE;
        each dict holds `id`, `last_heartbeat` and the agent's facts, column by column), then heartbeats (one
        UPDATE per time and chunk of ids), then disconnects (cleared only where this node still holds the mark).
        A deregistered instance is never marked connected again."""
        async with self._db.transaction() as s:
            if connects:
                conn = await s.connection()
                by_shape: dict[tuple[str, ...], list[dict[str, object]]] = {}
                for row in connects:  # rows with and without the identity columns are two statements
                    by_shape.setdefault(tuple(sorted(row)), []).append({f"b_{k}": v for k, v in row.items()})
                for shape, rows in by_shape.items():
                    columns = [key for key in shape if key != "id"]
                    statement = (
                        update(Instance)
                        .where(Instance.id == bindparam("b_id"), Instance.deregistered.is_(False))
                        .values(connected_node=node, **{key: bindparam(f"b_{key}") for key in columns})
                    )
                    await conn.execute(statement, rows)
            for at, ids in heartbeats.items():
                for chunk in _chunks(ids):
                    await s.execute(
                        update(Instance)
                        .where(Instance.id.in_(chunk), Instance.connected_node == node)
                        .values(last_heartbeat=at)
                        .execution_options(synchronize_session=False)
                    )
            for chunk in _chunks(disconnects):
                await s.execute(
                    update(Instance)
                    .where(Instance.id.in_(chunk), Instance.connected_node == node)
                    .values(connected_node=None)
                    .execution_options(synchronize_session=False)
                )

    async def mark_connected(
        self,
        instance_id: str,
        *,
        node: str,
        hostname: str,
        os_type: str,
        os_name: str,
        agent_version: str,
        now: datetime,
        identity: AgentIdentity | None = None,
    ) -> None:
        async with self._db.transaction() as s:
            await s.execute(
                update(Instance)
                .where(Instance.id == instance_id)
                .values(
                    connected_node=node,
                    hostname=hostname,
                    os_type=os_type,
                    os_name=os_name,
                    agent_version=agent_version,
                    last_heartbeat=now,
                    **(identity.columns() if identity is not None else {}),
                )
            )

    async def heartbeat(self, instance_id: str, now: datetime) -> None:
        async with self._db.transaction() as s:
            await s.execute(update(Instance).where(Instance.id == instance_id).values(last_heartbeat=now))

    async def mark_disconnected(self, instance_id: str, node: str) -> None:
        """Clear the connected mark only if this node still holds it (the agent may have moved on)."""
        async with self._db.transaction() as s:
            await s.execute(
                update(Instance)
                .where(Instance.id == instance_id, Instance.connected_node == node)
                .values(connected_node=None)
            )

    async def clear_node(self, node: str) -> int:
        """Forget every connection this node held (stale marks after a crash or restart)."""
        async with self._db.transaction() as s:
            result = await s.execute(
                update(Instance).where(Instance.connected_node == node).values(connected_node=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def deregister(self, instance_id: str) -> Instance | None:
        """Flag the instance deregistered (and no longer connected); returns it, or None if unknown or already
        deregistered."""
        async with self._db.transaction() as s:
            row = await s.get(Instance, instance_id, with_for_update=not self._db.is_sqlite)
            if row is None or row.deregistered:
                return None
            row.deregistered = True
            row.connected_node = None
            return row


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    items = list(ids)
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]

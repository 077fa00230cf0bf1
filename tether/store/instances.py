"""Registered machines and which relay node holds each one's control channel."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update

from tether.store.db import Database
from tether.store.models import AGENT_TETHER, Instance

MAX_NOTICES = 16
MAX_NOTICE = 300


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

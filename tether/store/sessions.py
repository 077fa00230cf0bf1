"""Terminal sessions. Token use and state changes are conditional UPDATEs, so a token works once and a session
ends once even when two connections or two nodes race."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from tether.store.db import Database
from tether.store.models import ACTIVE_STATES, Session, SessionState


@dataclass(frozen=True)
class SessionPage:
    sessions: Sequence[Session]
    next_token: str | None


@dataclass(frozen=True)
class SessionFilter:
    """Which sessions a listing or a recording search covers; every field that is set must hold."""

    session_id: str | None = None
    instance_id: str | None = None
    principal: str | None = None  # a principal ARN, a RAM user name (matches `...:user/NAME`), or "root"
    state: SessionState | None = None
    kind: str | None = None  # "shell" or "port_forward"
    created_after: datetime | None = None  # created at or after
    created_before: datetime | None = None  # created before

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.session_id is not None:
            conditions.append(Session.id == self.session_id)
        if self.instance_id is not None:
            conditions.append(Session.instance_id == self.instance_id)
        if self.principal is not None:
            # "root" is the account root (no RAM user may be called that); any other name is a RAM user's
            suffix = ":root" if self.principal == "root" else f":user/{self.principal}"
            conditions.append(
                or_(Session.principal == self.principal, Session.principal.endswith(suffix, autoescape=True))
            )
        if self.state is not None:
            conditions.append(Session.state == self.state.value)
        if self.kind is not None:
            conditions.append(Session.kind == self.kind)
        if self.created_after is not None:
            conditions.append(Session.created_at >= self.created_after)
        if self.created_before is not None:
            conditions.append(Session.created_at < self.created_before)
        return conditions


def after_cursor(next_token: str) -> ColumnElement[bool]:
    """The sessions that come after a NextToken in newest-first order; raises ValueError for a bad token."""
    created, last_id = decode_cursor(next_token)
    return or_(Session.created_at < created, and_(Session.created_at == created, Session.id < last_id))


def encode_cursor(row: Session) -> str:
    raw = f"{row.created_at.astimezone(UTC).isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, str]:
    """Parse a NextToken; raises ValueError if it was not made by `SessionRepo.page`."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, session_id = raw.split("|", 1)
        when = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("NextToken is not valid") from exc
    if when.tzinfo is None or not session_id:
        raise ValueError("NextToken is not valid")
    return when, session_id


class SessionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        session_id: str,
        instance_id: str,
        principal: str,
        kind: str,
        username: str | None,
        command: str | None,
        node: str,
        client_ip: str,
        client_token_hash: str,
        client_token_expires_at: datetime,
        agent_token_hash: str,
        now: datetime,
        target_host: str | None = None,
        target_port: int | None = None,
        no_new_privileges: bool = False,
    ) -> Session:
        row = Session(
            no_new_privileges=no_new_privileges,
            target_host=target_host,
            target_port=target_port,
            id=session_id,
            instance_id=instance_id,
            principal=principal,
            kind=kind,
            username=username,
            command=command,
            state=SessionState.PENDING.value,
            node=node,
            client_ip=client_ip,
            created_at=now,
            client_token_hash=client_token_hash,
            client_token_expires_at=client_token_expires_at,
            client_token_used=False,
            agent_token_hash=agent_token_hash,
            agent_token_used=False,
        )
        async with self._db.transaction() as s:
            s.add(row)
        return row

    async def get(self, session_id: str) -> Session | None:
        async with self._db.transaction() as s:
            return await s.get(Session, session_id)

    async def count_active(self, instance_id: str) -> int:
        query = (
            select(func.count())
            .select_from(Session)
            .where(Session.instance_id == instance_id, Session.state.in_(ACTIVE_STATES))
        )
        async with self._db.transaction() as s:
            return int(await s.scalar(query) or 0)

    async def count_of_principal(self, principal: str) -> tuple[int, int]:
        """(active, pending) sessions started by `principal`: the per-principal quotas' counts."""
        query = (
            select(Session.state, func.count())
            .where(Session.principal == principal, Session.state.in_(ACTIVE_STATES))
            .group_by(Session.state)
        )
        async with self._db.transaction() as s:
            counts = {state: int(n) for state, n in (await s.execute(query)).all()}
        return sum(counts.values()), counts.get(SessionState.PENDING.value, 0)

    async def use_client_token(self, session_id: str, now: datetime) -> bool:
        """Mark the client token used if it is unused, unexpired and the session still pending."""
        statement = (
            update(Session)
            .where(
                Session.id == session_id,
                Session.client_token_used.is_(False),
                Session.client_token_expires_at > now,
                Session.state == SessionState.PENDING.value,
            )
            .values(client_token_used=True)
        )
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def use_agent_token(self, session_id: str) -> bool:
        """Mark the agent token used if it is unused and the session still pending."""
        statement = (
            update(Session)
            .where(
                Session.id == session_id,
                Session.agent_token_used.is_(False),
                Session.state == SessionState.PENDING.value,
            )
            .values(agent_token_used=True)
        )
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_connected(self, session_id: str, now: datetime) -> bool:
        statement = (
            update(Session)
            .where(Session.id == session_id, Session.state == SessionState.PENDING.value)
            .values(state=SessionState.CONNECTED.value, started_at=now)
        )
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish(
        self,
        session_id: str,
        *,
        state: SessionState,
        reason: str,
        exit_status: int | None,
        now: datetime,
        bytes_from_client: int | None = None,
        bytes_to_client: int | None = None,
    ) -> bool:
        """End an active session (Terminated or Expired); False if it had already ended.

        The byte counters (DATA payload bytes the relay carried each way) are written only by the relay that held
        the session; other callers leave them unknown (NULL)."""
        if state not in (SessionState.TERMINATED, SessionState.EXPIRED):
            raise ValueError("a session can only finish as Terminated or Expired")
        values: dict[str, object] = {
            "state": state.value,
            "end_reason": reason[:256],
            "exit_status": exit_status,
            "ended_at": now,
        }
        if bytes_from_client is not None:
            values["bytes_from_client"] = bytes_from_client
        if bytes_to_client is not None:
            values["bytes_to_client"] = bytes_to_client
        statement = update(Session).where(Session.id == session_id, Session.state.in_(ACTIVE_STATES)).values(**values)
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def active_on_node(self, node: str) -> Sequence[Session]:
        """The sessions a node still holds as active (before `finish_node` ends them after a restart)."""
        query = select(Session).where(Session.node == node, Session.state.in_(ACTIVE_STATES)).order_by(Session.id)
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

    async def finish_node(self, node: str, reason: str, now: datetime) -> int:
        """End every active session of a node (its relay sockets died with the previous process)."""
        statement = (
            update(Session)
            .where(Session.node == node, Session.state.in_(ACTIVE_STATES))
            .values(state=SessionState.TERMINATED.value, end_reason=reason, ended_at=now)
        )
        async with self._db.transaction() as s:
            result = await s.execute(statement)
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def expired_pending(self, now: datetime, limit: int = 100) -> Sequence[Session]:
        """Pending sessions whose client token has run out."""
        query = (
            select(Session)
            .where(Session.state == SessionState.PENDING.value, Session.client_token_expires_at <= now)
            .order_by(Session.client_token_expires_at)
            .limit(limit)
        )
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

    async def page(
        self,
        filters: SessionFilter | None = None,
        *,
        session_id: str | None = None,
        instance_id: str | None = None,
        state: SessionState | None = None,
        limit: int = 20,
        next_token: str | None = None,
    ) -> SessionPage:
        """Newest first; keyset paging on (created_at, id) so pages stay stable while sessions are added.

        `filters` says which sessions; the keyword filters are shorthand for the common ones.
        """
        if filters is None:
            filters = SessionFilter(session_id=session_id, instance_id=instance_id, state=state)
        conditions = filters.conditions()
        if next_token is not None:
            conditions.append(after_cursor(next_token))
        query = (
            select(Session).where(*conditions).order_by(Session.created_at.desc(), Session.id.desc()).limit(limit + 1)
        )
        async with self._db.transaction() as s:
            rows = list((await s.scalars(query)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return SessionPage(sessions=rows, next_token=encode_cursor(rows[-1]) if more and rows else None)

"""The delivery queue: which sealed recordings and audit batches still have to reach S3-compatible storage.

Claiming is an optimistic conditional UPDATE (`WHERE lease is free`), which behaves the same on SQLite and
PostgreSQL: of two workers racing for a row exactly one sees its update count as 1. A claim is a lease, not a
lock, so a worker that dies mid-upload holds nothing forever. Marking a row delivered also marks the recording
(or advances the audit cursor) in the same transaction: a crash cannot leave one without the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from tether.store.db import Database
from tether.store.models import AuditEvent, DeliveryItem, Recording, Session, Setting

RECORDING = "recording"
AUDIT = "audit"

PENDING = "pending"
RETRYING = "failed-retrying"
DELIVERED = "delivered"
FAILED = "failed"  # given up: the local file is gone or no longer matches its seal; retrying cannot help
STATES = (PENDING, RETRYING, DELIVERED, FAILED)
OPEN_STATES = (PENDING, RETRYING)

AUDIT_CURSOR_KEY = "delivery_audit_cursor"  # settings row: id of the last audit event delivered


@dataclass(frozen=True)
class QueueStatus:
    counts: dict[str, int]
    oldest_open: datetime | None  # creation time of the oldest row not yet delivered
    last_delivered_at: datetime | None
    failures: Sequence[DeliveryItem]  # rows whose last attempt failed, most recent first


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(
        self,
        *,
        kind: str,
        ref: str,
        node: str,
        now: datetime,
        first_id: int | None = None,
        last_id: int | None = None,
        first_time: datetime | None = None,
    ) -> bool:
        """Queue one object; False when `(kind, ref)` is already queued (whatever its state)."""
        row = DeliveryItem(
            kind=kind,
            ref=ref,
            node=node,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            first_id=first_id,
            last_id=last_id,
            first_time=first_time,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._db.transaction() as s:
                if await s.scalar(select(DeliveryItem.id).where(DeliveryItem.kind == kind, DeliveryItem.ref == ref)):
                    return False
                s.add(row)
        except IntegrityError:
            return False  # another node or task queued it between our check and our insert
        return True

    async def get(self, item_id: int) -> DeliveryItem | None:
        async with self._db.transaction() as s:
            return await s.get(DeliveryItem, item_id)

    async def find(self, kind: str, ref: str) -> DeliveryItem | None:
        async with self._db.transaction() as s:
            return await s.scalar(select(DeliveryItem).where(DeliveryItem.kind == kind, DeliveryItem.ref == ref))

    async def unqueued_recordings(self, node: str, limit: int = 500) -> list[str]:
        """Sealed, undelivered recordings of `node` that have no queue row (sealed while nobody listened)."""
        queued = select(DeliveryItem.id).where(DeliveryItem.kind == RECORDING, DeliveryItem.ref == Recording.session_id)
        query = (
            select(Recording.session_id)
            .join(Session, Session.id == Recording.session_id)
            .where(
                Recording.sealed.is_(True),
                Recording.delivered_at.is_(None),
                Session.node == node,
                ~queued.exists(),
            )
            .order_by(Recording.sealed_at, Recording.session_id)
            .limit(limit)
        )
        async with self._db.transaction() as s:
            return list((await s.scalars(query)).all())

    async def claim_due(
        self, *, node: str, token: str, now: datetime, lease: timedelta, limit: int, kind: str | None = None
    ) -> list[DeliveryItem]:
        """Claim up to `limit` rows that are due: this node's recordings and any audit batch (only `kind` if
        given)."""
        free = or_(DeliveryItem.lease_until.is_(None), DeliveryItem.lease_until < now)
        conditions = [
            DeliveryItem.state.in_(OPEN_STATES),
            DeliveryItem.next_attempt_at <= now,
            or_(DeliveryItem.node == node, DeliveryItem.kind == AUDIT),
            free,
        ]
        if kind is not None:
            conditions.append(DeliveryItem.kind == kind)
        query = (
            select(DeliveryItem.id)
            .where(*conditions)
            .order_by(DeliveryItem.next_attempt_at, DeliveryItem.id)
            .limit(limit)
        )
        claimed: list[DeliveryItem] = []
        async with self._db.transaction() as s:
            candidates = list((await s.scalars(query)).all())
        for item_id in candidates:
            async with self._db.transaction() as s:
                result = await s.execute(
                    update(DeliveryItem)
                    .where(DeliveryItem.id == item_id, DeliveryItem.state.in_(OPEN_STATES), free)
                    .values(claimed_by=token, lease_until=now + lease)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row = await s.get(DeliveryItem, item_id)
                    if row is not None:
                        claimed.append(row)
        return claimed

    async def renew(self, item_id: int, token: str, until: datetime) -> bool:
        """Extend a lease we hold (long uploads); False if it was lost."""
        async with self._db.transaction() as s:
            result = await s.execute(
                update(DeliveryItem)
                .where(DeliveryItem.id == item_id, DeliveryItem.claimed_by == token)
                .values(lease_until=until)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release_node(self, node: str) -> int:
        """At start: drop the claims a previous run of this node left (it crashed or was killed mid-upload)."""
        async with self._db.transaction() as s:
            result = await s.execute(
                update(DeliveryItem)
                .where(DeliveryItem.claimed_by.like(f"{node}/%"), DeliveryItem.state.in_(OPEN_STATES))
                .values(claimed_by=None, lease_until=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def note_key(self, item_id: int, token: str, key: str, size: int | None) -> None:
        async with self._db.transaction() as s:
            await s.execute(
                update(DeliveryItem)
                .where(DeliveryItem.id == item_id, DeliveryItem.claimed_by == token)
                .values(object_key=key[:1024], size=size)
            )

    async def mark_delivered(
        self, item: DeliveryItem, token: str, *, key: str, url: str, size: int, now: datetime
    ) -> bool:
        """A verified upload: the row, and the recording or the audit cursor, in one transaction."""
        async with self._db.transaction() as s:
            result = await s.execute(
                update(DeliveryItem)
                .where(DeliveryItem.id == item.id, DeliveryItem.claimed_by == token)
                .values(
                    state=DELIVERED,
                    object_key=key[:1024],
                    delivered_url=url[:2048],
                    size=size,
                    delivered_at=now,
                    updated_at=now,
                    last_error=None,
                    claimed_by=None,
                    lease_until=None,
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False  # our lease ran out and someone else holds the row now
            if item.kind == RECORDING:
                await s.execute(
                    update(Recording)
                    .where(Recording.session_id == item.ref)
                    .values(delivered_url=url[:2048], delivered_at=now)
                )
            elif item.last_id is not None:
                cursor = await s.get(Setting, AUDIT_CURSOR_KEY)
                if cursor is None:
                    s.add(Setting(key=AUDIT_CURSOR_KEY, value=str(item.last_id)))
                elif int(cursor.value) < item.last_id:
                    cursor.value = str(item.last_id)
        return True

    async def mark_retry(self, item_id: int, token: str, *, error: str, next_at: datetime, now: datetime) -> None:
        await self._end_attempt(item_id, token, error=error, now=now, state=RETRYING, next_attempt_at=next_at)

    async def mark_failed(self, item_id: int, token: str, *, error: str, now: datetime) -> None:
        await self._end_attempt(item_id, token, error=error, now=now, state=FAILED)

    async def _end_attempt(self, item_id: int, token: str, *, error: str, now: datetime, **values: object) -> None:
        """Count a failed attempt and release the claim, if `token` still holds it (a stale worker changes nothing)."""
        async with self._db.transaction() as s:
            await s.execute(
                update(DeliveryItem)
                .where(DeliveryItem.id == item_id, DeliveryItem.claimed_by == token)
                .values(
                    attempts=DeliveryItem.attempts + 1,
                    last_error=error[:1024],
                    updated_at=now,
                    claimed_by=None,
                    lease_until=None,
                    **values,
                )
            )

    async def retry_now(self, now: datetime) -> int:
        """The configuration changed: try every waiting row again now instead of after its backoff."""
        async with self._db.transaction() as s:
            result = await s.execute(
                update(DeliveryItem).where(DeliveryItem.state == RETRYING).values(next_attempt_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    # --- audit batches ---------------------------------------------------------------------------------------

    async def audit_cursor(self) -> int:
        async with self._db.transaction() as s:
            value = await s.scalar(select(Setting.value).where(Setting.key == AUDIT_CURSOR_KEY))
        return int(value) if value else 0

    async def open_audit_batch(self) -> DeliveryItem | None:
        async with self._db.transaction() as s:
            return await s.scalar(
                select(DeliveryItem)
                .where(DeliveryItem.kind == AUDIT, DeliveryItem.state.in_(OPEN_STATES))
                .order_by(DeliveryItem.id)
                .limit(1)
            )

    async def audit_span(self, after: int, before: datetime, limit: int) -> tuple[int, int, datetime] | None:
        """(first id, last id, first event time) of the next batch: at most `limit` events after id `after`
        that happened before `before`; None when there are none."""
        query = (
            select(AuditEvent.id, AuditEvent.event_time)
            .where(AuditEvent.id > after, AuditEvent.event_time < before)
            .order_by(AuditEvent.id)
            .limit(limit)
        )
        async with self._db.transaction() as s:
            rows = (await s.execute(query)).all()
        if not rows:
            return None
        return int(rows[0][0]), int(rows[-1][0]), rows[0][1]

    async def audit_events(self, first_id: int, last_id: int) -> Sequence[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.id >= first_id, AuditEvent.id <= last_id).order_by(AuditEvent.id)
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

    # --- retention ---------------------------------------------------------------------------------------------

    async def prunable(self, node: str, sealed_before: datetime, limit: int = 200) -> list[tuple[int, str]]:
        """(queue id, recording path) of this node's delivered recordings sealed before `sealed_before` whose
        local copy is still there. A recording not yet indexed for search is kept until it is: the index is built
        from the local file."""
        query = (
            select(DeliveryItem.id, Recording.path)
            .join(Recording, Recording.session_id == DeliveryItem.ref)
            .where(
                DeliveryItem.kind == RECORDING,
                DeliveryItem.state == DELIVERED,
                DeliveryItem.node == node,
                DeliveryItem.local_pruned_at.is_(None),
                Recording.delivered_at.is_not(None),
                Recording.indexed_at.is_not(None),
                Recording.sealed_at < sealed_before,
            )
            .order_by(DeliveryItem.id)
            .limit(limit)
        )
        async with self._db.transaction() as s:
            return [(int(i), str(p)) for i, p in (await s.execute(query)).all()]

    async def mark_pruned(self, item_id: int, now: datetime) -> None:
        async with self._db.transaction() as s:
            await s.execute(update(DeliveryItem).where(DeliveryItem.id == item_id).values(local_pruned_at=now))

    # --- status --------------------------------------------------------------------------------------------------

    async def status(self, failures: int = 20) -> QueueStatus:
        async with self._db.transaction() as s:
            counts = {state: 0 for state in STATES}
            for state, count in (
                await s.execute(select(DeliveryItem.state, func.count()).group_by(DeliveryItem.state))
            ).all():
                counts[str(state)] = int(count)
            oldest = await s.scalar(
                select(func.min(DeliveryItem.created_at)).where(DeliveryItem.state.in_(OPEN_STATES))
            )
            last = await s.scalar(select(func.max(DeliveryItem.delivered_at)))
            failed = (
                await s.scalars(
                    select(DeliveryItem)
                    .where(
                        DeliveryItem.last_error.is_not(None),
                        DeliveryItem.state.in_((RETRYING, FAILED)),
                    )
                    .order_by(DeliveryItem.updated_at.desc(), DeliveryItem.id.desc())
                    .limit(failures)
                )
            ).all()
        # min/max bypass the column type on some drivers: make sure the times are aware UTC
        return QueueStatus(counts, _aware(oldest), _aware(last), failed)

    async def forget_delivered(self, before: datetime) -> int:
        """Drop delivered audit rows older than `before` (recording rows stay: they carry the pruning mark)."""
        async with self._db.transaction() as s:
            result = await s.execute(
                delete(DeliveryItem).where(
                    and_(
                        DeliveryItem.kind == AUDIT, DeliveryItem.state == DELIVERED, DeliveryItem.delivered_at < before
                    )
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns aggregates of DateTime columns as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

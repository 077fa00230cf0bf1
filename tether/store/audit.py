"""The audit trail: one row per API call, console sign-in and session start or end.

`add` always opens its own short transaction, so the row survives whatever happened to the transactions of the
request it describes. Listing is newest first with keyset paging on (event_time, id): stable while new events
arrive, and cheap at any depth.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select

from tether.store.db import Database
from tether.store.models import AuditEvent


def event_document(row: AuditEvent) -> dict[str, Any]:
    """One event as LookupEvents returns it; the JSON Lines delivered to object storage use the same shape, so one
    reader handles both."""
    return {
        "EventId": str(row.id),
        "EventTime": row.event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "EventType": row.event_type,
        "EventName": row.event_name,
        "RequestId": row.request_id,
        "UserIdentity": {
            "PrincipalArn": row.principal_arn,
            "AccessKeyId": row.access_key_id,
            "RoleSession": row.role_session,
        },
        "SourceIpAddress": row.source_ip,
        "ResourceName": row.resource,
        "Decision": {
            "Effect": row.decision_effect,
            "PolicyName": row.decision_policy,
            "StatementIndex": row.decision_statement,
        },
        "Result": row.result_code,
        "HttpStatus": row.http_status,
        "SessionId": row.session_id,
        "InstanceId": row.instance_id,
        "Detail": row.detail,
    }

SUCCESS = "Success"
FAILURE = "Failure"

_LIMITS = {
    "event_name": 64,
    "request_id": 64,
    "principal_arn": 256,
    "access_key_id": 128,
    "role_session": 160,
    "source_ip": 64,
    "resource": 512,
    "decision_effect": 16,
    "decision_policy": 128,
    "result_code": 128,
    "session_id": 64,
    "instance_id": 64,
    "detail": 256,
}


@dataclass(frozen=True)
class AuditPage:
    events: Sequence[AuditEvent]
    next_token: str | None


def _encode(row: AuditEvent) -> str:
    raw = f"{row.event_time.astimezone(UTC).isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        when_text, id_text = raw.split("|", 1)
        when, event_id = datetime.fromisoformat(when_text), int(id_text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("NextToken is not valid") from exc
    if when.tzinfo is None:
        raise ValueError("NextToken is not valid")
    return when, event_id


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, **fields: Any) -> None:
        """Insert one event (column names as keyword arguments); over-long texts are cut to their column."""
        for name, limit in _LIMITS.items():
            value = fields.get(name)
            if isinstance(value, str) and len(value) > limit:
                fields[name] = value[:limit]
        async with self._db.transaction() as s:
            s.add(AuditEvent(**fields))

    async def lookup(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        principal_arn: str | None = None,
        event_name: str | None = None,
        resource: str | None = None,
        result: str | None = None,
        limit: int = 20,
        next_token: str | None = None,
    ) -> AuditPage:
        """Matching events, newest first. `result` is "Success", "Failure" (anything else) or one result code."""
        conditions = []
        if start is not None:
            conditions.append(AuditEvent.event_time >= start)
        if end is not None:
            conditions.append(AuditEvent.event_time <= end)
        if principal_arn is not None:
            conditions.append(AuditEvent.principal_arn == principal_arn)
        if event_name is not None:
            conditions.append(AuditEvent.event_name == event_name)
        if resource is not None:
            conditions.append(AuditEvent.resource == resource)
        if result == FAILURE:
            conditions.append(AuditEvent.result_code != SUCCESS)
        elif result is not None:
            conditions.append(AuditEvent.result_code == result)
        if next_token is not None:
            when, last_id = _decode(next_token)
            conditions.append(
                or_(AuditEvent.event_time < when, and_(AuditEvent.event_time == when, AuditEvent.id < last_id))
            )
        query = (
            select(AuditEvent)
            .where(*conditions)
            .order_by(AuditEvent.event_time.desc(), AuditEvent.id.desc())
            .limit(limit + 1)
        )
        async with self._db.transaction() as s:
            rows = list((await s.scalars(query)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return AuditPage(rows, _encode(rows[-1]) if more and rows else None)

    async def prune(self, before: datetime) -> int:
        """Forget events older than `before` (the retention period); returns how many."""
        async with self._db.transaction() as s:
            result = await s.execute(delete(AuditEvent).where(AuditEvent.event_time < before))
            return int(result.rowcount)  # type: ignore[attr-defined]

"""Writing the audit trail: API calls (from dispatch), console sign-ins, and sessions starting and ending.

Every write is its own transaction and is shielded from cancellation, so a request that fails, rolls back or loses
its client still leaves its row. A failed write is logged (with the request id) and does not change the answer the
caller already earned: the action has happened either way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tether.server.state import ServerState, utcnow
from tether.store import Session, SessionState

log = logging.getLogger(__name__)

SESSION_START = "SessionStart"
SESSION_END = "SessionEnd"


async def write_event(state: ServerState, columns: dict[str, Any]) -> None:
    """Insert one audit row, surviving the caller's cancellation; never raises."""
    task = asyncio.ensure_future(state.audit.add(**columns))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])  # finish the write before letting the cancellation through
        raise
    except Exception:
        log.exception(
            "could not write the audit event %s (request %s)", columns.get("event_name"), columns.get("request_id")
        )


async def session_event(
    state: ServerState,
    event_name: str,
    *,
    session_id: str,
    instance_id: str,
    principal: str,
    client_ip: str,
    detail: str | None = None,
) -> None:
    """A session started (both sides connected) or ended (`detail` is the end reason and exit status)."""
    await write_event(
        state,
        {
            "event_time": utcnow(),
            "event_type": "Session",
            "event_name": event_name,
            "principal_arn": principal or None,
            "source_ip": client_ip,
            "resource": f"acs:ecs:{state.config.region}:{state.account_id}:instance/{instance_id}",
            "result_code": "Success",
            "session_id": session_id,
            "instance_id": instance_id,
            "detail": detail,
        },
    )


def end_detail(reason: str, exit_status: int | None) -> str:
    return reason if exit_status is None else f"{reason} (exit status {exit_status})"


async def finish_session(
    state: ServerState, row: Session, *, end_state: SessionState, reason: str, exit_status: int | None
) -> bool:
    """End a session that no relay on this node holds, and audit it if this call is what ended it."""
    ended = await state.sessions.finish(row.id, state=end_state, reason=reason, exit_status=exit_status, now=utcnow())
    if ended:
        await session_event(
            state,
            SESSION_END,
            session_id=row.id,
            instance_id=row.instance_id,
            principal=row.principal,
            client_ip=row.client_ip,
            detail=end_detail(reason, exit_status),
        )
    return ended

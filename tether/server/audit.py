"""Writing the audit trail: API calls (from dispatch), console sign-ins, and sessions starting and ending.

Every write is its own transaction and is shielded from cancellation, so a request that fails, rolls back or loses
its client still leaves its row. A failed write is logged (with the request id) and does not change the answer the
caller already earned: the action has happened either way.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from tether.server.clock import utcnow
from tether.server.principals import instance_arn
from tether.store import AuditRepo

log = logging.getLogger(__name__)

SESSION_START = "SessionStart"
SESSION_END = "SessionEnd"


@dataclass(frozen=True)
class SessionParty:
    """Who a session's audit events name: the session, its instance, who started it and from where."""

    session_id: str
    instance_id: str
    principal: str
    client_ip: str


def end_detail(reason: str, exit_status: int | None) -> str:
    return reason if exit_status is None else f"{reason} (exit status {exit_status})"


class AuditTrail:
    """The one writer of audit rows; it knows the account and region that resource ARNs are written with."""

    def __init__(self, repo: AuditRepo, *, region: str, account_id: str) -> None:
        self.repo = repo
        self._region = region
        self._account_id = account_id

    async def write(self, columns: dict[str, Any]) -> None:
        """Insert one audit row, surviving the caller's cancellation; never raises."""
        task = asyncio.ensure_future(self.repo.add(**columns))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait([task])  # finish the write before letting the cancellation through
            raise
        except Exception:
            log.exception(
                "could not write the audit event %s (request %s)", columns.get("event_name"), columns.get("request_id")
            )

    async def session_event(self, party: SessionParty, event_name: str, detail: str | None = None) -> None:
        """A session event: started (both sides connected), ended (`detail` is the reason and exit status), or
        something about its recording."""
        await self.write(
            {
                "event_time": utcnow(),
                "event_type": "Session",
                "event_name": event_name,
                "principal_arn": party.principal or None,
                "source_ip": party.client_ip,
                "resource": instance_arn(self._region, self._account_id, party.instance_id),
                "result_code": "Success",
                "session_id": party.session_id,
                "instance_id": party.instance_id,
                "detail": detail,
            }
        )

"""The durable end of a session: its row and its `SessionEnd` audit event, written once, whoever ends it.

The relay ends the sessions it holds (with their byte counts), the session life cycle those no relay holds; both
write the end here, so a session's row and its audit trail can never disagree about whether, or why, it ended.
"""

from __future__ import annotations

from tether.server.audit import SESSION_END, AuditTrail, SessionParty, end_detail
from tether.server.clock import utcnow
from tether.store import Session, SessionRepo, SessionState


def party_of(row: Session) -> SessionParty:
    return SessionParty(row.id, row.instance_id, row.principal, row.client_ip)


class SessionRecords:
    def __init__(self, sessions: SessionRepo, audit: AuditTrail) -> None:
        self.sessions = sessions
        self.audit = audit

    async def finish(
        self,
        party: SessionParty,
        *,
        state: SessionState,
        reason: str,
        exit_status: int | None,
        bytes_from_client: int | None = None,
        bytes_to_client: int | None = None,
    ) -> bool:
        """End the session's row if it is still active and audit that; False if it had already ended (then
        nothing is written: the first end is the one on record)."""
        ended = await self.sessions.finish(
            party.session_id,
            state=state,
            reason=reason,
            exit_status=exit_status,
            now=utcnow(),
            bytes_from_client=bytes_from_client,
            bytes_to_client=bytes_to_client,
        )
        if ended:
            await self.audit.session_event(party, SESSION_END, end_detail(reason, exit_status))
        return ended

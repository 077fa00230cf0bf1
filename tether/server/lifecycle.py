"""The session life cycle: ending a session, wherever it is, is decided here and nowhere else.

A session's relay lives on the node that accepted StartTerminalSession (`sessions.node`). When something must end a
session (EndTerminalSession, the agent's end report, the expiry sweep, a restart that finds sessions of the previous
run), the question is always the same: is its relay here (end it through the relay, which closes both sides),
on another live node (ask that node), or gone (end the row)? `SessionLifecycle._where` answers it once.

Messages it sends over the node bus, and answers for other nodes:
- `end_relay` {session_id, instance_id, state, reason, code, message} -> {"relay": bool} (true: this node held the
  session and ended it);
- `session_ended` {session_id, instance_id, message: SessionEnded | SessionFailed} (no reply): the agent's end
  report, sent by the agent's node to the relay node, which handles it as if it had come on its own control channel.
"""

from __future__ import annotations

import logging
from typing import Any

from tether.protocol import CloseCode, Side
from tether.protocol.control import SessionEnded, SessionFailed, TerminateSession
from tether.server.bus import Bus, NodeBusError, NodeBusTimeout
from tether.server.records import SessionRecords, party_of
from tether.server.relay import ENDED_MESSAGE, Relay, RelaySession
from tether.server.router import AgentRouter, pack, text_field, unpack
from tether.store import Session, SessionRepo, SessionState

log = logging.getLogger(__name__)

END_RELAY, SESSION_ENDED = "end_relay", "session_ended"
RESTART_REASON = "server_restart"


class SessionLifecycle:
    def __init__(
        self,
        *,
        relay: Relay,
        router: AgentRouter,
        bus: Bus,
        records: SessionRecords,
        sessions: SessionRepo,
        node_id: str,
    ) -> None:
        self._relay = relay
        self._router = router
        self._bus = bus
        self._records = records
        self._sessions = sessions
        self._node_id = node_id
        bus.on(END_RELAY, self._on_end_relay)
        bus.on(SESSION_ENDED, self._on_session_ended)

    def _where(self, row: Session) -> RelaySession | str | None:
        """The session's relay if this node holds it, else the other node that does, else None (it is gone)."""
        rs = self._relay.get(row.id)
        if rs is not None:
            return rs
        if self._bus.multi_node and row.node != self._node_id:
            return row.node
        return None

    async def end(
        self,
        row: Session,
        reason: str,
        *,
        state: SessionState = SessionState.TERMINATED,
        code: int = CloseCode.ENDED,
        message: str = ENDED_MESSAGE,
        tell_agent: bool = True,
    ) -> None:
        """End an active session wherever it is: its clients see `code` and `message`.

        With `tell_agent`, the agent is sent TerminateSession too (it ends the shell or forward at once); without,
        the relay tells it only if it has no data channel to lose. Raises NodeBusError if the session's relay is on
        another node that could not be asked (a node that does not answer in time is taken to be gone)."""
        where = self._where(row)
        terminate = TerminateSession(session_id=row.id, reason=reason)
        if isinstance(where, RelaySession):
            if tell_agent:
                await self._router.terminate(row.instance_id, terminate)
            await self._relay.end(where, state, reason, code=code, message=message, agent_knows=tell_agent)
            return
        held = False
        if where is not None:
            # the relay there ends the session before the agent hears of it (else the agent's close could be
            # recorded first, as agent_closed); if that node does not answer it is gone, and its sockets with it
            held = await self._end_on_node(where, row, state, reason, code, message)
        if tell_agent:
            await self._router.terminate(row.instance_id, terminate)
        if not held:
            await self._records.finish(party_of(row), state=state, reason=reason, exit_status=None)

    async def agent_ended(self, row: Session, message: SessionEnded | SessionFailed) -> None:
        """The agent reported on its control channel that a session of its instance ended (or never started)."""
        where = self._where(row)
        if isinstance(where, str):
            # the session's relay must hear this. If the report is lost, that relay still ends the session when the
            # agent's data channel closes (or the agent misses its connect deadline); ending the row here would
            # cut a relay that is still forwarding.
            body = {"session_id": row.id, "instance_id": row.instance_id, "message": pack(message)}
            try:
                await self._bus.notify(where, SESSION_ENDED, body)
            except NodeBusError as exc:
                log.warning("could not forward the end of session %s to node %s: %s", row.id, where, exc)
            return
        await self._apply_agent_end(where, row, message)

    async def _apply_agent_end(
        self, rs: RelaySession | None, row: Session, message: SessionEnded | SessionFailed
    ) -> None:
        if isinstance(message, SessionFailed):
            reason, status, text = f"failed: {message.code}", None, f"{message.code}: {message.message}"
            code = CloseCode.INTERNAL_ERROR
            log.info("agent of %s could not start session %s: %s", row.instance_id, row.id, text)
        else:
            reason, status = message.reason or "ended", message.exit_status
            text, code = f"the session ended: {reason}", CloseCode.OK
        if rs is None:
            await self._records.finish(party_of(row), state=SessionState.TERMINATED, reason=reason, exit_status=status)
        elif isinstance(message, SessionEnded) and rs.endpoints[Side.AGENT] is not None:
            self._relay.agent_reported_end(rs, reason, status)
        else:
            await self._relay.end(
                rs, SessionState.TERMINATED, reason, code=code, message=text, exit_status=status, agent_knows=True
            )

    async def expire_pending(self, rows: list[Session]) -> None:
        """End sessions nobody connected to before their URL expired (the sweep for rows left by a stopped node;
        a live relay's own deadline usually gets there first)."""
        for row in rows:
            try:
                await self.end(
                    row,
                    "client_did_not_connect",
                    state=SessionState.EXPIRED,
                    code=CloseCode.OK,
                    message="",
                    tell_agent=False,
                )
            except NodeBusError as exc:
                log.warning("session %s: its node could not be asked to expire it (%s); ending its row", row.id, exc)
                await self._records.finish(
                    party_of(row), state=SessionState.EXPIRED, reason="client_did_not_connect", exit_status=None
                )

    async def recover(self) -> int:
        """At start: end the sessions a previous run of this node left active (their sockets died with it)."""
        ended = 0
        for row in await self._sessions.active_on_node(self._node_id):
            if await self._records.finish(
                party_of(row), state=SessionState.TERMINATED, reason=RESTART_REASON, exit_status=None
            ):
                ended += 1
        return ended

    # -- the bus ---------------------------------------------------------------------------------------------------

    async def _end_on_node(
        self, node: str, row: Session, state: SessionState, reason: str, code: int, message: str
    ) -> bool:
        body = {
            "session_id": row.id,
            "instance_id": row.instance_id,
            "state": state.value,
            "reason": reason,
            "code": int(code),
            "message": message,
        }
        try:
            reply = await self._bus.request(node, END_RELAY, body)
        except NodeBusTimeout as exc:
            log.warning("session %s: %s", row.id, exc)
            return False
        return reply.get("relay") is True

    async def _on_end_relay(self, body: dict[str, Any], _sender: str) -> dict[str, Any]:
        session_id, instance_id = text_field(body, "session_id"), text_field(body, "instance_id")
        reason = text_field(body, "reason", 256)
        state = body.get("state")
        if state not in (SessionState.TERMINATED.value, SessionState.EXPIRED.value):
            raise ValueError("state must be Terminated or Expired")
        code, message = body.get("code"), body.get("message")
        if not isinstance(code, int) or isinstance(code, bool) or not 1000 <= code <= 4999:
            raise ValueError("code must be a WebSocket close code")
        if not isinstance(message, str) or len(message) > 1024:
            raise ValueError("message must be a string")
        rs = self._relay.get(session_id)
        if rs is None or rs.instance_id != instance_id:
            return {"relay": False}
        await self._relay.end(rs, SessionState(state), reason, code=code, message=message, agent_knows=True)
        return {"relay": True}

    async def _on_session_ended(self, body: dict[str, Any], _sender: str) -> None:
        session_id, instance_id = text_field(body, "session_id"), text_field(body, "instance_id")
        message = unpack(body.get("message"), SessionEnded, SessionFailed)
        if message.session_id != session_id:
            raise ValueError("the report is for another session")
        row = await self._sessions.get(session_id)
        if row is None or row.instance_id != instance_id or row.node != self._node_id:
            log.info("node bus: end report for session %s, which is not this node's", session_id)
            return
        await self._apply_agent_end(self._relay.get(session_id), row, message)

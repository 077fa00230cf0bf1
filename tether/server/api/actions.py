"""The action table type, and what dispatch and handlers know about one request (Context, AuditRecord)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tether.server.api.params import Params
from tether.server.clock import iso, utcnow
from tether.server.principals import Principal
from tether.server.state import ServerState

if TYPE_CHECKING:
    from tether.auth.policy import Decision, PolicyDocument


@dataclass
class AuditRecord:
    """What the audit trail will say about this request; filled in as the request goes (never holds secrets)."""

    event_name: str
    request_id: str
    source_ip: str
    event_time: datetime = field(default_factory=utcnow)
    access_key_id: str | None = None
    principal_arn: str | None = None
    role_session: str | None = None
    resource: str | None = None
    decision_effect: str | None = None
    decision_policy: str | None = None
    decision_statement: int | None = None
    result_code: str = "RequestAborted"  # replaced once the request has an outcome
    http_status: int | None = None
    session_id: str | None = None
    instance_id: str | None = None
    detail: str | None = None  # e.g. "via console" for calls made from a browser console session

    def note_principal(self, principal: Principal) -> None:
        self.principal_arn = principal.arn
        self.access_key_id = principal.access_key_id or None  # console sessions use no access key
        self.role_session = principal.role_session

    def note_decision(self, resource: str, decision: Decision) -> None:
        """Keep the request's first decision, unless a later one denies (the denial is what matters)."""
        if self.decision_effect is not None and decision.allowed:
            return
        self.resource = resource
        self.decision_effect = decision.effect
        self.decision_policy = decision.policy
        self.decision_statement = decision.statement

    def columns(self) -> dict[str, Any]:
        return {
            "event_time": self.event_time,
            "event_type": "ApiCall",
            "event_name": self.event_name,
            "request_id": self.request_id,
            "principal_arn": self.principal_arn,
            "access_key_id": self.access_key_id,
            "role_session": self.role_session,
            "source_ip": self.source_ip,
            "resource": self.resource,
            "decision_effect": self.decision_effect,
            "decision_policy": self.decision_policy,
            "decision_statement": self.decision_statement,
            "result_code": self.result_code,
            "http_status": self.http_status,
            "session_id": self.session_id,
            "instance_id": self.instance_id,
            "detail": self.detail,
        }


@dataclass
class Context:
    """What a handler knows about the request besides its parameters."""

    state: ServerState
    principal: Principal | None  # None only for unsigned actions
    request_id: str
    remote: str
    secure: bool = False
    audit: AuditRecord = field(default_factory=lambda: AuditRecord("", "", ""))
    # filled by tether.server.api.authz on the first decision of the request
    policies_loaded: bool = False
    loaded_policies: tuple[Sequence[tuple[str, PolicyDocument]], PolicyDocument | None] | None = None
    _base_context: dict[str, str | list[str]] | None = None

    def caller(self) -> Principal:
        if self.principal is None:
            raise RuntimeError("this action is unsigned; it has no caller")
        return self.principal

    def base_context(self) -> dict[str, str | list[str]]:
        """The condition keys every request has: source IP, current time, whether it came over TLS."""
        if self._base_context is None:
            self._base_context = {
                "acs:SourceIp": self.remote,
                "acs:CurrentTime": iso(utcnow()) or "",
                "acs:SecureTransport": "true" if self.secure else "false",
            }
        return self._base_context


# a handler returns the JSON result document, or (for an action whose result is not JSON, such as a recording
# file) an unprepared aiohttp response that dispatch sends as it is, after writing the audit row
Handler = Callable[[Context, Any], Awaitable[dict[str, Any] | web.StreamResponse]]


@dataclass(frozen=True)
class Action:
    params: type[Params]
    handler: Handler
    signed: bool = True

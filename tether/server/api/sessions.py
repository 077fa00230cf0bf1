"""Terminal sessions: start (create the row and tokens, tell the agent), end, and describe."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from tether.auth.tokens import hash_token, new_id, new_token
from tether.protocol import DEFAULT_WINDOW, SessionKind
from tether.protocol.control import OpenSession
from tether.server.api.actions import Action, Context
from tether.server.api.agentkinds import require_shell_support
from tether.server.api.authz import authorize, decide, tag_context
from tether.server.api.errors import ApiError, bus_error, instance_not_found, instance_offline, session_not_found
from tether.server.api.logins import (
    KIND_COMMAND,
    KIND_PORT_FORWARD,
    KIND_SHELL,
    LoginGrant,
    authorize_shell,
    effective_login_user,
    require_no_new_privileges_support,
)
from tether.server.api.params import Params
from tether.server.api.settings import require_session_manager
from tether.server.api.targets import canonical_target
from tether.server.audit import SessionParty
from tether.server.bus import NodeBusError
from tether.server.clock import iso, utcnow
from tether.server.principals import instance_arn
from tether.server.state import ServerState
from tether.store import Recording, Session, SessionFilter, SessionState
from tether.store.models import ACTIVE_STATES

USERNAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$"
# a host name or an IPv4/IPv6 literal (no brackets); the agent resolves it and refuses link-local/metadata targets
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
TARGET_SERVER_PATTERN = rf"^(?:{_LABEL}(?:\.{_LABEL})*\.?|[0-9A-Fa-f:.]+)$"
DEFAULT_TARGET = "127.0.0.1"  # a forward without TargetServer reaches a port on the machine itself
SESSION_KINDS = tuple(kind.value for kind in SessionKind)  # the values of sessions.kind
SESSION_LIST_ROUNDS = 10  # database pages DescribeTerminalSessions reads per request while hidden sessions are dropped


def parse_time(value: str) -> datetime:
    """An API time parameter: ISO 8601 with a zone (`2026-11-28T11:40:24Z`), as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 time like 2026-11-28T11:40:24Z") from None
    if moment.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2026-11-28T11:40:24Z")
    return moment.astimezone(UTC)


class SessionFilterParams(Params):
    """The filters DescribeTerminalSessions and SearchSessionRecordings share."""

    InstanceId: str | None = Field(None, max_length=64)
    Principal: str | None = Field(None, min_length=1, max_length=256)
    StartTimeAfter: str | None = Field(None, max_length=64)
    StartTimeBefore: str | None = Field(None, max_length=64)
    MaxResults: int = Field(20, ge=1, le=100)
    NextToken: str | None = Field(None, max_length=512)

    @field_validator("StartTimeAfter", "StartTimeBefore")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_time(value)
        return value

    def session_filter(self, **more: Any) -> SessionFilter:
        """The store filter; raises InvalidParameter.TimeRange for a range that ends before it starts."""
        after = parse_time(self.StartTimeAfter) if self.StartTimeAfter else None
        before = parse_time(self.StartTimeBefore) if self.StartTimeBefore else None
        if after is not None and before is not None and after > before:
            raise ApiError("InvalidParameter.TimeRange", "StartTimeAfter must not be later than StartTimeBefore.", 400)
        return SessionFilter(
            instance_id=self.InstanceId, principal=self.Principal, created_after=after, created_before=before, **more
        )


class StartTerminalSessionParams(Params):
    InstanceId: str | list[str]
    Username: str | None = Field(None, pattern=USERNAME_PATTERN)
    CommandLine: str | None = Field(None, min_length=1, max_length=4096)
    PortNumber: int | None = Field(None, ge=1, le=65535)
    TargetServer: str | None = Field(None, min_length=1, max_length=253, pattern=TARGET_SERVER_PATTERN)

    @model_validator(mode="after")
    def _kind(self) -> StartTerminalSessionParams:
        if self.PortNumber is None and self.TargetServer is not None:
            raise ValueError("TargetServer needs PortNumber: it names the host a port-forward session reaches")
        if self.PortNumber is not None and (self.Username is not None or self.CommandLine is not None):
            raise ValueError("Username and CommandLine apply to shell sessions, not to port forwarding (PortNumber)")
        return self

    @property
    def kind(self) -> SessionKind:
        return SessionKind.SHELL if self.PortNumber is None else SessionKind.PORT_FORWARD

    @property
    def policy_kind(self) -> str:
        """The value of `ecs:SessionKind`: Shell, Command (a shell session with a CommandLine) or PortForward."""
        if self.PortNumber is not None:
            return KIND_PORT_FORWARD
        return KIND_COMMAND if self.CommandLine is not None else KIND_SHELL

    @field_validator("InstanceId")
    @classmethod
    def _one_instance(cls, value: str | list[str]) -> str | list[str]:
        ids = [value] if isinstance(value, str) else value
        if len(ids) != 1 or not 0 < len(ids[0]) <= 64:
            raise ValueError("give exactly one instance id")
        return value

    @property
    def instance_id(self) -> str:
        return self.InstanceId if isinstance(self.InstanceId, str) else self.InstanceId[0]


class EndTerminalSessionParams(Params):
    SessionId: str = Field(min_length=1, max_length=64)


class DescribeTerminalSessionsParams(SessionFilterParams):
    SessionId: str | None = Field(None, max_length=64)
    State: SessionState | None = None
    Kind: str | None = None

    @field_validator("State", mode="before")
    @classmethod
    def _state(cls, value: object) -> object:
        if isinstance(value, str):
            if value not in {s.value for s in SessionState}:
                raise ValueError("must be one of " + ", ".join(s.value for s in SessionState))
            return SessionState(value)
        return value

    @field_validator("Kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and value not in SESSION_KINDS:
            raise ValueError("must be one of " + ", ".join(SESSION_KINDS))
        return value


def _recording_view(row: Recording | None, state: ServerState) -> dict[str, Any] | None:
    """What is known of a session's recording; Size, Duration and Sha256 are null until it is sealed."""
    if row is None:
        return None
    return {
        "Exists": state.recordings.file_path(row.path).is_file(),
        "Size": row.size,
        "Duration": row.duration,
        "Sha256": row.sha256,
        "Sealed": row.sealed,
        "DeliveredTo": row.delivered_url,
        "DeliveredAt": iso(row.delivered_at),
        "Indexed": row.indexed_at is not None,
        "Failure": row.failure,  # why recording stopped early, e.g. truncated by a server crash (and from where)
    }


def duration(row: Session) -> float | None:
    """Seconds from the start (both sides connected) to the end; null until the session has ended."""
    if row.started_at is None or row.ended_at is None:
        return None
    return round(max((row.ended_at - row.started_at).total_seconds(), 0.0), 3)


def _session_view(row: Session, recording: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "SessionId": row.id,
        "InstanceId": row.instance_id,
        "Username": row.username,
        "CommandLine": row.command,
        "Kind": row.kind,
        "State": row.state,
        "PrincipalId": row.principal,
        "ClientIp": row.client_ip,
        "CreationTime": iso(row.created_at),
        "StartTime": iso(row.started_at),
        "EndTime": iso(row.ended_at),
        "Duration": duration(row),
        "ExitStatus": row.exit_status,
        "EndReason": row.end_reason,
        "BytesFromClient": row.bytes_from_client,
        "BytesToClient": row.bytes_to_client,
        "NoNewPrivileges": row.no_new_privileges,
        "PortNumber": row.target_port,
        "TargetServer": row.target_host,
        "Recording": recording,
    }


async def _check_principal_quota(state: ServerState, principal: str) -> None:
    """One caller may not hold more than its share of sessions, nor park many it never connects to: 429s that say
    what to do. (Counted before the row is written: concurrent starts may overshoot by the few in flight.)"""
    config = state.config
    active, pending = await state.sessions.count_of_principal(principal)
    if pending >= config.max_pending_sessions_per_principal:
        raise ApiError(
            "Throttling.PendingSessionQuota",
            f"You have {pending} started sessions not yet connected (the limit is "
            f"{config.max_pending_sessions_per_principal}): connect to them or end them with EndTerminalSession; "
            f"unconnected sessions also expire {config.client_token_ttl:g} seconds after they were started.",
            429,
            headers={"Retry-After": str(max(1, math.ceil(config.client_token_ttl)))},
        )
    if active >= config.max_sessions_per_principal:
        raise ApiError(
            "Throttling.SessionQuota",
            f"You already have {active} open sessions (the limit is {config.max_sessions_per_principal}): end one "
            "with EndTerminalSession (list them with DescribeTerminalSessions) before starting another.",
            429,
        )


async def start_terminal_session(ctx: Context, p: StartTerminalSessionParams) -> dict[str, Any]:
    if p.TargetServer is not None:  # one spelling per target before any policy sees it: 127.1 is 127.0.0.1 too
        p = p.model_copy(update={"TargetServer": canonical_target(p.TargetServer)})
    state, principal, instance_id = ctx.state, ctx.caller(), p.instance_id
    config = state.config
    ctx.audit.instance_id = instance_id
    instance = await state.instance(instance_id)
    tags = await state.tags.tags_of(instance_id) if instance is not None else {}
    resource = instance_arn(config.region, state.account_id, instance_id)
    context: dict[str, str | list[str]] = {**tag_context(tags), "ecs:SessionKind": p.policy_kind}
    grant: LoginGrant | None = None
    if p.PortNumber is None:
        login_user = effective_login_user(p.Username, instance)
        context["ecs:Username"] = login_user
        if p.CommandLine is not None:
            context["ecs:CommandLine"] = p.CommandLine
        grant = await authorize_shell(
            ctx, "ecs:StartTerminalSession", resource, context, login_user=login_user, instance=instance
        )
    else:
        context["ecs:PortNumber"] = str(p.PortNumber)
        context["ecs:TargetServer"] = p.TargetServer or DEFAULT_TARGET
        await authorize(ctx, "ecs:StartTerminalSession", resource, context)
    await require_session_manager(state)
    if instance is None or instance.deregistered:
        raise instance_not_found(instance_id)
    no_new_privileges = grant is not None and grant.no_new_privileges
    if grant is not None:
        require_shell_support(instance, login_user=grant.login_user, no_new_privileges=no_new_privileges)
    if no_new_privileges:
        require_no_new_privileges_support(instance)
    # Name the user explicitly once the agent has reported its default: the agent then runs exactly the user that
    # was authorised and recorded, or refuses (an agent that predates the report gets the request as it was).
    agent_username = grant.login_user if grant is not None and instance.default_user is not None else p.Username
    if grant is not None:
        ctx.audit.detail = "; ".join(
            part
            for part in (
                ctx.audit.detail,
                f"login user {grant.login_user}",
                "no_new_privileges" if no_new_privileges else None,
            )
            if part
        )
    route = state.router.route(instance)  # the agent may hold its control channel on another node (scale-out)
    if route is None:
        raise instance_offline(instance_id)
    if await state.sessions.count_active(instance_id) >= config.max_sessions_per_instance:
        raise ApiError(
            "QuotaExceeded.Sessions",
            f"{instance_id} already has {config.max_sessions_per_instance} open sessions; end one first.",
            409,
        )
    await _check_principal_quota(state, principal.arn)
    session_id = new_id("s")
    client_token, agent_token = new_token(), new_token()
    now = utcnow()
    ttl = config.forward_connect_ttl if p.kind is SessionKind.PORT_FORWARD else config.client_token_ttl
    expires = now + timedelta(seconds=ttl)
    await state.sessions.create(
        session_id=session_id,
        instance_id=instance_id,
        principal=principal.arn,
        kind=p.kind,
        username=grant.login_user if grant is not None else None,
        command=p.CommandLine,
        node=state.node_id,
        client_ip=ctx.remote,
        client_token_hash=hash_token(client_token),
        client_token_expires_at=expires,
        agent_token_hash=hash_token(agent_token),
        now=now,
        target_host=(p.TargetServer or DEFAULT_TARGET) if p.PortNumber is not None else None,
        target_port=p.PortNumber,
        no_new_privileges=no_new_privileges,
    )
    ctx.audit.session_id = session_id
    rs = state.relay.prepare(
        SessionParty(session_id, instance_id, principal.arn, ctx.remote),
        kind=p.kind,
        login_user=grant.login_user if grant is not None else "",
        command=p.CommandLine,
        client_ttl=ttl,
    )
    message = OpenSession(
        session_id=session_id,
        kind=p.kind,
        data_url=f"{state.ws_base_url}/agent/v1/data/{session_id}",  # this node: both data channels meet here
        token=agent_token,
        username=agent_username,
        command=p.CommandLine,
        idle_timeout=config.idle_timeout,
        max_duration=config.max_duration,
        window=DEFAULT_WINDOW,
        target_host=(p.TargetServer or DEFAULT_TARGET) if p.PortNumber is not None else None,
        target_port=p.PortNumber,
        no_new_privileges=no_new_privileges,
    )
    try:
        opened = await state.router.open_session(route, message)
    except NodeBusError as exc:
        await state.relay.end(rs, SessionState.TERMINATED, "agent_unreachable", agent_knows=True)
        raise bus_error(exc) from exc
    if not opened:
        await state.relay.end(rs, SessionState.TERMINATED, "agent_unreachable", agent_knows=True)
        raise instance_offline(instance_id, "went away; try again")
    return {
        "SessionId": session_id,
        "WebSocketUrl": f"{state.ws_base_url}/client/v1/data/{session_id}?token={client_token}",
        "Expiration": iso(expires),
    }


async def end_terminal_session(ctx: Context, p: EndTerminalSessionParams) -> dict[str, Any]:
    state = ctx.state
    ctx.audit.session_id = p.SessionId
    row = await state.sessions.get(p.SessionId)
    if row is None:
        await authorize(ctx, "ecs:EndTerminalSession", "*")
    else:
        ctx.audit.instance_id = row.instance_id
        await authorize(
            ctx,
            "ecs:EndTerminalSession",
            instance_arn(state.config.region, state.account_id, row.instance_id),
            tag_context(await state.tags.tags_of(row.instance_id)),
        )
    if row is None:
        raise session_not_found(p.SessionId)
    if row.state not in ACTIVE_STATES:
        return {}
    try:
        await state.lifecycle.end(row, "terminated")
    except NodeBusError as exc:
        raise bus_error(exc) from exc
    return {}


async def describe_terminal_sessions(ctx: Context, p: DescribeTerminalSessionsParams) -> dict[str, Any]:
    """Sessions newest first, each shown only if the caller may `ecs:DescribeTerminalSessions` on its instance.

    Resource-scoped like recordings (docs/api.md): with `InstanceId` the call is authorised on that instance and a
    refusal is `Forbidden.RAM`; without it every session is checked against its own instance (tags included), so a
    caller allowed on some instances sees those sessions only (and their CommandLine only), an explicit Deny on an
    instance hides its sessions even from a `*` grant, and a caller allowed nowhere gets an empty list. As in
    SearchSessionRecordings, further database pages are read (up to SESSION_LIST_ROUNDS) until MaxResults
    sessions can be shown, and NextToken continues after the last session examined."""
    state = ctx.state
    action = "ecs:DescribeTerminalSessions"
    if p.InstanceId is not None:
        ctx.audit.instance_id = p.InstanceId
        await authorize(
            ctx,
            action,
            instance_arn(state.config.region, state.account_id, p.InstanceId),
            tag_context(await state.tags.tags_of(p.InstanceId)),
        )
    visible: dict[str, bool] = {}

    async def may_see(instance_id: str) -> bool:
        if instance_id not in visible:
            arn = instance_arn(state.config.region, state.account_id, instance_id)
            decision = await decide(ctx, action, arn, tag_context(await state.tags.tags_of(instance_id)))
            visible[instance_id] = decision.allowed
            if decision.allowed:
                ctx.audit.note_decision(arn, decision)  # the first allow is the request's decision in the audit
        return visible[instance_id]

    filters = p.session_filter(session_id=p.SessionId, state=p.State, kind=p.Kind)
    shown: list[Session] = []
    token = p.NextToken
    for _ in range(SESSION_LIST_ROUNDS):
        try:
            page = await state.sessions.page(filters, limit=p.MaxResults - len(shown), next_token=token)
        except ValueError:
            raise ApiError("InvalidParameter", "The parameter NextToken is invalid.", 400) from None
        shown += [r for r in page.sessions if await may_see(r.instance_id)]
        token = page.next_token
        if token is None or len(shown) >= p.MaxResults:
            break
    recordings = await state.recordings.repo.for_sessions(r.id for r in shown)
    result: dict[str, Any] = {
        "Sessions": [_session_view(r, _recording_view(recordings.get(r.id), state)) for r in shown]
    }
    if token is not None:
        result["NextToken"] = token
    return result


ACTIONS = {
    "StartTerminalSession": Action(StartTerminalSessionParams, start_terminal_session),
    "EndTerminalSession": Action(EndTerminalSessionParams, end_terminal_session),
    "DescribeTerminalSessions": Action(DescribeTerminalSessionsParams, describe_terminal_sessions),
}

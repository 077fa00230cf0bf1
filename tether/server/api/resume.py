"""ResumeSession: a client whose connection broke reattaches to its still-running shell session.

Resuming is starting again as far as authorisation goes: the caller must be the principal that started the session
and must still be allowed `ecs:StartTerminalSession` on the instance with the same login user and command (a policy
changed meanwhile takes effect), and the request is audited like every other (event `ResumeSession`). On top of
that it must present the session's current resume token, which it receives over the data channel at each
attachment and which the next attachment replaces (single use per attachment). What it gets is a WebSocket URL with a
single-use attach token, valid for the client-token lifetime; the attachment that was still alive, if any (the
server had not noticed the break yet), is closed with code 4002 (docs/protocol.md section 6).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tether.protocol import CloseCode
from tether.server.api.actions import Action, Context
from tether.server.api.authz import tag_context
from tether.server.api.errors import ApiError, session_not_found
from tether.server.api.logins import KIND_COMMAND, KIND_SHELL, authorize_shell
from tether.server.api.params import Params
from tether.server.principals import instance_arn
from tether.store import SessionState

REATTACHED_MESSAGE = "the session was resumed from another connection"


class ResumeSessionParams(Params):
    SessionId: str = Field(min_length=1, max_length=64)
    # without it: a new client takes the session over (`tether session --resume`), the attached one is closed
    ResumeToken: str | None = Field(None, min_length=1, max_length=128)


def _refused(session_id: str) -> ApiError:
    return ApiError(
        "InvalidSession.NotResumable",
        f"Session {session_id} cannot be resumed: it has ended, it is not a resumable shell session on this "
        "server, or the resume token is not its current one. Start a new session.",
        410,
    )


async def resume_session(ctx: Context, p: ResumeSessionParams) -> dict[str, Any]:
    state, principal = ctx.state, ctx.caller()
    ctx.audit.session_id = p.SessionId
    row = await state.sessions.get(p.SessionId)
    if row is None:
        raise session_not_found(p.SessionId)
    ctx.audit.instance_id = row.instance_id
    instance = await state.instance(row.instance_id)
    tags = await state.tags.tags_of(row.instance_id) if instance is not None else {}
    login_user = row.username or ""
    context: dict[str, str | list[str]] = {
        **tag_context(tags),
        "ecs:SessionKind": KIND_COMMAND if row.command is not None else KIND_SHELL,
        "ecs:Username": login_user,
    }
    if row.command is not None:
        context["ecs:CommandLine"] = row.command
    resource = instance_arn(state.config.region, state.account_id, row.instance_id)
    await authorize_shell(
        ctx, "ecs:StartTerminalSession", resource, context, login_user=login_user, instance=instance
    )
    if row.principal != principal.arn:
        raise ApiError(
            "Forbidden.SessionOwner",
            f"Session {p.SessionId} was started by another principal; only it may resume the session.",
            403,
        )
    rs = state.relay.get(p.SessionId)
    if row.state != SessionState.CONNECTED.value or rs is None or rs.ended or rs.resume is None:
        raise _refused(p.SessionId)
    takeover = p.ResumeToken is None
    if not takeover and not rs.resume.token_valid(p.ResumeToken or ""):
        raise _refused(p.SessionId)
    state.relay.displace(rs, CloseCode.REATTACHED, REATTACHED_MESSAGE)
    attach = rs.resume.issue_attach(state.config.client_token_ttl, takeover=takeover)
    detail = (ctx.audit.detail, f"login user {login_user}", "taken over by a new client" if takeover else None)
    ctx.audit.detail = "; ".join(part for part in detail if part)
    return {
        "SessionId": p.SessionId,
        "WebSocketUrl": f"{state.ws_base_url}/client/v1/data/{p.SessionId}?resume={attach}",
    }


ACTIONS = {"ResumeSession": Action(ResumeSessionParams, resume_session)}

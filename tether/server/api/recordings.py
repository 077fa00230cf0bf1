"""GetSessionRecording: the asciicast file of a shell session, streamed from disk (never loaded whole)."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize, instance_arn, tag_context
from tether.server.api.errors import ApiError, session_not_found
from tether.server.api.params import Params
from tether.store import Session

CAST_CONTENT_TYPE = "application/x-asciicast"


class GetSessionRecordingParams(Params):
    SessionId: str = Field(min_length=1, max_length=64)


def recording_not_found(session_id: str) -> ApiError:
    return ApiError(
        "Recording.NotFound",
        f"Session {session_id} has no recording on this server (port-forward sessions and sessions that never "
        "connected are not recorded).",
        404,
    )


async def authorize_recording(ctx: Context, session_id: str) -> Session:
    """The session, if the caller may read what was recorded of it (`ecs:GetSessionRecording` on its instance, tag
    conditions included). An unknown session is checked against "*" first, so its absence tells nothing to a
    caller who may not read recordings at all."""
    state = ctx.state
    ctx.audit.session_id = session_id
    session = await state.sessions.get(session_id)
    if session is None:
        await authorize(ctx, "ecs:GetSessionRecording", "*")
        raise session_not_found(session_id)
    ctx.audit.instance_id = session.instance_id
    await authorize(
        ctx,
        "ecs:GetSessionRecording",
        instance_arn(state.config.region, state.account_id, session.instance_id),
        tag_context(await state.tags.tags_of(session.instance_id)),
    )
    return session


async def get_session_recording(ctx: Context, p: GetSessionRecordingParams) -> web.StreamResponse:
    """The .cast file as it is now (a running session's recording up to its last flush)."""
    state = ctx.state
    await authorize_recording(ctx, p.SessionId)
    row = await state.recordings.repo.get(p.SessionId)
    if row is None:
        raise recording_not_found(p.SessionId)
    path = state.recordings.file_path(row.path)
    if not path.is_file():
        if row.delivered_url:  # removed by the retention of delivered recordings (docs/recording.md, Delivery)
            raise ApiError(
                "Recording.LocalCopyPruned",
                f"The recording of session {p.SessionId} was delivered to {row.delivered_url} and its local copy "
                "has since been removed (LocalRetentionDays of SessionManagerDeliveryConfig); fetch it from there.",
                404,
            )
        raise recording_not_found(p.SessionId)
    # FileResponse sends with sendfile (or in chunks) from the file, so memory stays flat for any size
    return web.FileResponse(
        path,
        headers={
            "Content-Type": CAST_CONTENT_TYPE,
            "Content-Disposition": f'attachment; filename="{p.SessionId}.cast"',
        },
    )


ACTIONS = {
    "GetSessionRecording": Action(GetSessionRecordingParams, get_session_recording),
}

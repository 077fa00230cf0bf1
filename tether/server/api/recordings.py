"""GetSessionRecording: the asciicast file of a shell session, streamed from disk (never loaded whole), or, once a
delivered recording's local copy was pruned, from the delivery bucket (tether/recording/fetch.py)."""

from __future__ import annotations

import contextlib
import logging

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from pydantic import Field

from tether.recording.delivery import DeliveryError, load_config
from tether.recording.fetch import (
    DeliveredObject,
    NotConfigured,
    ObjectMissing,
    ObjectReplaced,
    open_delivered,
    store_for,
)
from tether.recording.s3 import S3Error
from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize, tag_context
from tether.server.api.errors import ApiError, session_not_found
from tether.server.api.params import Params
from tether.server.principals import instance_arn
from tether.store import Recording, Session

log = logging.getLogger(__name__)

CAST_CONTENT_TYPE = "application/x-asciicast"
# S3 error codes that mean "the store is down or overloaded, try later", as opposed to a refusal
UNAVAILABLE = {"ConnectionFailed", "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "500", "503"}


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
            return DeliveredResponse(p.SessionId, await _open_delivered(ctx, row, row.delivered_url))
        raise recording_not_found(p.SessionId)
    # FileResponse sends with sendfile (or in chunks) from the file, so memory stays flat for any size
    return web.FileResponse(path, headers=_file_headers(p.SessionId))


def _file_headers(session_id: str) -> dict[str, str]:
    return {
        "Content-Type": CAST_CONTENT_TYPE,
        "Content-Disposition": f'attachment; filename="{session_id}.cast"',
    }


async def _open_delivered(ctx: Context, row: Recording, url: str) -> DeliveredObject:
    """The delivered object of a pruned recording, checked and opened, or the API error that says why not."""
    state, session_id = ctx.state, row.session_id
    pruned = f"The local copy of the recording of session {session_id} was removed after its delivery to {url}"
    config = await load_config(state.settings)
    try:
        store = store_for(config, state.secretbox, url)
    except NotConfigured as exc:
        raise ApiError(
            "Recording.LocalCopyPruned",
            f"{pruned} (LocalRetentionDays of SessionManagerDeliveryConfig), and delivery is no longer configured "
            f"({exc}), so the server cannot read it back: fetch it from there, or set the delivery endpoint and "
            "credentials again with tether settings delivery.",
            404,
        ) from None
    except (DeliveryError, ValueError) as exc:
        raise ApiError("Recording.StorageUnavailable", f"{pruned}, and it cannot be read back: {exc}", 503) from None
    where = store.target.where
    try:
        return await open_delivered(store, url, row.sha256, row.size)
    except ObjectMissing:
        raise ApiError(
            "Recording.NotFound",
            f"{pruned}, and there is no object at {url} at {where} any more (deleted from the bucket?).",
            404,
        ) from None
    except ObjectReplaced as exc:
        raise ApiError("Recording.ObjectReplaced", f"{pruned}; it is not served: {exc}.", 409) from None
    except S3Error as exc:
        if exc.code in UNAVAILABLE:
            raise ApiError(
                "Recording.StorageUnavailable",
                f"{pruned}, and the storage at {where} cannot be reached to read it back ({exc}); try again later.",
                503,
            ) from None
        raise ApiError(
            "Recording.StorageError",
            f"{pruned}, and the storage at {where} refused to return it: {exc}",
            502,
        ) from None


class DeliveredResponse(web.StreamResponse):
    """The answer for a recording read back from the delivery bucket: like FileResponse, it does its sending in
    `prepare` (dispatch returns it unprepared). Headers go first, so a failure half-way can only be logged and the
    connection dropped: the client then sees fewer bytes than Content-Length, never a short file that looks
    whole."""

    def __init__(self, session_id: str, delivered: DeliveredObject) -> None:
        super().__init__(headers=_file_headers(session_id))
        self.content_length = delivered.size
        self._delivered = delivered
        self._session_id = session_id

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self.prepared:
            return await super().prepare(request)
        try:
            writer = await super().prepare(request)
            async with contextlib.aclosing(self._delivered.chunks()) as chunks:
                async for chunk in chunks:
                    await self.write(chunk)
        except S3Error as exc:
            log.error("recording of %s: reading %s failed half-way: %s", self._session_id, self._delivered.url, exc)
            raise ConnectionResetError(f"reading {self._delivered.url} failed") from None
        finally:
            self._delivered.close()
        return writer


ACTIONS = {
    "GetSessionRecording": Action(GetSessionRecordingParams, get_session_recording),
}

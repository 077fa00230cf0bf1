"""DescribePortForwardStreams: what a port-forward session carried, one entry per TCP stream.

The stream records are a port-forward session's recording (a shell session's is its asciicast file), so the same
policy action guards them: `ecs:GetSessionRecording` on the session's instance, with its tag conditions. Whoever
may replay what was typed on a machine may see which targets were reached through it, and no one else.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tether.protocol import SessionKind
from tether.server.api.actions import Action, Context
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.api.recordings import authorize_recording
from tether.server.clock import iso
from tether.server.relay.taps import StreamTap
from tether.store import ForwardStream, ForwardStreamRepo, StreamRecord


class DescribePortForwardStreamsParams(Params):
    SessionId: str = Field(min_length=1, max_length=64)
    MaxResults: int = Field(50, ge=1, le=500)
    NextToken: str | None = Field(None, max_length=32)


def _target(host: str, port: int | None) -> str:
    if port is None:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _view(row: ForwardStream | StreamRecord) -> dict[str, Any]:
    return {
        "StreamId": row.stream_id,
        "Target": _target(row.target_host, row.target_port),
        "TargetHost": row.target_host,
        "TargetPort": row.target_port,
        "OpenTime": iso(row.opened_at),
        "CloseTime": iso(row.closed_at),
        "BytesToTarget": row.bytes_to_target,
        "BytesFromTarget": row.bytes_from_target,
        "CloseReason": row.close_reason,
    }


async def describe_port_forward_streams(ctx: Context, p: DescribePortForwardStreamsParams) -> dict[str, Any]:
    """Closed streams in the order they were opened, a page at a time; on the first page also the streams open
    now (when this node holds the running session) and the summary of the streams past the per-session cap."""
    state = ctx.state
    after: int | None = None
    if p.NextToken is not None:
        if not p.NextToken.isdigit():
            raise ApiError("InvalidParameter", "The parameter NextToken is invalid: pass the NextToken returned.", 400)
        after = int(p.NextToken)
    session = await authorize_recording(ctx, p.SessionId)
    if session.kind != SessionKind.PORT_FORWARD:
        raise ApiError(
            "InvalidSession.NotPortForward",
            f"Session {p.SessionId} is a {session.kind} session; only port-forward sessions have stream records "
            "(a shell session's recording is fetched with GetSessionRecording).",
            400,
        )
    page = await ForwardStreamRepo(state.db).page(p.SessionId, limit=p.MaxResults, after=after)
    result: dict[str, Any] = {"SessionId": p.SessionId, "Streams": [_view(row) for row in page.streams]}
    if after is None:
        held = state.relay.get(p.SessionId)
        if held is not None and isinstance(held.tap, StreamTap):
            result["OpenStreams"] = [_view(record) for record in held.tap.streams.open_streams()]
        if page.summary is not None:
            result["Unlisted"] = {
                "Streams": page.summary.streams,
                "FirstOpenTime": iso(page.summary.opened_at),
                "LastCloseTime": iso(page.summary.closed_at),
                "BytesToTarget": page.summary.bytes_to_target,
                "BytesFromTarget": page.summary.bytes_from_target,
            }
    if page.next_token is not None:
        result["NextToken"] = str(page.next_token)
    return result


ACTIONS = {
    "DescribePortForwardStreams": Action(DescribePortForwardStreamsParams, describe_port_forward_streams),
}

"""SearchSessionRecordings: which sessions printed a text, and the matching lines with their time offsets.

Two permissions decide. `ecs:SearchSessionRecordings` on `*` lets a caller search at all; each session found is
then shown only if the caller may `ecs:GetSessionRecording` on its instance (tag conditions included), since the
matching lines are part of the recording. Denied sessions are dropped silently (a search reveals nothing about
instances the caller cannot read), and those decisions stay out of the audit row, which records the search itself.

Paging is over the matching sessions, newest first. Because sessions are dropped after the database query, the
handler reads further pages (up to MAX_ROUNDS) until it has MaxResults sessions to show, so a caller who may read
one instance among many does not page through empty answers; the NextToken always continues after the last
session examined.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize, decide, tag_context
from tether.server.api.errors import ApiError
from tether.server.api.sessions import SessionFilterParams
from tether.server.clock import iso
from tether.server.principals import instance_arn
from tether.store import SearchHit, SearchQueryError, SearchRepo
from tether.store.search import MAX_QUERY_LENGTH

MAX_ROUNDS = 10  # database pages read per request while denied sessions are dropped


class SearchSessionRecordingsParams(SessionFilterParams):
    Text: str = Field(min_length=1, max_length=MAX_QUERY_LENGTH)
    MaxLinesPerSession: int = Field(5, ge=1, le=50)


def _hit_view(hit: SearchHit) -> dict[str, Any]:
    row = hit.session
    return {
        "SessionId": row.id,
        "InstanceId": row.instance_id,
        "PrincipalId": row.principal,
        "Username": row.username,
        "CreationTime": iso(row.created_at),
        "StartTime": iso(row.started_at),
        "EndTime": iso(row.ended_at),
        "Lines": [{"Time": line.t, "Text": line.text} for line in hit.lines],
        "MoreLines": hit.more_lines,
    }


async def search_session_recordings(ctx: Context, p: SearchSessionRecordingsParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:SearchSessionRecordings", "*")
    state = ctx.state
    filters = p.session_filter()
    repo = SearchRepo(state.db)
    readable: dict[str, bool] = {}

    async def may_read(instance_id: str) -> bool:
        if instance_id not in readable:
            decision = await decide(
                ctx,
                "ecs:GetSessionRecording",
                instance_arn(state.config.region, state.account_id, instance_id),
                tag_context(await state.tags.tags_of(instance_id)),
            )
            readable[instance_id] = decision.allowed
        return readable[instance_id]

    shown: list[dict[str, Any]] = []
    token = p.NextToken
    for _ in range(MAX_ROUNDS):
        try:
            page = await repo.search(
                p.Text,
                filters,
                limit=p.MaxResults - len(shown),
                lines_per_session=p.MaxLinesPerSession,
                next_token=token,
            )
        except SearchQueryError as exc:
            raise ApiError("InvalidParameter", f"The parameter Text is invalid: {exc}.", 400) from None
        except ValueError:
            raise ApiError("InvalidParameter", "The parameter NextToken is invalid.", 400) from None
        shown += [_hit_view(hit) for hit in page.hits if await may_read(hit.session.instance_id)]
        token = page.next_token
        if token is None or len(shown) >= p.MaxResults:
            break
    result: dict[str, Any] = {"Sessions": shown}
    if token is not None:
        result["NextToken"] = token
    return result


ACTIONS = {
    "SearchSessionRecordings": Action(SearchSessionRecordingsParams, search_session_recordings),
}

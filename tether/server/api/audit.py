"""LookupEvents: search the audit trail (ActionTrail's action, policy action `actiontrail:LookupEvents`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field, field_validator

from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.store.audit import event_document


def _parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 time like 2026-11-28T11:40:24Z") from None
    if moment.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2026-11-28T11:40:24Z")
    return moment.astimezone(UTC)


class LookupEventsParams(Params):
    StartTime: str | None = Field(None, max_length=64)
    EndTime: str | None = Field(None, max_length=64)
    PrincipalArn: str | None = Field(None, min_length=1, max_length=256)
    EventName: str | None = Field(None, min_length=1, max_length=64)
    ResourceName: str | None = Field(None, min_length=1, max_length=512)
    Result: str | None = Field(None, min_length=1, max_length=128)
    MaxResults: int = Field(20, ge=1, le=100)
    NextToken: str | None = Field(None, max_length=512)

    @field_validator("StartTime", "EndTime")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_time(value)
        return value


async def lookup_events(ctx: Context, p: LookupEventsParams) -> dict[str, Any]:
    await authorize(ctx, "actiontrail:LookupEvents", "*")
    start = _parse_time(p.StartTime) if p.StartTime else None
    end = _parse_time(p.EndTime) if p.EndTime else None
    if end is not None and end.microsecond == 0:
        end = end.replace(microsecond=999_999)  # a whole-second EndTime includes events within that second
    if start is not None and end is not None and start > end:
        raise ApiError("InvalidParameter.TimeRange", "StartTime must not be after EndTime.", 400)
    try:
        page = await ctx.state.audit.lookup(
            start=start,
            end=end,
            principal_arn=p.PrincipalArn,
            event_name=p.EventName,
            resource=p.ResourceName,
            result=p.Result,
            limit=p.MaxResults,
            next_token=p.NextToken,
        )
    except ValueError:
        raise ApiError("InvalidParameter", "The parameter NextToken is invalid.", 400) from None
    result: dict[str, Any] = {"Events": [event_document(r) for r in page.events]}
    if page.next_token is not None:
        result["NextToken"] = page.next_token
    return result


ACTIONS = {"LookupEvents": Action(LookupEventsParams, lookup_events)}

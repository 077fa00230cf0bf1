"""Instance tags (TagResources, UntagResources, ListTagResources), as in ECS.

Tags matter beyond bookkeeping: policies can grant access by tag (`ecs:tag/<key>` conditions), so changing an
instance's tags is authorised on that instance with its current tags, like any other action on it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize, tag_context
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.principals import instance_arn

MAX_TAGS = 20
RESERVED_PREFIXES = ("acs:", "aliyun")

InstanceIdText = Annotated[str, Field(min_length=1, max_length=64)]


class TagParam(Params):
    Key: str = Field(min_length=1, max_length=128)
    Value: str = Field("", max_length=128)

    @field_validator("Key")
    @classmethod
    def _key(cls, value: str) -> str:
        if value.lower().startswith(RESERVED_PREFIXES) or value.startswith("http://") or value.startswith("https://"):
            raise ValueError("must not start with acs:, aliyun, http:// or https://")
        return value


class TagFilterParam(Params):
    Key: str = Field(min_length=1, max_length=128)
    Value: str | None = Field(None, max_length=128)


class TagResourcesParams(Params):
    ResourceType: Literal["instance"]
    ResourceId: list[InstanceIdText] = Field(min_length=1, max_length=50)
    Tag: list[TagParam] = Field(min_length=1, max_length=MAX_TAGS)


class UntagResourcesParams(Params):
    ResourceType: Literal["instance"]
    ResourceId: list[InstanceIdText] = Field(min_length=1, max_length=50)
    TagKey: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(None, max_length=MAX_TAGS)
    All: bool = False


class ListTagResourcesParams(Params):
    ResourceType: Literal["instance"]
    ResourceId: list[InstanceIdText] | None = Field(None, max_length=50)
    Tag: list[TagFilterParam] | None = Field(None, max_length=MAX_TAGS)
    MaxResults: int = Field(50, ge=1, le=100)
    NextToken: str | None = Field(None, max_length=512)


async def _authorize_each(ctx: Context, action: str, instance_ids: list[str]) -> None:
    state = ctx.state
    tags = await state.tags.tags_of_many(instance_ids)
    for instance_id in instance_ids:
        await authorize(
            ctx,
            action,
            instance_arn(state.config.region, state.account_id, instance_id),
            tag_context(tags.get(instance_id, {})),
        )


async def tag_resources(ctx: Context, p: TagResourcesParams) -> dict[str, Any]:
    ids = list(dict.fromkeys(p.ResourceId))
    tags = {t.Key: t.Value for t in p.Tag}
    if len(tags) != len(p.Tag):
        raise ApiError("InvalidParameter.Tag", "Each tag key may appear only once.", 400)
    await _authorize_each(ctx, "ecs:TagResources", ids)
    for instance_id in ids:
        await ctx.state.tags.set_tags(instance_id, tags, MAX_TAGS)
    return {}


async def untag_resources(ctx: Context, p: UntagResourcesParams) -> dict[str, Any]:
    if not p.All and not p.TagKey:
        raise ApiError("MissingParameter", "UntagResources needs TagKey, or All set to true.", 400)
    ids = list(dict.fromkeys(p.ResourceId))
    await _authorize_each(ctx, "ecs:UntagResources", ids)
    for instance_id in ids:
        await ctx.state.tags.remove_tags(instance_id, None if p.All else p.TagKey)
    return {}


async def list_tag_resources(ctx: Context, p: ListTagResourcesParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:ListTagResources", "*")
    try:
        page = await ctx.state.tags.page(
            instance_ids=p.ResourceId,
            tag_filter=[(t.Key, t.Value) for t in p.Tag or []],
            limit=p.MaxResults,
            next_token=p.NextToken,
        )
    except ValueError:
        raise ApiError("InvalidParameter", "The parameter NextToken is invalid.", 400) from None
    result: dict[str, Any] = {
        "TagResources": {
            "TagResource": [
                {"ResourceId": t.instance_id, "ResourceType": "instance", "TagKey": t.key, "TagValue": t.value}
                for t in page.tags
            ]
        }
    }
    if page.next_token is not None:
        result["NextToken"] = page.next_token
    return result


ACTIONS = {
    "TagResources": Action(TagResourcesParams, tag_resources),
    "UntagResources": Action(UntagResourcesParams, untag_resources),
    "ListTagResources": Action(ListTagResourcesParams, list_tag_resources),
}

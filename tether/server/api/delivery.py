"""Delivery of recordings to S3-compatible storage: its settings (SettingType `SessionManagerDeliveryConfig` of
ModifyCloudAssistantSettings / DescribeCloudAssistantSettings) and DescribeDeliveryStatus.

The secret access key goes in and never comes out: it is stored encrypted with the server's SecretBox, and every
answer says only `SecretAccessKeySet`. The settings row is shared by every node; a change also makes every waiting
delivery due at once, so fixed credentials are tried without waiting out the backoff.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tether.recording.delivery import (
    check_access_key_id,
    check_bucket,
    check_endpoint,
    check_prefix,
    check_region,
    load_config,
    save_config,
    with_changes,
)
from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.clock import iso, utcnow
from tether.server.state import ServerState
from tether.store import DeliveryRepo
from tether.store.delivery import DELIVERED, FAILED, PENDING, RECORDING, RETRYING

DELIVERY_CONFIG = "SessionManagerDeliveryConfig"
INVALID = "InvalidParameter.SessionManagerDeliveryConfig"


class DeliveryConfigParams(Params):
    """Each field present is changed; absent fields keep their value. '' clears Endpoint, Prefix and the
    credentials (Endpoint '' means AWS S3 itself; no credentials means the server's default AWS chain)."""

    Enabled: bool | None = None
    Endpoint: str | None = Field(None, max_length=512)
    Bucket: str | None = Field(None, max_length=63)
    Prefix: str | None = Field(None, max_length=512)
    Region: str | None = Field(None, max_length=64)
    AccessKeyId: str | None = Field(None, max_length=128)
    SecretAccessKey: str | None = Field(None, max_length=256)
    DeliverAuditEvents: bool | None = None
    LocalRetentionDays: int | None = Field(None, ge=0, le=36500)


def _changes(p: DeliveryConfigParams) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if p.Enabled is not None:
        changes["enabled"] = p.Enabled
    if p.Endpoint is not None:
        changes["endpoint"] = check_endpoint(p.Endpoint)
    if p.Bucket is not None:
        changes["bucket"] = check_bucket(p.Bucket)
    if p.Prefix is not None:
        changes["prefix"] = check_prefix(p.Prefix)
    if p.Region is not None:
        changes["region"] = check_region(p.Region)
    if p.AccessKeyId is not None:
        changes["access_key_id"] = check_access_key_id(p.AccessKeyId) if p.AccessKeyId else None
    if p.SecretAccessKey is not None:
        changes["secret"] = p.SecretAccessKey
    if p.DeliverAuditEvents is not None:
        changes["deliver_audit"] = p.DeliverAuditEvents
    if p.LocalRetentionDays is not None:
        changes["retention_days"] = p.LocalRetentionDays
    return changes


async def modify_delivery_config(state: ServerState, p: DeliveryConfigParams | None) -> None:
    """ModifyCloudAssistantSettings with SettingType SessionManagerDeliveryConfig (the caller authorised it)."""
    if p is None:
        raise ApiError("MissingParameter", f"SettingType {DELIVERY_CONFIG} needs the parameter {DELIVERY_CONFIG}.", 400)
    try:
        changes = _changes(p)
    except ValueError as exc:
        raise ApiError(INVALID, f"{exc}.", 400) from None
    if not changes:
        raise ApiError("MissingParameter", f"{DELIVERY_CONFIG} needs at least one field to change.", 400)
    config = with_changes(await load_config(state.settings), state.secretbox, changes)
    if bool(config.access_key_id) != bool(config.secret_encrypted):
        raise ApiError(INVALID, "AccessKeyId and SecretAccessKey must be set together (or both cleared with '').", 400)
    if config.enabled and (problems := config.problems()):
        raise ApiError(INVALID, f"Delivery cannot be enabled: {'; '.join(problems)}.", 400)
    await save_config(state.settings, config)
    await DeliveryRepo(state.db).retry_now(utcnow())


async def describe_delivery_config(state: ServerState) -> dict[str, Any]:
    return (await load_config(state.settings)).view()


class DescribeDeliveryStatusParams(Params):
    MaxFailures: int = Field(20, ge=1, le=100)


async def describe_delivery_status(ctx: Context, p: DescribeDeliveryStatusParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:DescribeDeliveryStatus", "*")
    config = await load_config(ctx.state.settings)
    status = await DeliveryRepo(ctx.state.db).status(p.MaxFailures)
    failures = [
        {
            "Kind": row.kind,
            "SessionId": row.ref if row.kind == RECORDING else None,
            "Ref": row.ref,
            "State": row.state,
            "Attempts": row.attempts,
            "NextAttemptTime": iso(row.next_attempt_at) if row.state == RETRYING else None,
            "LastError": row.last_error,
            "ObjectKey": row.object_key,
            "UpdateTime": iso(row.updated_at),
        }
        for row in status.failures
    ]
    return {
        "Enabled": config.enabled,
        "Destination": config.destination(),
        "Endpoint": config.endpoint or "",
        "DeliverAuditEvents": config.deliver_audit,
        "LocalRetentionDays": config.retention_days,
        "Queue": {
            "Pending": status.counts[PENDING],
            "FailedRetrying": status.counts[RETRYING],
            "Delivered": status.counts[DELIVERED],
            "Failed": status.counts[FAILED],
        },
        "OldestPendingTime": iso(status.oldest_open),
        "LastDeliveryTime": iso(status.last_delivered_at),
        "Failures": failures,
    }


ACTIONS = {
    "DescribeDeliveryStatus": Action(DescribeDeliveryStatusParams, describe_delivery_status),
}

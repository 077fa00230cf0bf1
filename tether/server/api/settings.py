"""Cloud Assistant settings: turning the session manager on and off for the whole account.

The cloud spells the same switch two ways (ModifyCloudAssistantSettings with a SessionManagerConfig, and the older
Describe/ModifyUserBusinessBehavior with StatusKey `sessionManagerEnable`); both are served so existing scripts
work. The switch is a row in the settings table, so every node sees it at once. It defaults to on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tether.recording.recorder import (
    MAX_RECORDING_BYTES_KEY,
    RECORD_INPUT_KEY,
    RECORD_SESSIONS_KEY,
    RECORDING_REQUIRED_KEY,
)
from tether.server.api.actions import Action, Context
from tether.server.api.authz import authorize
from tether.server.api.delivery import (
    DELIVERY_CONFIG,
    DeliveryConfigParams,
    describe_delivery_config,
    modify_delivery_config,
)
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.state import ServerState

SETTING_KEY = "session_manager_enabled"
SESSION_MANAGER_CONFIG = "SessionManagerConfig"
STATUS_KEY = "sessionManagerEnable"
ENABLE_COMMAND = (
    "tether api ModifyCloudAssistantSettings --body "
    '\'{"SettingType":"SessionManagerConfig","SessionManagerConfig":{"SessionManagerEnabled":true}}\''
)


class SessionManagerConfigParams(Params):
    """Each field present is changed; absent fields keep their value."""

    SessionManagerEnabled: bool | None = None
    RecordInput: bool | None = None  # record keystrokes too (passwords typed at prompts end up in recordings)
    RecordSessions: bool | None = None  # false: record nothing (an audit event says so at each session start)
    RecordingRequired: bool | None = None  # true: end a session rather than let it run unrecorded
    MaxRecordingBytes: int | None = Field(None, ge=4096, le=1 << 40)  # per-session recording size cap


class ModifyCloudAssistantSettingsParams(Params):
    SettingType: str = Field(min_length=1, max_length=64)
    SessionManagerConfig: SessionManagerConfigParams | None = None
    SessionManagerDeliveryConfig: DeliveryConfigParams | None = None


class DescribeCloudAssistantSettingsParams(Params):
    SettingType: list[str] = Field(min_length=1, max_length=10)


class DescribeUserBusinessBehaviorParams(Params):
    StatusKey: str = Field(min_length=1, max_length=64)


class ModifyUserBusinessBehaviorParams(Params):
    StatusKey: str = Field(min_length=1, max_length=64)
    StatusValue: Literal["enabled", "disabled"]


async def session_manager_enabled(state: ServerState) -> bool:
    return (await state.settings.get(SETTING_KEY)) != "false"


async def require_session_manager(state: ServerState) -> None:
    """Refuse to start sessions while the session manager is turned off, saying how to turn it on."""
    if not await session_manager_enabled(state):
        raise ApiError(
            "SessionManager.Disabled",
            f"The session manager is turned off for this account. An administrator can turn it on with: "
            f"{ENABLE_COMMAND}",
            403,
        )


def _setting_type(value: str) -> None:
    if value not in (SESSION_MANAGER_CONFIG, DELIVERY_CONFIG):
        raise ApiError(
            "InvalidParameter.SettingType",
            f"SettingType {value!r} is not supported; use {SESSION_MANAGER_CONFIG} or {DELIVERY_CONFIG}.",
            400,
        )


def _status_key(value: str) -> None:
    if value != STATUS_KEY:
        raise ApiError("InvalidParameter.StatusKey", f"StatusKey {value!r} is not supported; use {STATUS_KEY}.", 400)


async def _set(state: ServerState, enabled: bool) -> None:
    await state.settings.set(SETTING_KEY, "true" if enabled else "false")


async def modify_cloud_assistant_settings(ctx: Context, p: ModifyCloudAssistantSettingsParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:ModifyCloudAssistantSettings", "*")
    _setting_type(p.SettingType)
    if p.SettingType == DELIVERY_CONFIG:
        await modify_delivery_config(ctx.state, p.SessionManagerDeliveryConfig)
        return {}
    if p.SessionManagerConfig is None:
        raise ApiError(
            "MissingParameter", "SettingType SessionManagerConfig needs the parameter SessionManagerConfig.", 400
        )
    config = p.SessionManagerConfig
    if all(value is None for _, value in config):
        raise ApiError(
            "MissingParameter",
            "SessionManagerConfig needs at least one of SessionManagerEnabled, RecordInput, RecordSessions, "
            "RecordingRequired, MaxRecordingBytes.",
            400,
        )
    await _check_recording_combination(ctx.state, config)
    if config.SessionManagerEnabled is not None:
        await _set(ctx.state, config.SessionManagerEnabled)
    if config.RecordInput is not None:
        await ctx.state.settings.set(RECORD_INPUT_KEY, "true" if config.RecordInput else "false")
    if config.RecordSessions is not None:
        await ctx.state.settings.set(RECORD_SESSIONS_KEY, "true" if config.RecordSessions else "false")
    if config.RecordingRequired is not None:
        await ctx.state.settings.set(RECORDING_REQUIRED_KEY, "true" if config.RecordingRequired else "false")
    if config.MaxRecordingBytes is not None:
        await ctx.state.settings.set(MAX_RECORDING_BYTES_KEY, str(config.MaxRecordingBytes))
    ctx.state.recordings.invalidate()
    return {}


async def _check_recording_combination(state: ServerState, config: SessionManagerConfigParams) -> None:
    """Requiring recordings while turning them off would refuse nothing and record nothing: say so instead."""
    current = await state.recordings.policy()
    record = current.record if config.RecordSessions is None else config.RecordSessions
    required = current.required if config.RecordingRequired is None else config.RecordingRequired
    if required and not record:
        raise ApiError(
            "InvalidParameter.RecordingRequired",
            "RecordingRequired cannot be true while RecordSessions is false. Turn RecordingRequired off first, or "
            "leave RecordSessions on.",
            400,
        )


async def describe_cloud_assistant_settings(ctx: Context, p: DescribeCloudAssistantSettingsParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:DescribeCloudAssistantSettings", "*")
    for value in p.SettingType:
        _setting_type(value)
    enabled = await session_manager_enabled(ctx.state)
    ctx.state.recordings.invalidate()  # answer with what the table says now, not a cached copy
    policy = await ctx.state.recordings.policy()
    result: dict[str, Any] = {}
    if DELIVERY_CONFIG in p.SettingType:
        result[DELIVERY_CONFIG] = await describe_delivery_config(ctx.state)
    if SESSION_MANAGER_CONFIG not in p.SettingType:
        return result
    return {
        **result,
        SESSION_MANAGER_CONFIG: {
            "SessionManagerEnabled": enabled,
            "RecordInput": policy.record_input,
            "RecordSessions": policy.record,
            "RecordingRequired": policy.required,
            "MaxRecordingBytes": policy.max_bytes,
        }
    }


async def describe_user_business_behavior(ctx: Context, p: DescribeUserBusinessBehaviorParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:DescribeUserBusinessBehavior", "*")
    _status_key(p.StatusKey)
    return {"StatusValue": "enabled" if await session_manager_enabled(ctx.state) else "disabled"}


async def modify_user_business_behavior(ctx: Context, p: ModifyUserBusinessBehaviorParams) -> dict[str, Any]:
    await authorize(ctx, "ecs:ModifyUserBusinessBehavior", "*")
    _status_key(p.StatusKey)
    await _set(ctx.state, p.StatusValue == "enabled")
    return {}


ACTIONS = {
    "ModifyCloudAssistantSettings": Action(ModifyCloudAssistantSettingsParams, modify_cloud_assistant_settings),
    "DescribeCloudAssistantSettings": Action(DescribeCloudAssistantSettingsParams, describe_cloud_assistant_settings),
    "DescribeUserBusinessBehavior": Action(DescribeUserBusinessBehaviorParams, describe_user_business_behavior),
    "ModifyUserBusinessBehavior": Action(ModifyUserBusinessBehaviorParams, modify_user_business_behavior),
}

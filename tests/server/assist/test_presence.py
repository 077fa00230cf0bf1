"""The Cloud Assistant agent's presence goes through the node's batched presence writer like tether's own agents':
its notify socket's heartbeats, its signed requests and a new version in its heart-beat are noted in memory and
written in batches, never one transaction per message, and the instance stays Online while connected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from support.assist_agent import AssistAgent
from support.wait import eventually

from tether.server import RunningServer


async def call(agent: AssistAgent, path: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(agent.url(path), headers=agent.headers(), ssl=agent.ssl) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


async def test_heartbeats_and_signed_calls_are_batched(
    server: RunningServer, api: Any, assist: AssistAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = server.state.instances
    direct: list[str] = []  # one-transaction-per-message writes: there must be none
    batched: list[str] = []  # instance ids in the heartbeats of written batches

    async def heartbeat(instance_id: str, now: datetime) -> None:
        direct.append(f"heartbeat {instance_id}")

    async def mark_connected(instance_id: str, **_: Any) -> None:
        direct.append(f"mark_connected {instance_id}")

    original = repo.write_presence

    async def write_presence(
        node: str,
        *,
        connects: Sequence[dict[str, object]],
        heartbeats: Mapping[datetime, Sequence[str]],
        disconnects: Sequence[str],
    ) -> None:
        batched.extend(i for ids in heartbeats.values() for i in ids)
        await original(node, connects=connects, heartbeats=heartbeats, disconnects=disconnects)

    monkeypatch.setattr(repo, "heartbeat", heartbeat)
    monkeypatch.setattr(repo, "mark_connected", mark_connected)
    monkeypatch.setattr(repo, "write_presence", write_presence)

    for _ in range(3):  # the agent's signed calls: each a sign of life
        assert (await call(assist, "/luban/api/heart-beat?uptime=1"))[0] == 200
    await eventually(lambda: batched.count(assist.instance_id) >= 3, what="the notify socket's batched heartbeats",
                     timeout=20)
    # a new version in a heart-beat reaches the store with a batch too, while this node holds the socket
    status, _ = await call(assist, "/luban/api/heart-beat?app_version=9.9.1")
    assert status == 200

    async def listed() -> dict[str, Any] | None:
        rows = (await api.ok("DescribeInstances", {"InstanceIds": [assist.instance_id]}))["Instances"]
        row: dict[str, Any] = rows[0]
        return row if row["AgentVersion"] == "9.9.1" else None

    row = await eventually(listed, what="the new version listed")
    assert row["Status"] == "Online"
    before = server.state.presence.flushes
    await eventually(lambda: server.state.presence.flushes >= before + 2, what="more batches", timeout=20)
    stored = await repo.get(assist.instance_id)
    assert stored is not None and stored.connected_node == server.state.node_id
    assert direct == []

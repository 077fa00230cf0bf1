"""A real server (tests/server/conftest.py) and the Cloud Assistant test agent (tests/support/assist_agent.py)
registered with it and running in this event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from support.assist_agent import AssistAgent
from support.wait import eventually

from tether.server import RunningServer

AssistFactory = Callable[..., Awaitable[AssistAgent]]


def host_of(server: RunningServer) -> str:
    return server.url.removeprefix("https://")


class Agents:
    """Test agents registered with a server and running in this loop; all stopped at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tasks: list[asyncio.Task[None]] = []

    async def make(self, server: RunningServer, api: Any, run: bool = True, **options: Any) -> AssistAgent:
        activation = await api.ok("CreateActivation", {})
        agent = AssistAgent(
            host_of(server),
            self.root / f"assist-{len(self.tasks)}-{activation['ActivationId']}",
            ca_cert=str(server.admin_credentials.ca_cert),
            **{"start_delay": 0.2, **options},
        )
        answer = await agent.register("cn-hangzhou", activation["ActivationId"], activation["ActivationCode"])
        assert answer["code"] == 200, answer
        if run:
            self.tasks.append(asyncio.create_task(agent.run()))
            await eventually(agent.connected.is_set, what="the test agent's notify socket")
        return agent

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
async def agents(tmp_path: Path) -> AsyncIterator[Agents]:
    registry = Agents(tmp_path)
    yield registry
    await registry.stop()


@pytest.fixture
def make_assist(server: RunningServer, api: Any, agents: Agents) -> AssistFactory:
    """Register a test agent with a fresh activation and (unless run=False) run it until it is connected."""

    async def make(run: bool = True, **options: Any) -> AssistAgent:
        return await agents.make(server, api, run, **options)

    return make


@pytest.fixture
def make_assist_for(api_for: Any, agents: Agents) -> Callable[..., Awaitable[tuple[Any, AssistAgent]]]:
    """The same for a server a test started itself: (its Api, the running agent)."""

    async def make(server: RunningServer, **options: Any) -> tuple[Any, AssistAgent]:
        api = api_for(server)
        return api, await agents.make(server, api, **options)

    return make


@pytest.fixture
async def assist(make_assist: AssistFactory) -> AssistAgent:
    return await make_assist()


EndedRow = Callable[[str], Awaitable[dict[str, Any]]]


@pytest.fixture
def ended_row(api: Any) -> EndedRow:
    """The DescribeTerminalSessions row of a session once it has ended."""

    async def wait(session_id: str) -> dict[str, Any]:
        async def row() -> dict[str, Any] | None:
            reply = await api.ok("DescribeTerminalSessions", {"SessionId": session_id})
            found: dict[str, Any] = reply["Sessions"][0]
            return found if found["State"] not in ("Pending", "Connected") else None

        return await eventually(row, what=f"session {session_id} to end", timeout=15)

    return wait

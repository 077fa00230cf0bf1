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


@pytest.fixture
async def make_assist(server: RunningServer, api: Any, tmp_path: Path) -> AsyncIterator[AssistFactory]:
    """Register a test agent with a fresh activation and (unless run=False) run it until it is connected."""
    tasks: list[asyncio.Task[None]] = []

    async def make(run: bool = True, **options: Any) -> AssistAgent:
        activation = await api.ok("CreateActivation", {})
        agent = AssistAgent(
            host_of(server), tmp_path / f"assist-{len(tasks)}-{id(options)}",
            ca_cert=str(server.admin_credentials.ca_cert), **{"start_delay": 0.2, **options},
        )
        answer = await agent.register("cn-hangzhou", activation["ActivationId"], activation["ActivationCode"])
        assert answer["code"] == 200, answer
        if run:
            tasks.append(asyncio.create_task(agent.run()))
            await eventually(agent.connected.is_set, what="the test agent's notify socket")
        return agent

    yield make
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


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

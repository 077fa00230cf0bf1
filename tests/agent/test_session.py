"""The shared session pieces on their own: the coded error base and the one way a session's end is reported."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from tether.agent.errors import AgentError
from tether.agent.register import RegistrationError
from tether.agent.session import SessionEnd, SessionStartError, run_and_report
from tether.agent.users import LoginError
from tether.protocol.control import SessionEnded, SessionFailed


def test_agent_error_carries_code_and_message() -> None:
    e = SessionStartError("DataChannel.ConnectFailed", "cannot open the data channel")
    assert isinstance(e, AgentError)
    assert (e.code, e.message, str(e)) == (
        "DataChannel.ConnectFailed",
        "cannot open the data channel",
        "cannot open the data channel",
    )
    # Registration errors are one CLI line, so they keep the code in front.
    assert str(RegistrationError("ServerUnreachable", "cannot reach x")) == "ServerUnreachable: cannot reach x"


async def _report(run: Awaitable[SessionEnd]) -> list[SessionEnded | SessionFailed]:
    reports: list[SessionEnded | SessionFailed] = []
    await run_and_report("s-1", run, reports.append)
    return reports


async def test_an_ended_session_is_reported_once() -> None:
    async def run() -> SessionEnd:
        return SessionEnd("exit", 3)

    assert await _report(run()) == [SessionEnded(session_id="s-1", exit_status=3, reason="exit")]


@pytest.mark.parametrize(
    "error", [SessionStartError("ShellStartFailed", "no shell"), LoginError("InvalidUser.NotFound", "no such user")]
)
async def test_a_coded_error_before_the_start_is_session_failed(error: AgentError) -> None:
    async def run() -> SessionEnd:
        raise error

    assert await _report(run()) == [SessionFailed(session_id="s-1", code=error.code, message=error.message)]


async def test_a_crash_is_an_error_end() -> None:
    async def run() -> SessionEnd:
        raise RuntimeError("bug")

    assert await _report(run()) == [SessionEnded(session_id="s-1", exit_status=None, reason="error")]


async def test_a_cancelled_session_is_terminated_and_the_cancel_passes_on() -> None:
    running = asyncio.Event()

    async def run() -> SessionEnd:
        running.set()
        await asyncio.sleep(3600)  # a session that runs until it is cancelled
        return SessionEnd("exit", 0)

    reports: list[SessionEnded | SessionFailed] = []
    task = asyncio.create_task(run_and_report("s-1", run(), reports.append))
    await asyncio.wait_for(running.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert reports == [SessionEnded(session_id="s-1", exit_status=None, reason="terminated")]

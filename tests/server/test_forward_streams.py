"""Port-forward stream records: what the relay writes per stream, DescribePortForwardStreams, and the byte counters
every session gets, over a real server with a fake agent and client speaking the real protocol."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from support.frames import next_frame, pair_session
from support.wait import eventually

from tether.protocol import Ack, Close, Data, Eof, Open, OpenFail, OpenOk, encode
from tether.recording import streams as streams_module

WRITE_INTERVAL = 0.2  # the stream writer's batch interval, shortened from 1 s for these tests


@pytest.fixture(autouse=True)
def fast_stream_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams_module, "WRITE_INTERVAL", WRITE_INTERVAL)


async def _forward_pair(api, agent, client_dial, port: int = 5432):
    return await pair_session(api, agent, client_dial, {"PortNumber": port})


async def _relay_both(src: aiohttp.ClientWebSocketResponse, dst: aiohttp.ClientWebSocketResponse, frame) -> None:
    await src.send_bytes(encode(frame))
    assert await next_frame(dst) == frame


async def _streams(api, session_id: str, **extra) -> dict:
    return await api.ok("DescribePortForwardStreams", {"SessionId": session_id, **extra})


async def _wait_streams(api, session_id: str, count: int) -> dict:
    async def page() -> dict:
        page = await _streams(api, session_id)
        assert len(page["Streams"]) >= count, page
        return page

    return await eventually(page, what=f"{count} stream records of {session_id}")


async def _with_summary(api, session_id: str) -> dict:
    page = await _streams(api, session_id, MaxResults=2)
    assert "Unlisted" in page, page
    return page


async def test_each_stream_is_recorded_with_target_times_and_bytes(api, server, make_agent, client_dial) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _forward_pair(api, agent, client_dial)

    await _relay_both(client_ws, agent_ws, Open(1, "127.0.0.1:5432"))
    await _relay_both(agent_ws, client_ws, OpenOk(1))
    await _relay_both(client_ws, agent_ws, Data(1, b"q" * 1000))
    await _relay_both(agent_ws, client_ws, Data(1, b"r" * 60_000))
    await _relay_both(client_ws, agent_ws, Ack(1, 60_000))
    await _relay_both(agent_ws, client_ws, Ack(1, 1000))
    await _relay_both(client_ws, agent_ws, Eof(1))
    await _relay_both(agent_ws, client_ws, Close(1, "done"))
    await _relay_both(client_ws, agent_ws, Open(3, "127.0.0.1:5432"))
    await _relay_both(agent_ws, client_ws, OpenFail(3, "connection refused"))
    await _relay_both(client_ws, agent_ws, Open(5, "127.0.0.1:5432"))
    await _relay_both(agent_ws, client_ws, OpenOk(5))
    await _relay_both(client_ws, agent_ws, Data(5, b"still open"))

    page = await _wait_streams(api, session_id, 2)  # closed streams are written within WRITE_INTERVAL
    first, failed = page["Streams"]
    assert (first["StreamId"], first["Target"], first["TargetHost"], first["TargetPort"]) == (
        1, "127.0.0.1:5432", "127.0.0.1", 5432,
    )
    assert (first["BytesToTarget"], first["BytesFromTarget"], first["CloseReason"]) == (1000, 60_000, "agent: done")
    assert first["OpenTime"] <= first["CloseTime"]
    assert (failed["StreamId"], failed["CloseReason"]) == (3, "open failed: connection refused")
    assert (failed["BytesToTarget"], failed["BytesFromTarget"]) == (0, 0)
    # the running session's open stream is shown from the relay's memory
    (live,) = page["OpenStreams"]
    assert (live["StreamId"], live["CloseTime"], live["BytesToTarget"]) == (5, None, 10)

    await client_ws.close()

    async def terminated():
        row = await server.state.sessions.get(session_id)
        return row if row is not None and row.state == "Terminated" else None

    row = await eventually(terminated, what=f"{session_id} to be Terminated")
    # DATA payload bytes of every stream, as the relay forwarded them
    assert (row.bytes_from_client, row.bytes_to_client) == (1010, 60_000)
    page = await _wait_streams(api, session_id, 3)
    cut = page["Streams"][2]
    assert cut["StreamId"] == 5 and cut["CloseTime"] and cut["CloseReason"].startswith("session ended: client_closed")
    assert "OpenStreams" not in page and "Unlisted" not in page


async def test_paging_and_the_summary_past_the_row_cap(api, server, make_agent, client_dial, monkeypatch) -> None:
    from tether.recording import streams as streams_module

    monkeypatch.setattr(streams_module, "MAX_ROWS", 3)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _forward_pair(api, agent, client_dial)
    for n in range(6):
        stream = 2 * n + 1
        await _relay_both(client_ws, agent_ws, Open(stream, "127.0.0.1:5432"))
        await _relay_both(client_ws, agent_ws, Data(stream, b"x" * (n + 1)))
        await _relay_both(agent_ws, client_ws, Close(stream, ""))
    await client_ws.close()
    await agent_ws.receive(timeout=5)
    page = await eventually(lambda: _with_summary(api, session_id), what=f"the summary row of {session_id}")
    assert [s["StreamId"] for s in page["Streams"]] == [1, 3] and page["NextToken"]
    assert page["Streams"][0]["CloseReason"] == "agent: closed"
    rest = await _streams(api, session_id, MaxResults=2, NextToken=page["NextToken"])
    assert [s["StreamId"] for s in rest["Streams"]] == [5] and "NextToken" not in rest and "Unlisted" not in rest
    assert page["Unlisted"]["Streams"] == 3
    assert page["Unlisted"]["BytesToTarget"] == 4 + 5 + 6
    bad = await api.call("DescribePortForwardStreams", {"SessionId": session_id, "NextToken": "x1"})
    assert (bad.status, bad.code) == (400, "InvalidParameter")


async def test_who_may_see_stream_records(api, make_agent, client_dial, make_user) -> None:
    agent = await make_agent()
    session_id, _agent_ws, client_ws = await _forward_pair(api, agent, client_dial)
    nobody = await make_user({"Effect": "Allow", "Action": "ecs:DescribeTerminalSessions", "Resource": "*"})
    denied = await nobody.call("DescribePortForwardStreams", {"SessionId": session_id})
    assert (denied.status, denied.code) == (403, "Forbidden.RAM")
    reader = await make_user({"Effect": "Allow", "Action": "ecs:GetSessionRecording", "Resource": "*"})
    assert (await reader.call("DescribePortForwardStreams", {"SessionId": session_id})).status == 200
    missing = await api.call("DescribePortForwardStreams", {"SessionId": "s-nope"})
    assert (missing.status, missing.code) == (404, "InvalidSession.NotFound")
    await client_ws.close()

    shell = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    await agent.next_open()
    reply = await api.call("DescribePortForwardStreams", {"SessionId": shell["SessionId"]})
    assert (reply.status, reply.code) == (400, "InvalidSession.NotPortForward")
    assert "GetSessionRecording" in reply.body["Message"]


async def test_record_sessions_off_records_no_streams_and_says_so(api, make_agent, client_dial) -> None:
    body = {"SettingType": "SessionManagerConfig", "SessionManagerConfig": {"RecordSessions": False}}
    await api.ok("ModifyCloudAssistantSettings", body)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _forward_pair(api, agent, client_dial)
    await _relay_both(client_ws, agent_ws, Open(1, "127.0.0.1:5432"))
    await _relay_both(agent_ws, client_ws, Close(1, "done"))
    await client_ws.close()
    await agent_ws.receive(timeout=5)

    async def skipped() -> list[dict]:
        return (await api.ok("LookupEvents", {"EventName": "RecordingSkipped"}))["Events"]

    events = await eventually(skipped, what="the RecordingSkipped event")
    assert events and "RecordSessions" in str(events[0]), events
    await asyncio.sleep(WRITE_INTERVAL * 3)  # a sleep on purpose: three writer intervals, and nothing may appear
    page = await _streams(api, session_id)
    assert page["Streams"] == [] and "Unlisted" not in page

"""The account's recording policy on a real server: RecordingRequired, RecordSessions, MaxRecordingBytes.

Disk failures here are real ones the server cannot tell from a broken disk: the recordings directory replaced by a
regular file (every mkdir under it fails with ENOTDIR). Full disks and file size limits are in
tests/e2e/test_recording_policy.py, against a server process.
"""

from __future__ import annotations

import shutil

from support.frames import next_frame, until_closed
from support.wait import eventually

from tether.protocol import Data, Error, Hello, encode

CONFIG = "SessionManagerConfig"


async def _configure(api, **settings) -> None:
    await api.ok("ModifyCloudAssistantSettings", {"SettingType": CONFIG, CONFIG: settings})


async def _events(api, name: str, session_id: str, wait: float = 5.0) -> list[dict]:
    async def mine() -> list[dict]:
        events = (await api.ok("LookupEvents", {"EventName": name, "MaxResults": 100}))["Events"]
        return [e for e in events if session_id in str(e)]

    return await eventually(mine, what=f"{name} events of {session_id}", timeout=wait)


async def _start(api, agent, client_dial):
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    agent_ws = await agent.dial(await agent.next_open())
    await agent_ws.send_bytes(encode(Hello()))
    client_ws = await client_dial(started["WebSocketUrl"])
    await client_ws.send_bytes(encode(Hello()))
    return started["SessionId"], agent_ws, client_ws


def _break_recordings_dir(server) -> None:
    recordings = server.state.config.data_dir / "recordings"
    shutil.rmtree(recordings, ignore_errors=True)
    recordings.write_text("not a directory")


async def _sealed(server, session_id: str):
    async def sealed():
        row = await server.state.recordings.repo.get(session_id)
        return row if row is not None and row.sealed else None

    return await eventually(sealed, what=f"the recording of {session_id} to be sealed")


async def _session(api, session_id: str, state: str) -> dict:
    async def row() -> dict:
        row = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]
        assert row["State"] == state, row
        return row

    return await eventually(row, what=f"{session_id} to be {state}")


async def test_settings_are_described_validated_and_combined(api, server) -> None:
    described = (await api.ok("DescribeCloudAssistantSettings", {"SettingType": [CONFIG]}))[CONFIG]
    assert described["RecordSessions"] is True and described["RecordingRequired"] is False
    assert described["MaxRecordingBytes"] == server.state.config.recording_max_bytes
    await _configure(api, RecordingRequired=True, MaxRecordingBytes=65536)
    described = (await api.ok("DescribeCloudAssistantSettings", {"SettingType": [CONFIG]}))[CONFIG]
    assert (described["RecordingRequired"], described["MaxRecordingBytes"]) == (True, 65536)
    refused = await api.call(
        "ModifyCloudAssistantSettings", {"SettingType": CONFIG, CONFIG: {"RecordSessions": False}}
    )
    assert (refused.status, refused.code) == (400, "InvalidParameter.RecordingRequired")
    assert "RecordSessions" in refused.body["Message"]
    small = await api.call("ModifyCloudAssistantSettings", {"SettingType": CONFIG, CONFIG: {"MaxRecordingBytes": 10}})
    assert small.status == 400 and "MaxRecordingBytes" in small.body["Message"]
    empty = await api.call("ModifyCloudAssistantSettings", {"SettingType": CONFIG, CONFIG: {}})
    assert (empty.status, empty.code) == (400, "MissingParameter")


async def test_required_recording_that_cannot_start_ends_the_session_first(
    api, server, make_agent, client_dial
) -> None:
    await _configure(api, RecordingRequired=True)
    _break_recordings_dir(server)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _start(api, agent, client_dial)
    assert isinstance(await next_frame(client_ws), Hello)
    error = await next_frame(client_ws)
    assert isinstance(error, Error) and error.code == "RecordingRequired"
    assert "requires recording" in error.message and "cannot create the file" in error.message, error
    assert await until_closed(client_ws) == 1008
    assert await until_closed(agent_ws) == 1008  # the agent ends the shell when its data channel closes
    row = await _session(api, session_id, "Terminated")
    assert row["EndReason"] == "recording_failed"
    (event,) = await _events(api, "RecordingFailed", session_id)
    assert "cannot create the file" in event["Detail"] and "ended" in event["Detail"]


async def test_unrequired_recording_that_fails_lets_the_session_go_on(api, server, make_agent, client_dial) -> None:
    _break_recordings_dir(server)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _start(api, agent, client_dial)
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    await agent_ws.send_bytes(encode(Data(0, b"first output")))
    assert await next_frame(client_ws) == Data(0, b"first output")
    (event,) = await _events(api, "RecordingFailed", session_id)
    assert event["Detail"].startswith("output from ") and "s on is not recorded" in event["Detail"]
    assert "Not a directory" in event["Detail"] and "ended" not in event["Detail"]
    await agent_ws.send_bytes(encode(Data(0, b"more")))
    assert await next_frame(client_ws) == Data(0, b"more")
    assert (await _session(api, session_id, "Connected"))["State"] == "Connected"
    await client_ws.close()
    await _session(api, session_id, "Terminated")
    recording = await _sealed(server, session_id)
    assert recording.failure and "Not a directory" in recording.failure


async def test_required_recording_at_its_size_cap_ends_before_the_unrecorded_frame(
    api, server, make_agent, client_dial
) -> None:
    await _configure(api, RecordingRequired=True, MaxRecordingBytes=8192)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _start(api, agent, client_dial)
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    await agent_ws.send_bytes(encode(Data(0, b"a" * 3000)))
    assert await next_frame(client_ws) == Data(0, b"a" * 3000)
    await agent_ws.send_bytes(encode(Data(0, b"b" * 6000)))  # past 8 KiB with the header: not recorded
    error = await next_frame(client_ws)  # ...and so not forwarded: the next frame is the ERROR
    assert isinstance(error, Error) and "size limit of 8192 bytes" in error.message, error
    assert await until_closed(client_ws) == 1008
    row = await _session(api, session_id, "Terminated")
    assert row["EndReason"] == "recording_limit" and (await _sealed(server, session_id)).truncated
    data = (server.state.config.data_dir / (await server.state.recordings.repo.get(session_id)).path).read_bytes()
    assert b"aaa" in data and b"bbb" not in data and b"recording size limit reached" in data


async def test_size_cap_without_requirement_ends_the_recording_not_the_session(
    api, server, make_agent, client_dial
) -> None:
    await _configure(api, MaxRecordingBytes=8192)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _start(api, agent, client_dial)
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    for letter in b"abc":
        await agent_ws.send_bytes(encode(Data(0, bytes([letter]) * 5000)))
        assert await next_frame(client_ws) == Data(0, bytes([letter]) * 5000)
    await client_ws.close()
    await _session(api, session_id, "Terminated")
    assert (await _sealed(server, session_id)).truncated
    stored = await server.state.sessions.get(session_id)
    assert stored is not None and (stored.bytes_to_client, stored.bytes_from_client) == (15000, 0)


async def test_record_sessions_off_records_nothing_and_audits_it(api, server, make_agent, client_dial) -> None:
    await _configure(api, RecordSessions=False)
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _start(api, agent, client_dial)
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    await agent_ws.send_bytes(encode(Data(0, b"unrecorded by choice")))
    assert await next_frame(client_ws) == Data(0, b"unrecorded by choice")
    await client_ws.close()
    row = await _session(api, session_id, "Terminated")
    assert row["Recording"] is None, row
    (event,) = await _events(api, "RecordingSkipped", session_id)
    assert "RecordSessions" in event["Detail"]

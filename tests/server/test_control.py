"""Agent control channel: challenge-response, replacement, heartbeats, status, restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from support.frames import until_closed
from support.wait import eventually

from tether.auth.agentkey import generate_key
from tether.protocol import control
from tether.server.clock import iso
from tether.store import Database, InstanceRepo


async def _status(api, instance_id: str) -> dict:
    body = await api.ok("DescribeInstances", {"InstanceIds": [instance_id]})
    return body["Instances"][0]


async def _wait_status(api, instance_id: str, status: str) -> dict:
    async def row() -> dict:
        row = await _status(api, instance_id)
        assert row["Status"] == status, row
        return row

    return await eventually(row, what=f"{instance_id} to be {status}")


async def test_handshake_marks_instance_online(api, make_agent) -> None:
    agent = await make_agent()
    row = await _status(api, agent.instance_id)
    assert row["Status"] == "Online" and row["Connected"] is True
    assert (row["Hostname"], row["AgentVersion"], row["OsName"]) == ("fake-host", "9.9.9", "Fake OS")
    status = await api.ok("DescribeCloudAssistantStatus", {"InstanceId": [agent.instance_id]})
    entry = status["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0]
    assert entry["CloudAssistantStatus"] == "true" and entry["CloudAssistantVersion"] == "9.9.9"
    await agent.close()
    await _wait_status(api, agent.instance_id, "Offline")


async def test_bad_signature_is_refused(make_agent) -> None:
    agent = await make_agent(connect=False)
    reply = await agent.handshake(key=generate_key())
    assert isinstance(reply, control.ControlError) and reply.code == "InvalidSignature"
    assert (await agent.ws.receive(timeout=5)).type.name in ("CLOSE", "CLOSED", "CLOSING")


async def test_unknown_instance_is_refused(make_agent) -> None:
    agent = await make_agent(connect=False)
    reply = await agent.handshake(instance_id="mi-00000000000000000")
    assert isinstance(reply, control.ControlError) and reply.code == "InvalidInstance.NotFound"


async def test_second_connection_replaces_first(api, make_agent) -> None:
    agent = await make_agent()
    first_ws = agent.ws
    await agent.connect()
    await asyncio.wait_for(until_closed(first_ws), 5)
    assert first_ws.close_code == 4000
    row = await _status(api, agent.instance_id)
    assert row["Status"] == "Online"


async def test_heartbeat_keeps_online_and_silence_goes_offline(make_server, make_agent_for) -> None:
    server = await make_server(heartbeat_interval=0.3)
    api, agent = await make_agent_for(server)
    before = (await _status(api, agent.instance_id))["LastHeartbeatTime"]
    # LastHeartbeatTime is shown to the second: a heartbeat in the same second would not change it
    await eventually(lambda: iso(datetime.now(UTC)) > before, what="the clock to pass LastHeartbeatTime's second")
    await agent.send(control.Heartbeat(sessions=0))

    async def beat() -> dict:
        row = await _status(api, agent.instance_id)
        assert row["LastHeartbeatTime"] != before, row
        return row

    row = await eventually(beat, what="the heartbeat to be recorded")
    assert row["LastHeartbeatTime"] > before
    # no heartbeat for 3 intervals (0.3 s each): connected but Offline
    row = await _wait_status(api, agent.instance_id, "Offline")
    assert row["Connected"] is True and row["Status"] == "Offline"


async def test_unknown_message_gets_error_and_channel_stays(make_agent) -> None:
    agent = await make_agent()
    await agent.ws.send_str('{"type": "bogus"}')
    await agent.send(control.Heartbeat(sessions=1))
    await eventually(lambda: agent.received, what="an answer to the unknown message")
    assert isinstance(agent.received[0], control.ControlError)
    assert not agent.ws.closed


async def test_deregistered_instance_is_disconnected_and_refused(api, make_agent) -> None:
    agent = await make_agent()
    await api.ok("DeregisterInstance", {"InstanceId": agent.instance_id})
    await asyncio.wait_for(agent.closed.wait(), 5)
    assert any(isinstance(m, control.ControlError) and m.code == "InvalidInstance.NotFound" for m in agent.received)
    reply = await agent.handshake()
    assert isinstance(reply, control.ControlError) and reply.code == "InvalidInstance.NotFound"
    listed = await api.ok("DescribeInstances", {})
    assert agent.instance_id not in [i["InstanceId"] for i in listed["Instances"]]
    reply2 = await api.call("DeregisterInstance", {"InstanceId": agent.instance_id})
    assert reply2.code == "InvalidInstance.NotFound"


async def test_restart_leaves_instances_offline_until_reconnect(server, make_server, api, make_agent) -> None:
    """A stopping server closes control channels with 1012; after the restart the instance is Offline."""
    agent = await make_agent()
    await server.stop()
    await asyncio.wait_for(agent.closed.wait(), 5)
    assert agent.ws.close_code == 1012
    # simulate a crash that left the "connected" mark behind: start-up must clear it
    db = Database(server.state.db.url)
    await InstanceRepo(db).mark_connected(
        agent.instance_id,
        node=server.state.node_id,
        hostname="h",
        os_type="",
        os_name="",
        agent_version="",
        now=datetime.now(UTC),
    )
    await db.dispose()

    await make_server(listen_port=server.port)  # same data dir, port and CA: `api` keeps working
    row = await _status(api, agent.instance_id)
    assert row["Status"] == "Offline" and row["Connected"] is False
    await agent.connect()
    row = await _status(api, agent.instance_id)
    assert row["Status"] == "Online"

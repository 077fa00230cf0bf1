"""Per-principal session quotas: one caller cannot fill a machine with sessions it never connects to."""

from __future__ import annotations

import json

from support.frames import pair_session
from support.wait import eventually

SHELL_ANYWHERE = {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"}


async def _pair(api, agent, client_dial):
    return await pair_session(api, agent, client_dial)


async def test_unconnected_sessions_per_principal_are_capped_and_expire(make_server, api_for, make_agent_for) -> None:
    server = await make_server(max_pending_sessions_per_principal=2, client_token_ttl=1.0)
    admin, agent = await make_agent_for(server)
    await admin.ok("CreateUser", {"UserName": "mallory"})
    key = (await admin.ok("CreateAccessKey", {"UserName": "mallory"}))["AccessKey"]
    document = json.dumps({"Version": "1", "Statement": [SHELL_ANYWHERE]})
    await admin.ok("CreatePolicy", {"PolicyName": "shells", "PolicyDocument": document})
    await admin.ok("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "shells", "UserName": "mallory"})
    mallory = admin.with_credentials(key["AccessKeyId"], key["AccessKeySecret"])
    for _ in range(2):
        await mallory.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    reply = await mallory.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert (reply.status, reply.code) == (429, "Throttling.PendingSessionQuota"), reply
    assert "EndTerminalSession" in reply.body["Message"]
    await admin.ok("StartTerminalSession", {"InstanceId": agent.instance_id})  # others still get in

    async def expired() -> bool:
        reply = await mallory.call("StartTerminalSession", {"InstanceId": agent.instance_id})
        assert reply.status == 200, reply
        return True

    await eventually(expired, what="the unconnected sessions to expire", timeout=10)


async def test_open_sessions_per_principal_are_capped(make_server, api_for, make_agent_for, http) -> None:
    server = await make_server(max_sessions_per_principal=2, max_pending_sessions_per_principal=2)
    api, agent = await make_agent_for(server)

    async def dial(url: str):
        return await http.ws_connect(url, ssl=api.ssl, max_msg_size=0)

    pairs = [await _pair(api, agent, dial) for _ in range(2)]
    reply = await api.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert (reply.status, reply.code) == (429, "Throttling.SessionQuota"), reply
    session_id = pairs[0][0]
    await api.ok("EndTerminalSession", {"SessionId": session_id})

    async def freed() -> bool:
        reply = await api.call("StartTerminalSession", {"InstanceId": agent.instance_id})
        assert reply.status == 200, reply
        return True

    await eventually(freed, what="an ended session to free its place")
    for _, agent_ws, client_ws in pairs:
        await agent_ws.close()
        await client_ws.close()

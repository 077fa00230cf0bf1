"""Sessions end to end over real TLS WebSockets: pairing, forwarding, EXIT, tokens, faults, ending."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from support.frames import next_frame, until_closed
from support.wait import eventually

from tether.protocol import MAX_MESSAGE, Data, Exit, Hello, Resize, control, encode
from tether.store import Database, SessionRepo


async def _session(api, session_id: str) -> dict:
    return (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]


async def _wait_state(api, session_id: str, state: str) -> dict:
    async def row() -> dict:
        row = await _session(api, session_id)
        assert row["State"] == state, row
        return row

    return await eventually(row, what=f"{session_id} to be {state}")


async def _start(api, agent) -> tuple[dict, control.OpenSession]:
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    return started, await agent.next_open()


async def _pair(api, agent, client_dial):
    """Start a session, connect both sides, exchange HELLOs; returns (session id, agent ws, client ws)."""
    started, open_msg = await _start(api, agent)
    agent_ws = await agent.dial(open_msg)
    await agent_ws.send_bytes(encode(Hello()))
    client_ws = await client_dial(started["WebSocketUrl"])
    await client_ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    return started["SessionId"], agent_ws, client_ws


async def test_start_fails_at_once_for_unknown_or_offline(api, make_agent) -> None:
    reply = await api.call("StartTerminalSession", {"InstanceId": "mi-00000000000000000"})
    assert (reply.status, reply.code) == (404, "InvalidInstance.NotFound")
    agent = await make_agent(connect=False)
    reply = await api.call("StartTerminalSession", {"InstanceId": [agent.instance_id]})
    assert (reply.status, reply.code) == (409, "InvalidInstance.Offline")
    reply = await api.call("StartTerminalSession", {"InstanceId": ["a", "b"]})
    assert reply.code == "InvalidParameter" and "InstanceId" in reply.body["Message"]


async def test_relay_pairs_forwards_and_records_exit(api, server, make_agent, client_dial, caplog) -> None:
    caplog.set_level(logging.INFO)
    agent = await make_agent()
    started, open_msg = await _start(api, agent)
    port = server.port
    assert open_msg.data_url == f"wss://127.0.0.1:{port}/agent/v1/data/{started['SessionId']}"
    assert started["WebSocketUrl"].startswith(f"wss://127.0.0.1:{port}/client/v1/data/{started['SessionId']}?token=")
    assert open_msg.kind == "shell" and open_msg.token and started["Expiration"].endswith("Z")
    assert (await _session(api, started["SessionId"]))["State"] == "Pending"

    agent_ws = await agent.dial(open_msg)
    await agent_ws.send_bytes(encode(Hello()))  # before the client is there: held back by TCP, not lost
    client_ws = await client_dial(started["WebSocketUrl"])
    await client_ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    session_id = started["SessionId"]
    row = await _wait_state(api, session_id, "Connected")
    assert row["StartTime"] and row["PrincipalId"].endswith(":root") and row["ClientIp"] == "127.0.0.1"

    await client_ws.send_bytes(encode(Resize(cols=120, rows=40)))
    await client_ws.send_bytes(encode(Data(0, "ls 日本\n".encode())))
    assert await next_frame(agent_ws) == Resize(cols=120, rows=40)
    assert await next_frame(agent_ws) == Data(0, "ls 日本\n".encode())
    payload = bytes(range(256)) * 256  # 64 KiB of arbitrary bytes, carried exactly
    await agent_ws.send_bytes(encode(Data(0, payload)))
    assert await next_frame(client_ws) == Data(0, payload)

    await agent_ws.send_bytes(encode(Exit(3)))
    await agent_ws.close()
    assert await next_frame(client_ws) == Exit(3)
    assert await until_closed(client_ws) == 1000
    row = await _wait_state(api, session_id, "Terminated")
    assert (row["ExitStatus"], row["EndReason"]) == (3, "exit") and row["EndTime"]

    token = parse_qs(urlsplit(started["WebSocketUrl"]).query)["token"][0]
    assert "/client/v1/data/" in caplog.text
    assert token not in caplog.text and open_msg.token not in caplog.text and "token=" not in caplog.text


async def _get_status(api, url: str, headers: dict | None = None) -> tuple[int, dict]:
    async with api.http.get(url.replace("wss://", "https://"), headers=headers or {}, ssl=api.ssl) as resp:
        return resp.status, await resp.json()


async def test_forged_reused_missing_and_unknown_tokens(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    started, open_msg = await _start(api, agent)
    url = started["WebSocketUrl"]
    base = url.split("?")[0]
    assert (await _get_status(api, base + "?token=forged"))[1]["Code"] == "InvalidToken"
    assert (await _get_status(api, base + "?token=forged"))[0] == 403
    assert (await _get_status(api, base))[0] == 401
    status, body = await _get_status(api, base.replace(started["SessionId"], "s-nope") + "?token=x")
    assert (status, body["Code"]) == (404, "InvalidSession.NotFound")
    status, body = await _get_status(api, open_msg.data_url, {"Authorization": "Bearer forged"})
    assert (status, body["Code"]) == (403, "InvalidToken")

    client_ws = await client_dial(url)
    status, body = await _get_status(api, url)
    assert (status, body["Code"]) == (410, "InvalidToken.Used")
    with pytest.raises(aiohttp.WSServerHandshakeError) as excinfo:
        await client_dial(url)
    assert excinfo.value.status == 410
    await client_ws.close()


async def test_client_that_never_connects_expires_session(make_server, http, make_agent_for) -> None:
    server = await make_server(client_token_ttl=0.5)
    api, agent = await make_agent_for(server)
    started, open_msg = await _start(api, agent)
    agent_ws = await agent.dial(open_msg)
    assert await until_closed(agent_ws) == 1008
    row = await _wait_state(api, started["SessionId"], "Expired")
    assert row["EndReason"] == "client_did_not_connect"
    status, body = await _get_status(api, started["WebSocketUrl"])
    assert status == 410 and body["Code"] in ("InvalidToken.Expired", "InvalidSession.Ended")


async def test_garbage_frame_closes_only_that_session(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    bad_id, bad_agent, bad_client = await _pair(api, agent, client_dial)
    good_id, good_agent, good_client = await _pair(api, agent, client_dial)

    await bad_client.send_bytes(b"\xff\x00\x00\x00\x00garbage")
    assert await until_closed(bad_client) == 1002
    assert await until_closed(bad_agent) == 1002
    row = await _wait_state(api, bad_id, "Terminated")
    assert row["EndReason"].startswith("protocol_error")

    await good_client.send_bytes(encode(Data(0, b"still here")))
    assert await next_frame(good_agent) == Data(0, b"still here")
    assert (await _session(api, good_id))["State"] == "Connected"


async def test_data_beyond_credit_is_a_protocol_error(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    _, agent_ws, client_ws = await _pair(api, agent, client_dial)
    # the client granted the default 1 MiB window; the agent sends 17 x 64 KiB without an ACK
    chunk = encode(Data(0, b"x" * 65536))
    for _ in range(16):
        await agent_ws.send_bytes(chunk)
        await next_frame(client_ws)
    await agent_ws.send_bytes(chunk)
    assert await until_closed(client_ws) == 1002


async def test_oversized_and_text_messages_close_the_connection(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    big_id, big_agent, big_client = await _pair(api, agent, client_dial)
    await big_client.send_bytes(b"\x01\x00\x00\x00\x00" + b"x" * (MAX_MESSAGE - 4))
    # the server refuses the message before buffering it and closes with 1009; the unread rest of the message
    # may turn that into a TCP reset, so the offender sees 1009 or an abnormal closure. Its peer sees 1009.
    assert await until_closed(big_client) in (1009, 1006)
    assert await until_closed(big_agent) == 1009
    assert (await _wait_state(api, big_id, "Terminated"))["EndReason"] == "protocol_error: message-too-large"

    _text_id, text_agent, text_client = await _pair(api, agent, client_dial)
    await text_agent.send_str("hello")
    assert await until_closed(text_agent) == 1003
    assert await until_closed(text_client) == 1003


async def test_end_terminal_session_closes_both_sides(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial)
    await api.ok("EndTerminalSession", {"SessionId": session_id})
    assert await until_closed(client_ws) == 4001  # distinct from 1000: a reconnecting client must stop
    assert await until_closed(agent_ws) == 4001
    row = await _session(api, session_id)
    assert (row["State"], row["EndReason"]) == ("Terminated", "terminated")
    await eventually(lambda: any(isinstance(m, control.TerminateSession) for m in agent.received),
                     what="TerminateSession to reach the agent")
    assert any(isinstance(m, control.TerminateSession) and m.session_id == session_id for m in agent.received)
    await api.ok("EndTerminalSession", {"SessionId": session_id})  # idempotent
    reply = await api.call("EndTerminalSession", {"SessionId": "s-nope"})
    assert (reply.status, reply.code) == (404, "InvalidSession.NotFound")


async def test_client_close_hangs_up_agent_side(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial)
    await client_ws.close()
    assert await until_closed(agent_ws) == 1000
    row = await _wait_state(api, session_id, "Terminated")
    assert row["EndReason"] == "client_closed"


async def test_exit_then_client_close_first_ends_as_exit(api, make_agent, client_dial) -> None:
    """The client closes the moment it reads EXIT, before the agent closes its side: the shell exited all the
    same, so the session ends as `exit` with the status, not as `client_closed`."""
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial)
    await agent_ws.send_bytes(encode(Exit(0)))
    assert await next_frame(client_ws) == Exit(0)
    await client_ws.close()  # the agent's side is still open
    assert await until_closed(agent_ws) == 1000
    row = await _wait_state(api, session_id, "Terminated")
    assert (row["EndReason"], row["ExitStatus"]) == ("exit", 0)


async def test_session_failed_report_ends_session(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    started, open_msg = await _start(api, agent)
    client_ws = await client_dial(started["WebSocketUrl"])
    await agent.send(control.SessionFailed(session_id=open_msg.session_id, code="UnknownUser", message="no bob"))
    assert await until_closed(client_ws) == 1011
    row = await _wait_state(api, open_msg.session_id, "Terminated")
    assert row["EndReason"] == "failed: UnknownUser"


async def test_describe_sessions_paging_and_limit(make_server, make_agent_for) -> None:
    server = await make_server(max_sessions_per_instance=3)
    api, agent = await make_agent_for(server)
    ids = [(await _start(api, agent))[0]["SessionId"] for _ in range(3)]
    reply = await api.call("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert (reply.status, reply.code) == (409, "QuotaExceeded.Sessions")
    seen, token = [], None
    while True:
        body = {"InstanceId": agent.instance_id, "MaxResults": 2}
        if token:
            body["NextToken"] = token
        page = await api.ok("DescribeTerminalSessions", body)
        seen += [s["SessionId"] for s in page["Sessions"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(ids)
    pending = await api.ok("DescribeTerminalSessions", {"State": "Pending"})
    assert len(pending["Sessions"]) == 3
    reply = await api.call("DescribeTerminalSessions", {"State": "Sleeping"})
    assert reply.code == "InvalidParameter" and "State" in reply.body["Message"]
    reply = await api.call("DescribeTerminalSessions", {"NextToken": "bogus"})
    assert reply.code == "InvalidParameter"


async def test_graceful_shutdown_drains_then_ends_sessions(server, api, make_agent, client_dial) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial)
    stopping = asyncio.create_task(server.stop())
    assert await asyncio.wait_for(agent.closed.wait(), 5) is True  # control channel closed first (1012)
    await client_ws.send_bytes(encode(Data(0, b"during drain")))  # the session keeps working while draining
    assert await next_frame(agent_ws) == Data(0, b"during drain")
    closing = asyncio.create_task(until_closed(client_ws))  # a real client keeps reading
    await stopping
    assert await closing == 1001
    db = Database(server.state.db.url)
    row = await SessionRepo(db).get(session_id)
    await db.dispose()
    assert row is not None and (row.state, row.end_reason) == ("Terminated", "server_shutdown")

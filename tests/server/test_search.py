"""SearchSessionRecordings and the DescribeTerminalSessions filters over a real server, fake agent and client."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from support.frames import next_frame
from support.wait import eventually

from tether.protocol import Data, Exit, Hello, encode
from tether.store import Database, RecordingRepo, SessionRepo, sqlite_url


async def _shell(api: Any, agent: Any, dial: Any, outputs: list[bytes], body: dict | None = None) -> str:
    """A shell session that prints `outputs` (one DATA frame each, ~0.1 s apart) and exits 0; its id."""
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id, **(body or {})})
    open_msg = await agent.next_open()
    agent_ws = await agent.dial(open_msg)
    await agent_ws.send_bytes(encode(Hello()))
    client_ws = await dial(started["WebSocketUrl"])
    await client_ws.send_bytes(encode(Hello()))
    assert isinstance(await next_frame(client_ws), Hello)
    assert isinstance(await next_frame(agent_ws), Hello)
    for chunk in outputs:
        await agent_ws.send_bytes(encode(Data(0, chunk)))
        assert await next_frame(client_ws) == Data(0, chunk)
        await asyncio.sleep(0.1)  # a sleep on purpose: the frames are apart in time, and the tests check their times
    await agent_ws.send_bytes(encode(Exit(0)))
    await agent_ws.close()
    assert await next_frame(client_ws) == Exit(0)
    await client_ws.close()
    return str(started["SessionId"])


async def _indexed(api: Any, session_id: str) -> dict[str, Any]:
    async def indexed() -> dict[str, Any]:
        row = (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]
        assert row["Recording"] and row["Recording"]["Indexed"], row
        return row

    return await eventually(indexed, what=f"the recording of {session_id} to be indexed")


async def _search(api: Any, text: str, **more: Any) -> dict[str, Any]:
    return await api.ok("SearchSessionRecordings", {"Text": text, **more})


def _dialer(api: Any) -> Any:
    async def dial(url: str) -> aiohttp.ClientWebSocketResponse:
        return await api.http.ws_connect(url, ssl=api.ssl, max_msg_size=0)

    return dial


async def test_search_finds_a_printed_word_with_its_time_and_not_one_never_printed(api, make_agent) -> None:
    agent = await make_agent()
    outputs = [
        b"\x1b]0;alice@web\x07\x1b[01;32malice@web\x1b[00m$ ",
        b"printf 'qu%sx\\n' artz\r\n",
        b"\x1b[1mquartzx\x1b[0m\r\n",
        b"$ ",
    ]
    session_id = await _shell(api, agent, _dialer(api), outputs, {"Username": "alice"})
    row = await _indexed(api, session_id)
    found = await _search(api, "QUARTZX")
    assert [s["SessionId"] for s in found["Sessions"]] == [session_id] and "NextToken" not in found
    hit = found["Sessions"][0]
    assert (hit["InstanceId"], hit["Username"], hit["PrincipalId"]) == (agent.instance_id, "alice", row["PrincipalId"])
    assert [line["Text"] for line in hit["Lines"]] == ["quartzx"] and not hit["MoreLines"]
    assert 0.15 <= hit["Lines"][0]["Time"] <= 5.0  # printed after the two earlier frames
    assert (await _search(api, "zebrafish"))["Sessions"] == []
    assert (await _search(api, "quartz"))["Sessions"] == []  # whole words
    assert [s["SessionId"] for s in (await _search(api, "artz"))["Sessions"]] == [session_id]  # the typed line
    for bad in ["***", " "]:
        reply = await api.call("SearchSessionRecordings", {"Text": bad})
        assert (reply.status, reply.code) == (400, "InvalidParameter") and "Text" in reply.body["Message"]


async def test_search_shows_only_sessions_whose_recordings_the_caller_may_read(api, make_agent, make_user) -> None:
    readable, hidden = await make_agent(), await make_agent()
    dial = _dialer(api)
    mine = await _shell(api, readable, dial, [b"needle one\r\n"])
    others = [await _shell(api, hidden, dial, [b"needle two\r\n"]) for _ in range(3)]
    for session_id in [mine, *others]:
        await _indexed(api, session_id)
    assert len((await _search(api, "needle"))["Sessions"]) == 4  # the administrator sees all

    search = {"Effect": "Allow", "Action": "ecs:SearchSessionRecordings", "Resource": "*"}
    read_one = {
        "Effect": "Allow",
        "Action": "ecs:GetSessionRecording",
        "Resource": f"acs:ecs:*:*:instance/{readable.instance_id}",
    }
    user = await make_user(search, read_one)
    # the three newer sessions on the hidden instance are skipped inside one call, not paged through
    found = await _search(user, "needle", MaxResults=1)
    assert [s["SessionId"] for s in found["Sessions"]] == [mine]
    assert "NextToken" not in found
    assert (await _search(user, "needle", InstanceId=hidden.instance_id))["Sessions"] == []

    no_read = await make_user(search)
    assert (await _search(no_read, "needle"))["Sessions"] == []
    no_search = await make_user(read_one)
    reply = await no_search.call("SearchSessionRecordings", {"Text": "needle"})
    assert (reply.status, reply.code) == (403, "Forbidden.RAM")
    assert "ecs:SearchSessionRecordings" in reply.body["Message"]


async def test_search_filters_and_paging(api, make_agent, make_user) -> None:
    agent = await make_agent()
    dial = _dialer(api)
    ids = [await _shell(api, agent, dial, [f"token-{i} marker\r\n".encode()]) for i in range(3)]
    for session_id in ids:
        await _indexed(api, session_id)
    seen, token = [], None
    while True:
        page = await _search(api, "marker", MaxResults=2, **({"NextToken": token} if token else {}))
        seen += [s["SessionId"] for s in page["Sessions"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert seen == ids[::-1]
    rows = {r["SessionId"]: r for r in (await api.ok("DescribeTerminalSessions", {"MaxResults": 10}))["Sessions"]}
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len((await _search(api, "marker", StartTimeAfter=hour_ago, StartTimeBefore=in_an_hour))["Sessions"]) == 3
    assert (await _search(api, "marker", StartTimeAfter=in_an_hour))["Sessions"] == []
    assert (await _search(api, "marker", StartTimeBefore=hour_ago))["Sessions"] == []
    assert (await _search(api, "marker", Principal="someone-else"))["Sessions"] == []
    assert len((await _search(api, "marker", Principal=rows[ids[0]]["PrincipalId"]))["Sessions"]) == 3
    assert len((await _search(api, "marker", MaxLinesPerSession=1))["Sessions"]) == 3
    reply = await api.call("SearchSessionRecordings", {"Text": "marker", "NextToken": "garbage!"})
    assert (reply.status, reply.code) == (400, "InvalidParameter")


async def test_describe_sessions_filters_and_row_fields(api, make_agent, make_user) -> None:
    agent = await make_agent()
    dial = _dialer(api)
    admin_session = await _shell(api, agent, dial, [b"hello\r\n"])
    user = await make_user(
        {"Effect": "Allow", "Action": ["ecs:StartTerminalSession", "ecs:DescribeTerminalSessions"], "Resource": "*"},
        name="carol",
    )
    carol_session = await _shell(user, agent, dial, [b"hi\r\n"])
    row = await _indexed(api, admin_session)
    assert row["Duration"] is not None and row["Duration"] >= 0.1
    assert row["ExitStatus"] == 0 and row["Kind"] == "shell"
    assert {"BytesFromClient", "BytesToClient"} <= row.keys()
    assert {"DeliveredTo", "DeliveredAt"} <= row["Recording"].keys()

    async def ids(**body: Any) -> list[str]:
        return [s["SessionId"] for s in (await api.ok("DescribeTerminalSessions", body))["Sessions"]]

    assert await ids(Principal="carol") == [carol_session]
    assert await ids(Principal="acs:ram::" + row["PrincipalId"].split("::")[1]) == [admin_session]
    assert await ids(Principal="car") == []
    assert await ids(InstanceId=agent.instance_id, Kind="shell", State="Terminated") == [carol_session, admin_session]
    assert await ids(Kind="port_forward") == []
    carol_created = datetime.fromisoformat(
        (await api.ok("DescribeTerminalSessions", {"SessionId": carol_session}))["Sessions"][0]["CreationTime"].replace(
            "Z", "+00:00"
        )
    )
    assert await ids(StartTimeBefore="2000-01-01T00:00:00Z") == []
    assert set(await ids(StartTimeAfter="2000-01-01T00:00:00+00:00")) == {carol_session, admin_session}
    assert carol_session in await ids(StartTimeAfter=carol_created.strftime("%Y-%m-%dT%H:%M:%SZ"))

    for field, value in [
        ("StartTimeAfter", "yesterday"),
        ("StartTimeBefore", "2026-11-28 25:00"),
        ("StartTimeAfter", "2026-11-28T11:40:24"),
    ]:
        reply = await api.call("DescribeTerminalSessions", {field: value})
        assert (reply.status, reply.code) == (400, "InvalidParameter"), reply
        assert field in reply.body["Message"] and "2026-11-28T11:40:24Z" in reply.body["Message"], reply.body
    reply = await api.call("DescribeTerminalSessions", {"Kind": "telnet"})
    assert reply.status == 400 and "Kind" in reply.body["Message"] and "port_forward" in reply.body["Message"]
    reply = await api.call(
        "DescribeTerminalSessions",
        {"StartTimeAfter": "2026-11-28T12:00:00Z", "StartTimeBefore": "2026-11-28T11:00:00Z"},
    )
    assert (reply.status, reply.code) == (400, "InvalidParameter.TimeRange")


async def test_recordings_sealed_while_nobody_indexed_are_indexed_at_start(make_server, api_for) -> None:
    """A crash can fall between sealing and indexing: the next start indexes what is sealed and not indexed."""
    server = await make_server()
    data_dir = server.state.config.data_dir
    await server.stop()
    db = Database(sqlite_url(data_dir / "tether.db"))
    now = datetime.now(UTC)
    await SessionRepo(db).create(
        session_id="s-crashed",
        instance_id="mi-x",
        principal="p",
        kind="shell",
        username=None,
        command=None,
        node=server.state.node_id,
        client_ip="",
        client_token_hash="x",
        client_token_expires_at=now,
        agent_token_hash="y",
        now=now,
    )
    relative = "recordings/2026/01/02/s-crashed.cast"
    await RecordingRepo(db).create(session_id="s-crashed", path=relative, started_at=now, input_recorded=False)
    lines = [{"version": 2, "width": 80, "height": 24}, [0.5, "o", "left behind\r\n"], [2.25, "o", "by a crash\r\n"]]
    (data_dir / relative).parent.mkdir(parents=True)
    (data_dir / relative).write_text("".join(json.dumps(line) + "\n" for line in lines))
    await db.dispose()

    api = api_for(await make_server())  # seals the leftover, then the indexer catches up
    await _indexed(api, "s-crashed")
    hit = (await _search(api, "crash"))["Sessions"][0]
    assert hit["SessionId"] == "s-crashed" and hit["Lines"] == [{"Time": 2.25, "Text": "by a crash"}]

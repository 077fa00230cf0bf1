"""Recording over a real server: a fake agent and client paired over TLS WebSockets, files checked byte for byte."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from support.frames import next_frame, pair_session
from support.wait import eventually

from tether.auth.signing import sign_request
from tether.protocol import Data, Exit, Resize, encode
from tether.recording.asciicast import iter_events, output_bytes, read_header
from tether.store import Database, RecordingRepo, SessionRepo, sqlite_url


async def _pair(api, agent, client_dial, body: dict | None = None):
    return await pair_session(api, agent, client_dial, body)


async def _row(api, session_id: str) -> dict:
    return (await api.ok("DescribeTerminalSessions", {"SessionId": session_id}))["Sessions"][0]


async def _sealed(api, session_id: str) -> dict:
    async def sealed() -> dict:
        row = await _row(api, session_id)
        assert row["Recording"] and row["Recording"]["Sealed"], row
        return row

    return await eventually(sealed, what=f"the recording of {session_id} to be sealed")


async def _terminated(api, session_id: str) -> dict:
    row = await _row(api, session_id)
    assert row["State"] == "Terminated", row
    return row


async def _exit(agent_ws, client_ws, status: int) -> None:
    await agent_ws.send_bytes(encode(Exit(status)))
    await agent_ws.close()
    assert await next_frame(client_ws) == Exit(status)
    await client_ws.close()


async def _fetch(api, session_id: str) -> tuple[int, str, bytes]:
    reply = await api.http.post(
        api.server.url + "/api/v1/GetSessionRecording",
        data=json.dumps({"SessionId": session_id}).encode(),
        headers={"Content-Type": "application/json", **_signed(api, {"SessionId": session_id})},
        ssl=api.ssl,
    )
    async with reply:
        return reply.status, reply.headers.get("Content-Type", ""), await reply.read()


def _signed(api, body: dict) -> dict[str, str]:
    return sign_request(
        "POST",
        "/api/v1/GetSessionRecording",
        json.dumps(body).encode(),
        api.key_id,
        api.secret,
        security_token=api.token,
    )


def _cast(server, session_id: str) -> Path:
    found = list((server.state.config.data_dir / "recordings").rglob(f"{session_id}.cast"))
    assert len(found) == 1, found
    return found[0]


async def test_output_resize_and_exit_are_recorded_and_sealed(api, server, make_agent, client_dial) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial, {"Username": "alice"})
    await client_ws.send_bytes(encode(Resize(cols=132, rows=43)))
    assert await next_frame(agent_ws) == Resize(cols=132, rows=43)
    cjk = "漢字テスト".encode()
    chunks = [b"prompt $ ", b"\xff\xfe raw \x80", cjk[:4], cjk[4:8], cjk[8:], bytes(range(256))]
    for chunk in chunks[:3]:
        await agent_ws.send_bytes(encode(Data(0, chunk)))
        assert await next_frame(client_ws) == Data(0, chunk)
    await client_ws.send_bytes(encode(Resize(cols=100, rows=30)))
    assert await next_frame(agent_ws) == Resize(cols=100, rows=30)
    await client_ws.send_bytes(encode(Data(0, b"typed secret\r")))
    assert await next_frame(agent_ws) == Data(0, b"typed secret\r")
    for chunk in chunks[3:]:
        await agent_ws.send_bytes(encode(Data(0, chunk)))
        assert await next_frame(client_ws) == Data(0, chunk)
    await _exit(agent_ws, client_ws, 5)

    row = await _sealed(api, session_id)
    path = _cast(server, session_id)
    data = path.read_bytes()
    assert row["Recording"].items() >= {
        "Exists": True,
        "Size": len(data),
        "Duration": row["Recording"]["Duration"],
        "Sha256": hashlib.sha256(data).hexdigest(),
        "Sealed": True,
    }.items()
    assert row["Recording"]["Duration"] >= 0
    header = read_header(path)
    assert (header["width"], header["height"]) == (132, 43)
    assert header["title"] == f"{agent.instance_id} as alice" and header["env"]["TERM"] == "xterm-256color"
    assert output_bytes(path) == b"".join(chunks)
    codes = [e[1:] for e in iter_events(path) if e[1] != "o"]
    assert codes == [("r", "100x30"), ("m", "exit 5")]  # no "i": input is not recorded by default
    assert b"typed secret" not in data

    status, content_type, body = await _fetch(api, session_id)
    assert (status, content_type, body) == (200, "application/x-asciicast", data)


async def test_input_is_recorded_when_record_input_is_on(api, server, make_agent, client_dial) -> None:
    config = {"SettingType": "SessionManagerConfig", "SessionManagerConfig": {"RecordInput": True}}
    await api.ok("ModifyCloudAssistantSettings", config)
    described = await api.ok("DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerConfig"]})
    assert described["SessionManagerConfig"].items() >= {"SessionManagerEnabled": True, "RecordInput": True}.items()
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial)
    await client_ws.send_bytes(encode(Data(0, "ls 日本\r".encode())))
    assert await next_frame(agent_ws) == Data(0, "ls 日本\r".encode())
    await _exit(agent_ws, client_ws, 0)
    await _sealed(api, session_id)
    path = _cast(server, session_id)
    assert [e[1:] for e in iter_events(path)] == [("i", "ls 日本\r"), ("m", "exit 0")]
    assert (read_header(path)["width"], read_header(path)["height"]) == (80, 24)


async def test_unsealed_recording_is_sealed_at_start(make_server, api_for, make_agent_for) -> None:
    """A crash leaves a row unsealed and a file ending in half a line; the next start seals it as it is."""
    server = await make_server()
    api, agent = await make_agent_for(server)

    async def dial(url: str) -> aiohttp.ClientWebSocketResponse:
        return await api.http.ws_connect(url, ssl=api.ssl, max_msg_size=0)

    session_id, _agent_ws, _client_ws = await _pair(api, agent, dial)
    data_dir = server.state.config.data_dir
    await server.stop()  # seals the session's recording; make a second one look like a crash left it
    db = Database(sqlite_url(data_dir / "tether.db"))
    now = datetime.now(UTC)
    sessions, recordings = SessionRepo(db), RecordingRepo(db)
    await sessions.create(
        session_id="s-crashed",
        instance_id=agent.instance_id,
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
    await recordings.create(session_id="s-crashed", path=relative, started_at=now, input_recorded=False)
    whole = b'{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "a"]\n[3.5, "o", "b"]\n'
    (data_dir / relative).parent.mkdir(parents=True)
    (data_dir / relative).write_bytes(whole + b'[4.0, "o", "cu')
    await db.dispose()

    restarted = await make_server()
    api = api_for(restarted)
    content = (data_dir / relative).read_bytes()  # the partial line cut, a "recording truncated" marker appended
    marker = f"recording truncated: the server stopped without closing this recording; output after 3.500s " \
             f"(byte offset {len(whole)}) may be missing"
    assert content == whole + json.dumps([3.5, "m", marker]).encode() + b"\n"
    recording = (await _row(api, "s-crashed"))["Recording"]
    assert recording.items() >= {
        "Exists": True,
        "Size": len(content),
        "Duration": 3.5,
        "Sha256": hashlib.sha256(content).hexdigest(),
        "Sealed": True,
        "Failure": marker,
    }.items()
    first = (await _row(api, session_id))["Recording"]
    assert first["Sealed"] and first["Exists"]


async def test_permission_and_not_found(api, server, make_agent, client_dial, make_user) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial)
    await agent_ws.send_bytes(encode(Data(0, b"hi")))
    await next_frame(client_ws)
    await _exit(agent_ws, client_ws, 0)
    await _sealed(api, session_id)
    describer = await make_user({"Effect": "Allow", "Action": ["ecs:DescribeTerminalSessions"], "Resource": "*"})
    status, _, body = await _fetch(describer, session_id)
    assert (status, json.loads(body)["Code"]) == (403, "Forbidden.RAM")
    reader = await make_user({"Effect": "Allow", "Action": ["ecs:GetSessionRecording"], "Resource": "*"})
    status, _, body = await _fetch(reader, session_id)
    assert status == 200 and output_bytes_of(body) == b"hi"
    status, _, body = await _fetch(api, "s-nope")
    assert (status, json.loads(body)["Code"]) == (404, "InvalidSession.NotFound")
    events = (await api.ok("LookupEvents", {"EventName": "GetSessionRecording"}))["Events"]
    outcomes = sorted((e["HttpStatus"], e["Result"], e["SessionId"]) for e in events)  # raw responses are audited
    assert outcomes == [
        (200, "Success", session_id),
        (403, "Forbidden.RAM", session_id),
        (404, "InvalidSession.NotFound", "s-nope"),
    ]


def output_bytes_of(body: bytes) -> bytes:
    lines = [json.loads(line) for line in body.splitlines()[1:]]
    return b"".join(e[2].encode("utf-8", "surrogateescape") for e in lines if e[1] == "o")


async def test_port_forward_sessions_are_not_recorded(api, server, make_agent, client_dial) -> None:
    agent = await make_agent()
    session_id, agent_ws, client_ws = await _pair(api, agent, client_dial, {"PortNumber": 22})
    await agent_ws.close()
    await client_ws.close()
    row = await eventually(lambda: _terminated(api, session_id), what=f"{session_id} to be Terminated")
    assert row["Recording"] is None
    assert not list((server.state.config.data_dir / "recordings").rglob(f"{session_id}.cast"))
    status, _, body = await _fetch(api, session_id)
    assert (status, json.loads(body)["Code"]) == (404, "Recording.NotFound")

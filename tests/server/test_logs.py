"""What the server logs from a request cannot forge a log line or carry a terminal escape."""

from __future__ import annotations

import base64
import io
import logging

from tether.auth.agentkey import sign_challenge
from tether.protocol import control
from tether.server.logs import PrintableMessages, printable


async def test_access_log_escapes_control_characters(api, caplog) -> None:
    caplog.set_level(logging.INFO, logger="tether.access")
    forged = "/x%0a2026-01-01 00:00:00 INFO tether.access: 10.0.0.1 \"POST /api/v1/CreateUser\" 200%0d%1b[31m%c2%85"
    async with api.http.get(api.server.url + forged, ssl=api.ssl) as resp:
        assert resp.status == 404 and (await resp.json())["Code"] == "NotFound"
    lines = [r.getMessage() for r in caplog.records if r.name == "tether.access" and "/x" in r.getMessage()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\x85" not in line
    assert "/x\\n2026-01-01" in line and "\\x1b[31m" in line


async def test_unknown_path_and_wrong_method_are_coded(api) -> None:
    async with api.http.get(api.server.url + "/api/v1/DescribeInstances", ssl=api.ssl) as resp:
        assert resp.status == 405 and (await resp.json())["Code"] == "MethodNotAllowed"
        assert resp.headers["Allow"] == "POST"
    async with api.http.post(api.server.url + "/nothing/here", ssl=api.ssl) as resp:
        assert resp.status == 404 and (await resp.json())["Code"] == "NotFound"


def test_printable_and_the_handler_filter() -> None:
    assert printable("a\nb\r\t\x00\x7f\x9b\u2028ok") == "a\\nb\\r\\t\\x00\\x7f\\x9b\\u2028ok"
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(PrintableMessages())
    logger = logging.getLogger("tether.test.printable")
    logger.addHandler(handler)
    try:
        logger.warning("user %s said %r", "eve\nFAKE LINE", "\x1b]0;title\x07")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().count("\n") == 1 and "\x1b" not in out.getvalue()


async def test_agent_reported_text_is_escaped_in_the_log(api, make_agent, caplog) -> None:
    caplog.set_level(logging.INFO, logger="tether.server.control")
    agent = await make_agent(connect=False)
    agent.ws = await api.http.ws_connect(agent.base_ws + "/agent/v1/control", ssl=api.ssl)
    challenge = control.decode_control((await agent.ws.receive(timeout=5)).data)
    assert isinstance(challenge, control.Challenge)
    hello = control.AgentHello(
        instance_id=agent.instance_id,
        signature=sign_challenge(agent.key, base64.b64decode(challenge.nonce), agent.instance_id),
        agent_version="1.0\n2026-01-01 00:00:00 INFO tether.server.control: agent mi-x connected\x1b[2J",
    )
    await agent.ws.send_str(control.encode_control(hello))
    assert isinstance(control.decode_control((await agent.ws.receive(timeout=5)).data), control.Welcome)
    lines = [r.getMessage() for r in caplog.records if "connected from" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "\x1b" not in lines[0], lines
    assert "1.0\\n2026-01-01" in lines[0]
    await agent.ws.close()

"""Deeply nested JSON to every body the server parses is a coded 400, never a 500 (RecursionError)."""

from __future__ import annotations

from support.wait import eventually

from tether.protocol import control

DEEP = b"[" * 2040
DEEP_OBJECT = b'{"a":' * 2040


async def test_deep_json_to_the_signed_api_and_register_instance(api) -> None:
    for body in (DEEP, DEEP_OBJECT, b"[" * 33 + b"]" * 33):
        reply = await api.call("DescribeInstances", raw=body)
        assert (reply.status, reply.code) == (400, "InvalidParameter.JsonDepth"), reply
        reply = await api.call("RegisterInstance", raw=body, signed=False)
        assert (reply.status, reply.code) == (400, "InvalidParameter.JsonDepth"), reply
    assert (await api.call("DescribeInstances")).status == 200  # still serving


async def test_deep_json_to_console_signin(api) -> None:
    for body in (DEEP, b'{"a":' * 800):  # the sign-in body is at most 4 KiB
        async with api.http.post(
            api.server.url + "/console/v1/signin", data=body, headers={"Content-Type": "application/json"},
            ssl=api.ssl,
        ) as resp:
            assert resp.status == 400 and (await resp.json())["Code"] == "InvalidParameter.JsonDepth"


async def test_deep_policy_document_is_a_coded_error(api) -> None:
    document = '{"Version": "1", "Statement": ' + "[" * 2000 + "]" * 2000 + "}"
    reply = await api.call("CreatePolicy", {"PolicyName": "deep", "PolicyDocument": document})
    assert reply.status == 400 and "nested more than 32 levels" in reply.body["Message"], reply


async def test_deep_json_on_the_agent_control_channel(api, make_agent) -> None:
    agent = await make_agent()
    assert agent.ws is not None
    await agent.ws.send_str("[" * 2040)
    await agent.ws.send_str('{"type": "heartbeat", "x": ' + "[" * 100 + "]" * 100 + "}")

    async def answered() -> list:
        errors = [m for m in agent.received if isinstance(m, control.ControlError)]
        return errors if len(errors) >= 2 else []

    errors = await eventually(answered, what="the server's answers to the deep messages")
    assert all(e.code == "InvalidMessage" and "deeper than 32" in e.message for e in errors), errors
    assert not agent.closed.is_set()  # the channel stays up, and the server keeps serving
    assert (await api.call("DescribeInstances")).status == 200

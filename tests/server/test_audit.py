"""The audit trail: a row for every call (successes, denials, authentication and validation failures, crashes),
the deciding statement, session start and end, LookupEvents filters and paging, and no secrets anywhere."""

from __future__ import annotations

import json

from sqlalchemy import select
from support.wait import eventually

from tether.protocol import Hello, encode
from tether.store import AuditEvent

DESCRIBE = {"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}


async def _events(api, **filters) -> list[dict]:
    return (await api.ok("LookupEvents", {"MaxResults": 100, **filters}))["Events"]


async def _by_request(api, request_id: str) -> dict:
    for event in await _events(api):
        if event["RequestId"] == request_id:
            return event
    raise AssertionError(f"no audit event for request {request_id}")


async def test_every_call_is_audited_with_its_decision(api, server, make_user) -> None:
    account = server.state.account_id
    ok = await api.call("DescribeInstances", {})
    event = await _by_request(api, ok.body["RequestId"])
    assert event["EventName"] == "DescribeInstances" and event["Result"] == "Success" and event["HttpStatus"] == 200
    assert event["UserIdentity"]["PrincipalArn"] == f"acs:ram::{account}:root"
    assert event["UserIdentity"]["AccessKeyId"] == api.key_id and event["SourceIpAddress"] == "127.0.0.1"
    assert event["Decision"] == {"Effect": "Allow", "PolicyName": "(root)", "StatementIndex": None}
    assert event["ResourceName"] == "*" and event["EventType"] == "ApiCall"

    deny = {"Effect": "Deny", "Action": "ecs:DescribeInstances", "Resource": "*",
            "Condition": {"StringEquals": {"acs:SecureTransport": "true"}}}
    user = await make_user(DESCRIBE, deny, name="dana")
    denied = await user.call("DescribeInstances", {})
    assert denied.code == "Forbidden.RAM"
    event = await _by_request(api, denied.body["RequestId"])
    assert event["Result"] == "Forbidden.RAM" and event["HttpStatus"] == 403
    assert event["Decision"] == {"Effect": "Deny", "PolicyName": "dana-policy", "StatementIndex": 1}
    assert event["UserIdentity"]["PrincipalArn"] == f"acs:ram::{account}:user/dana"

    allowed_user = await make_user(DESCRIBE, name="erin")
    allowed = await allowed_user.call("DescribeInstances", {})
    event = await _by_request(api, allowed.body["RequestId"])
    assert event["Decision"] == {"Effect": "Allow", "PolicyName": "erin-policy", "StatementIndex": 0}

    implicit = await allowed_user.call("CreateActivation", {})
    event = await _by_request(api, implicit.body["RequestId"])
    assert event["Decision"]["Effect"] == "ImplicitDeny" and event["Decision"]["PolicyName"] is None

    bad_signature = await api.call("DescribeInstances", {}, secret="wrong")
    event = await _by_request(api, bad_signature.body["RequestId"])
    assert event["Result"] == "SignatureDoesNotMatch" and event["HttpStatus"] == 401
    assert event["UserIdentity"]["PrincipalArn"] is None and event["UserIdentity"]["AccessKeyId"] == api.key_id
    assert event["Decision"]["Effect"] is None

    unsigned = await api.call("DescribeInstances", {}, signed=False)
    assert (await _by_request(api, unsigned.body["RequestId"]))["Result"] == "MissingAuthorization"
    invalid = await api.call("CreateActivation", {"InstanceCount": 0})
    event = await _by_request(api, invalid.body["RequestId"])
    assert event["Result"] == "InvalidParameter" and event["UserIdentity"]["PrincipalArn"].endswith(":root")
    unknown = await api.call("NoSuchAction", {})
    assert (await _by_request(api, unknown.body["RequestId"]))["Result"] == "InvalidAction.NotFound"


async def test_failed_requests_keep_their_rows(api, server, monkeypatch) -> None:
    async def boom(*_args, **_kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(server.state.instances, "page", boom)
    reply = await api.call("DescribeInstances", {})
    assert reply.code == "InternalError"
    monkeypatch.undo()
    event = await _by_request(api, reply.body["RequestId"])
    assert event["Result"] == "InternalError" and event["HttpStatus"] == 500


async def test_lookup_events_filters_and_pages(api, server, make_user) -> None:
    user = await make_user(DESCRIBE, name="finn")
    for _ in range(3):
        await user.ok("DescribeInstances", {})
    await user.call("CreateUser", {"UserName": "nope"})
    finn = f"acs:ram::{server.state.account_id}:user/finn"
    mine = await _events(api, PrincipalArn=finn)
    assert [e["EventName"] for e in mine] == ["CreateUser"] + ["DescribeInstances"] * 3  # newest first
    assert [e["EventName"] for e in await _events(api, PrincipalArn=finn, Result="Failure")] == ["CreateUser"]
    assert len(await _events(api, PrincipalArn=finn, Result="Forbidden.RAM")) == 1
    assert len(await _events(api, PrincipalArn=finn, EventName="DescribeInstances", Result="Success")) == 3
    resource = f"acs:ram::{server.state.account_id}:user/nope"
    assert [e["EventName"] for e in await _events(api, ResourceName=resource)] == ["CreateUser"]

    pages, token = [], None
    while True:
        body = {"PrincipalArn": finn, "MaxResults": 3}
        if token:
            body["NextToken"] = token
        page = await api.ok("LookupEvents", body)
        pages.append([e["EventId"] for e in page["Events"]])
        token = page.get("NextToken")
        if token is None:
            break
    assert [len(p) for p in pages] == [3, 1] and len(set(pages[0] + pages[1])) == 4
    newest = mine[0]["EventTime"]
    assert await _events(api, PrincipalArn=finn, StartTime=newest, EndTime=newest)
    assert await _events(api, PrincipalArn=finn, EndTime="2000-01-01T00:00:00Z") == []
    reply = await api.call("LookupEvents", {"StartTime": "yesterday"})
    assert reply.code == "InvalidParameter" and "StartTime" in reply.body["Message"]
    assert (await api.call("LookupEvents", {"NextToken": "garbage"})).code == "InvalidParameter"
    assert (await api.call("LookupEvents", {"MaxResults": 101})).code == "InvalidParameter"
    assert (await user.call("LookupEvents", {})).code == "Forbidden.RAM"


async def test_sessions_start_and_end_are_audited(api, make_agent, client_dial) -> None:
    agent = await make_agent()
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    session_id = started["SessionId"]
    open_msg = await agent.next_open()
    agent_ws = await agent.dial(open_msg)
    await agent_ws.send_bytes(encode(Hello()))
    client_ws = await client_dial(started["WebSocketUrl"])
    await client_ws.send_bytes(encode(Hello()))
    await client_ws.receive(timeout=5)
    await api.ok("EndTerminalSession", {"SessionId": session_id})

    async def names() -> list[str]:
        names = [e["EventName"] for e in await _events(api) if e["SessionId"] == session_id]
        assert "SessionEnd" in names, names
        return names

    # newest first; an API call is dated when it arrived, so EndTerminalSession precedes the end it caused
    assert await eventually(names, what="the SessionEnd event") == [
        "SessionEnd", "EndTerminalSession", "SessionStart", "StartTerminalSession"
    ]
    end = next(e for e in await _events(api, EventName="SessionEnd") if e["SessionId"] == session_id)
    assert end["EventType"] == "Session" and end["Detail"] == "terminated" and end["InstanceId"] == agent.instance_id
    assert end["UserIdentity"]["PrincipalArn"].endswith(":root")


async def test_no_secrets_in_audit_rows(api, server, make_user) -> None:
    user = await make_user(DESCRIBE, name="gil")
    key = (await api.ok("CreateAccessKey", {"UserName": "gil"}))["AccessKey"]
    await api.ok("CreateLoginProfile", {"UserName": "gil", "Password": "hunter2-hunter2"})
    await user.ok("DescribeInstances", {})
    async with server.state.db.transaction() as s:
        rows = (await s.scalars(select(AuditEvent))).all()
    dump = json.dumps([{c.name: str(getattr(r, c.name)) for c in AuditEvent.__table__.columns} for r in rows])
    assert user.key_id in dump
    for secret in (key["AccessKeySecret"], user.secret, api.secret, "hunter2-hunter2"):
        assert secret not in dump

"""The Cloud Assistant agent's signed requests: registration through tether's activation rules, and every way a
request can be forged, replayed, stale or aimed at another instance's channel is refused while the server keeps
serving."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from support.assist_agent import AssistAgent
from support.wait import eventually

from tether.auth.assist import sign_headers
from tether.server import RunningServer

AssistFactory = Callable[..., Awaitable[AssistAgent]]


async def call(agent: AssistAgent, path: str, headers: dict[str, str], method: str = "GET") -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, agent.url(path), headers=headers, ssl=agent.ssl) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


HEARTBEAT = "/luban/api/heart-beat?uptime=1"


async def test_registration_uses_the_activation_rules(api: Any, server: RunningServer, tmp_path: Path) -> None:
    activation = await api.ok("CreateActivation", {"InstanceCount": 1})
    agent = AssistAgent(
        server.url.removeprefix("https://"), tmp_path / "a", ca_cert=str(server.admin_credentials.ca_cert)
    )
    wrong = await agent.register("cn-hangzhou", activation["ActivationId"], "not-the-code")
    assert wrong["errCode"] == "InvalidActivationCode"
    assert not (agent.hybrid / "instance-id").exists()
    ok = await agent.register("cn-hangzhou", activation["ActivationId"], activation["ActivationCode"])
    assert ok["code"] == 200 and ok["instanceId"].startswith("mi-")
    again = await AssistAgent(agent.server, tmp_path / "b", ca_cert=str(server.admin_credentials.ca_cert)).register(
        "cn-hangzhou", activation["ActivationId"], activation["ActivationCode"]
    )
    assert again["errCode"] == "InvalidActivation.UsageLimitExceeded"
    listed = await api.ok("DescribeActivations", {"ActivationId": activation["ActivationId"]})
    assert listed["Activations"][0]["RegisteredCount"] == 1


async def test_instance_shows_kind_version_and_status(api: Any, assist: AssistAgent) -> None:
    async def online() -> dict[str, Any] | None:
        row: dict[str, Any] = (await api.ok("DescribeInstances", {"InstanceIds": [assist.instance_id]}))["Instances"][0]
        return row if row["Status"] == "Online" else None

    row = await eventually(online, what="the instance Online")
    assert row["AgentKind"] == "cloud_assistant"
    assert row["AgentVersion"] == assist.version
    assert (row["LoginUser"], row["LoginUserSudo"]) == ("ecs-assist-user", True)
    status = await api.ok("DescribeCloudAssistantStatus", {"InstanceId": [assist.instance_id]})
    entry = status["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0]
    assert (entry["CloudAssistantStatus"], entry["CloudAssistantVersion"]) == ("true", assist.version)


async def test_forged_replayed_and_stale_requests_are_refused(assist: AssistAgent) -> None:
    good = assist.headers()
    assert (await call(assist, HEARTBEAT, good))[0] == 200
    status, body = await call(assist, HEARTBEAT, good)  # the same request id again
    assert (status, body["errCode"]) == (401, "InvalidRequestId.Replayed")

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = sign_headers(other_key, assist.instance_id, assist.machine_id)
    status, body = await call(assist, HEARTBEAT, forged)
    assert (status, body["errCode"]) == (401, "InvalidSignature")
    wrong_machine = sign_headers(assist.key(), assist.instance_id, "another-machine")
    assert (await call(assist, HEARTBEAT, wrong_machine))[1]["errCode"] == "InvalidSignature"
    tampered = {**assist.headers(), "x-acs-request-id": str(uuid.uuid4())}  # signature over another id
    assert (await call(assist, HEARTBEAT, tampered))[1]["errCode"] == "InvalidSignature"

    stale = assist.headers(timestamp_ms=int((time.time() - 301) * 1000))
    status, body = await call(assist, HEARTBEAT, stale)
    assert (status, body["errCode"]) == (401, "InvalidTimestamp.Expired")
    future = assist.headers(timestamp_ms=int((time.time() + 301) * 1000))
    assert (await call(assist, HEARTBEAT, future))[1]["errCode"] == "InvalidTimestamp.Expired"

    missing = {k: v for k, v in assist.headers().items() if k != "x-acs-signature"}
    assert (await call(assist, HEARTBEAT, missing))[1]["errCode"] == "MissingSignature"
    status, body = await call(assist, HEARTBEAT, assist.headers())  # and the server keeps serving
    assert status == 200 and 55000 <= body["nextInterval"] <= 65000


async def test_the_agents_periodic_calls_are_answered(assist: AssistAgent) -> None:
    assert (await call(assist, "/luban/api/v1/update/update_check", assist.headers(), "POST"))[1]["need_update"] == 0
    for path in ("/luban/api/v1/task/list", "/luban/api/metrics", "/luban/api/v1/exception/client_report"):
        assert (await call(assist, path, assist.headers(), "POST")) == (200, {"code": 200})


async def test_an_instance_never_reaches_another_instances_channel(api: Any, make_assist: AssistFactory) -> None:
    owner = await make_assist()
    thief = await make_assist()
    owner.start_delay = 30.0  # keep the owner's shell from starting: only its channel matters here
    started = await api.ok("StartTerminalSession", {"InstanceId": owner.instance_id})
    channel = started["SessionId"]
    await eventually(lambda: f"kick_vm session start {channel}" in owner.kicks, what="the kick")
    status, body = await call(thief, f"/luban/api/v1/session/list?channelId={channel}", thief.headers(), "POST")
    assert (status, body) == (200, {"code": 200, "session": []})
    status, body = await call(owner, f"/luban/api/v1/session/list?channelId={channel}", owner.headers(), "POST")
    assert body["session"][0]["channelId"] == channel and body["session"][0]["portNumber"] == ""
    status, body = await call(thief, f"/luban/session/backend?channelId={channel}", thief.headers())
    assert (status, body["errCode"]) == (404, "InvalidChannel.NotFound")


async def test_unsupported_operations_have_clear_codes(api: Any, assist: AssistAgent) -> None:
    key = await api.call(
        "SendSSHPublicKey",
        {"InstanceId": assist.instance_id, "UserName": "ecs-assist-user", "SSHPublicKey": "ssh-ed25519 AAAA x"},
    )
    assert (key.status, key.code) == (409, "UnsupportedOperation.CloudAssistantAgent")
    root = await api.call("StartTerminalSession", {"InstanceId": assist.instance_id, "Username": "root"})
    assert (root.status, root.code) == (409, "InvalidUser.NotAllowed")


async def test_deregistering_drops_the_agent_and_refuses_it(api: Any, assist: AssistAgent) -> None:
    await api.ok("DeregisterInstance", {"InstanceId": assist.instance_id})
    await eventually(lambda: not assist.connected.is_set(), what="the notify socket to drop")
    status, body = await call(assist, HEARTBEAT, assist.headers())
    assert (status, body["errCode"]) == (401, "InvalidInstance.NotFound")


@pytest.mark.parametrize("path", ["/luban/api/heart-beat", "/luban/api/instance/register"])
async def test_luban_needs_tls(make_server: Any, path: str) -> None:
    plain = await make_server(tls=False)
    async with aiohttp.ClientSession() as http, http.post(plain.url + path, json={}) as resp:
        assert resp.status == 403
        assert (await resp.json(content_type=None))["errCode"] == "TlsRequired"


NO_SUDO = {
    "Effect": "Allow",
    "Action": "ecs:StartTerminalSession",
    "Resource": "*",
    "Condition": {"Bool": {"ecs:Sudo": False}},
}
NOT_ASSIST_USER = [
    {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"},
    {
        "Effect": "Deny",
        "Action": "ecs:StartTerminalSession",
        "Resource": "*",
        "Condition": {"StringEquals": {"ecs:Username": "ecs-assist-user"}},
    },
]


async def test_policies_see_ecs_assist_user_with_sudo(assist: AssistAgent, make_user: Any) -> None:
    no_sudo = await make_user(NO_SUDO)
    reply = await no_sudo.call("StartTerminalSession", {"InstanceId": assist.instance_id})
    assert (reply.status, reply.code) == (409, "UnsupportedOperation.NoNewPrivileges")
    denied = await (await make_user(*NOT_ASSIST_USER)).call("StartTerminalSession", {"InstanceId": assist.instance_id})
    assert (denied.status, denied.code) == (403, "Forbidden.RAM")

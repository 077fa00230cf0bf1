"""API requests: signatures, replays, skew, tampering, limits, validation, authorisation, activations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tether.auth.agentkey import generate_key, public_key_text
from tether.auth.signing import sign_request
from tether.auth.tokens import hash_token


async def test_unsigned_and_malformed_authorization(api) -> None:
    reply = await api.call("DescribeInstances", {}, signed=False)
    assert (reply.status, reply.code) == (401, "MissingAuthorization")
    assert reply.body["RequestId"] and reply.body["Message"]


async def test_wrong_secret_unknown_key_replayed_nonce_and_skew(api) -> None:
    reply = await api.call("DescribeInstances", {}, secret="wrong-secret")
    assert (reply.status, reply.code) == (401, "SignatureDoesNotMatch")
    reply = await api.call("DescribeInstances", {}, key_id="TAKNOPE")
    assert (reply.status, reply.code) == (401, "InvalidAccessKeyId.NotFound")

    nonce = "replayed-nonce-0123456789"
    assert (await api.call("DescribeInstances", {}, nonce=nonce)).status == 200
    reply = await api.call("DescribeInstances", {}, nonce=nonce)
    assert (reply.status, reply.code) == (401, "SignatureNonceUsed")

    reply = await api.call("DescribeInstances", {}, now=datetime.now(UTC) - timedelta(minutes=16))
    assert (reply.status, reply.code) == (401, "InvalidTimeStamp.Expired")


async def test_tampered_body_is_rejected(api) -> None:
    reply = await api.call("CreateActivation", {"InstanceCount": 1}, send=json.dumps({"InstanceCount": 999}).encode())
    assert (reply.status, reply.code) == (400, "ContentSHA256Mismatch")


async def test_inactive_key_and_forbidden_principal(api, server) -> None:
    state = server.state
    await state.access_keys.create("TAKUSER", "acs:ram::1:user/alice", state.secretbox.encrypt("alice-secret"))
    reply = await api.call("DescribeInstances", {}, key_id="TAKUSER", secret="alice-secret")
    assert (reply.status, reply.code) == (403, "Forbidden.RAM")
    assert reply.body["Message"] == "You are not authorized to do action ecs:DescribeInstances on resource *."
    await state.access_keys.set_status("TAKUSER", "Inactive")
    reply = await api.call("DescribeInstances", {}, key_id="TAKUSER", secret="alice-secret")
    assert (reply.status, reply.code) == (401, "InvalidAccessKeyId.Inactive")


async def test_body_limits_and_validation(api) -> None:
    reply = await api.call("NoSuchAction", {})
    assert (reply.status, reply.code) == (404, "InvalidAction.NotFound")
    big = b'{"Description": "' + b"x" * (1024 * 1024) + b'"}'
    reply = await api.call("CreateActivation", raw=big)
    assert (reply.status, reply.code) == (413, "RequestTooLarge")
    reply = await api.call("CreateActivation", raw=b"[1, 2]")
    assert (reply.status, reply.code) == (400, "InvalidParameter")
    reply = await api.call("CreateActivation", raw=b"{not json")
    assert (reply.status, reply.code) == (400, "InvalidParameter")
    reply = await api.call("CreateActivation", {"InstanceCount": 0})
    assert reply.code == "InvalidParameter" and "InstanceCount" in reply.body["Message"]
    reply = await api.call("CreateActivation", {"Bogus": 1})
    assert reply.code == "InvalidParameter" and "Bogus" in reply.body["Message"]
    reply = await api.call("DeleteActivation", {})
    assert reply.code == "MissingParameter" and "ActivationId" in reply.body["Message"]
    assert (await api.call("CreateActivation", raw=b"")).status == 200  # empty body means {}


async def test_internal_errors_are_opaque_and_logged(api, server, monkeypatch, caplog) -> None:
    async def boom(*_args, **_kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(server.state.instances, "page", boom)
    reply = await api.call("DescribeInstances", {})
    assert (reply.status, reply.code) == (500, "InternalError")
    assert "exploded" not in reply.body["Message"]
    assert reply.body["RequestId"] in caplog.text


def _register_body(activation: dict, key=None) -> dict:
    return {
        "ActivationId": activation["ActivationId"],
        "ActivationCode": activation["ActivationCode"],
        "PublicKey": public_key_text(key or generate_key()),
        "Hostname": "h",
    }


async def test_activation_life_cycle_and_registration_rules(api, server) -> None:
    activation = await api.ok("CreateActivation", {"Description": "d", "InstanceName": "web", "InstanceCount": 1})
    assert activation["ActivationId"].startswith("act-")
    listed = await api.ok("DescribeActivations", {"ActivationId": activation["ActivationId"]})
    row = listed["Activations"][0]
    assert (row["InstanceName"], row["InstanceCount"], row["RegisteredCount"], listed["TotalCount"]) == (
        "web",
        1,
        0,
        1,
    )
    assert "ActivationCode" not in row

    wrong = dict(_register_body(activation), ActivationCode="guess")
    reply = await api.call("RegisterInstance", wrong, signed=False)
    assert (reply.status, reply.code) == (401, "InvalidActivationCode")
    bad_key = dict(_register_body(activation), PublicKey="bm90IGEga2V5")
    reply = await api.call("RegisterInstance", bad_key, signed=False)
    assert reply.code == "InvalidParameter" and "PublicKey" in reply.body["Message"]

    registered = await api.ok("RegisterInstance", _register_body(activation), signed=False)
    assert registered["InstanceId"].startswith("mi-") and len(registered["InstanceId"]) == 20
    reply = await api.call("RegisterInstance", _register_body(activation), signed=False)
    assert (reply.status, reply.code) == (400, "InvalidActivation.UsageLimitExceeded")
    instance = (await api.ok("DescribeInstances", {"InstanceIds": [registered["InstanceId"]]}))["Instances"][0]
    assert instance["InstanceName"] == "web" and instance["Status"] == "Offline"

    await api.ok("DeleteActivation", {"ActivationId": activation["ActivationId"]})
    reply = await api.call("RegisterInstance", _register_body(activation), signed=False)
    assert (reply.status, reply.code) == (404, "InvalidActivation.NotFound")
    assert (await api.ok("DescribeInstances", {}))["TotalCount"] == 1  # registered instances stay

    now = datetime.now(UTC)
    await server.state.activations.create(
        activation_id="act-old",
        code_hash=hash_token("code"),
        description="",
        instance_name="",
        usage_limit=5,
        expires_at=now - timedelta(seconds=1),
        now=now - timedelta(hours=1),
    )
    reply = await api.call(
        "RegisterInstance", _register_body({"ActivationId": "act-old", "ActivationCode": "code"}), signed=False
    )
    assert (reply.status, reply.code) == (400, "InvalidActivation.Expired")


async def test_sign_request_helper_path_excludes_query(api) -> None:
    """The signature covers the path only; a query string does not change it."""
    path = "/api/v1/DescribeInstances"
    headers = sign_request("POST", path, b"{}", api.key_id, api.secret)
    async with api.http.post(api.server.url + path + "?x=1", data=b"{}", headers=headers, ssl=api.ssl) as resp:
        assert resp.status == 200

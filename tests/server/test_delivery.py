"""The delivery API over a real server: SessionManagerDeliveryConfig in and out (the secret never out, encrypted at
rest), validation, DescribeDeliveryStatus and its policy action, and GetSessionRecording of a pruned recording."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import update

from tether.auth.tokens import new_id
from tether.recording import delivery
from tether.store import Recording, SessionState

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GOOD = {
    "Enabled": True,
    "Endpoint": "http://127.0.0.1:9/",
    "Bucket": "tether-recordings",
    "Prefix": "/prod/rec/",
    "Region": "eu-west-1",
    "AccessKeyId": "AKIAEXAMPLE",
    "SecretAccessKey": SECRET,
    "DeliverAuditEvents": True,
    "LocalRetentionDays": 3,
}


def _modify(config: dict) -> dict:
    return {"SettingType": "SessionManagerDeliveryConfig", "SessionManagerDeliveryConfig": config}


async def test_config_round_trip_never_returns_the_secret(api, server) -> None:
    await api.ok("ModifyCloudAssistantSettings", _modify(GOOD))
    reply = await api.ok("DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerDeliveryConfig"]})
    assert reply["SessionManagerDeliveryConfig"] == {
        "Enabled": True,
        "Endpoint": "http://127.0.0.1:9",
        "Bucket": "tether-recordings",
        "Prefix": "prod/rec",
        "Region": "eu-west-1",
        "AccessKeyId": "AKIAEXAMPLE",
        "SecretAccessKeySet": True,
        "DeliverAuditEvents": True,
        "LocalRetentionDays": 3,
    }
    assert "SessionManagerConfig" not in reply  # only what was asked for
    both = await api.ok(
        "DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerConfig", "SessionManagerDeliveryConfig"]}
    )
    assert {"SessionManagerConfig", "SessionManagerDeliveryConfig"} <= set(both)
    assert SECRET not in str(both)

    stored = await server.state.settings.get(delivery.CONFIG_KEY)
    assert stored is not None and SECRET not in stored and '"secret_encrypted": "v1:' in stored
    db_files = list((server.state.config.data_dir).glob("tether.db*"))
    assert db_files and all(SECRET.encode() not in path.read_bytes() for path in db_files)

    # a change of one field keeps the others, the secret included
    await api.ok("ModifyCloudAssistantSettings", _modify({"Enabled": False}))
    config = (await api.ok("DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerDeliveryConfig"]}))[
        "SessionManagerDeliveryConfig"
    ]
    assert config["Enabled"] is False and config["SecretAccessKeySet"] is True and config["Bucket"]
    stored_config = await delivery.load_config(server.state.settings)
    assert stored_config.target(server.state.secretbox).secret_access_key == SECRET


async def test_bad_settings_are_refused_with_the_reason(api) -> None:
    cases = [
        ({**GOOD, "Endpoint": "s3.example.com"}, "InvalidParameter.SessionManagerDeliveryConfig", "http:// or https://"),
        ({**GOOD, "Bucket": "Bad_Bucket"}, "InvalidParameter.SessionManagerDeliveryConfig", "not a valid bucket name"),
        ({**GOOD, "Prefix": "a/../b"}, "InvalidParameter.SessionManagerDeliveryConfig", "'..'"),
        ({"Enabled": True}, "InvalidParameter.SessionManagerDeliveryConfig", "Bucket is not set"),
        ({"Bucket": "abc", "AccessKeyId": "AKIA1"}, "InvalidParameter.SessionManagerDeliveryConfig", "set together"),
        ({**GOOD, "LocalRetentionDays": -1}, "InvalidParameter", "LocalRetentionDays"),
        ({**GOOD, "Unknown": 1}, "InvalidParameter", "Unknown"),
        ({}, "MissingParameter", "at least one field"),
    ]
    for config, code, text in cases:
        reply = await api.call("ModifyCloudAssistantSettings", _modify(config))
        assert (reply.status, reply.code) == (400, code), (config, reply)
        assert text in reply.body["Message"], reply.body
    reply = await api.call("ModifyCloudAssistantSettings", {"SettingType": "SessionManagerDeliveryConfig"})
    assert reply.code == "MissingParameter" and "SessionManagerDeliveryConfig" in reply.body["Message"]


async def test_status_shows_failures_and_needs_its_policy_action(api, server, make_user, monkeypatch) -> None:
    monkeypatch.setattr(delivery, "POLL_INTERVAL", 0.1)
    await api.ok("ModifyCloudAssistantSettings", _modify({**GOOD, "DeliverAuditEvents": False}))  # port 9: closed
    session_id = await _sealed_recording(server)
    assert server.delivery is not None
    server.delivery.wake()
    for _ in range(300):
        status = await api.ok("DescribeDeliveryStatus", {})
        if status["Failures"]:
            break
        await asyncio.sleep(0.1)
    assert status["Enabled"] is True and status["Destination"] == "s3://tether-recordings/prod/rec/"
    assert status["Queue"] == {"Pending": 0, "FailedRetrying": 1, "Delivered": 0, "Failed": 0}
    (failure,) = status["Failures"]
    assert failure["SessionId"] == session_id and failure["State"] == "failed-retrying"
    assert failure["LastError"].startswith("could not connect to http://127.0.0.1:9")
    assert failure["NextAttemptTime"] and failure["ObjectKey"].startswith("prod/rec/")
    assert status["OldestPendingTime"] and status["LastDeliveryTime"] is None

    nobody = await make_user({"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"})
    assert (await nobody.call("DescribeDeliveryStatus", {})).code == "Forbidden.RAM"
    reader = await make_user({"Effect": "Allow", "Action": "ecs:DescribeDeliveryStatus", "Resource": "*"})
    assert (await reader.ok("DescribeDeliveryStatus", {}))["Queue"]["FailedRetrying"] == 1
    assert (await reader.call("DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerDeliveryConfig"]})
            ).code == "Forbidden.RAM"


async def test_a_pruned_recording_says_where_it_went(api, server) -> None:
    session_id = await _sealed_recording(server)
    url = f"s3://tether-recordings/rec/{session_id}.cast"
    async with server.state.db.transaction() as s:
        await s.execute(
            update(Recording)
            .where(Recording.session_id == session_id)
            .values(delivered_url=url, delivered_at=datetime.now(UTC))
        )
    row = await server.state.recordings.repo.get(session_id)
    server.state.recordings.file_path(row.path).unlink()
    reply = await api.call("GetSessionRecording", {"SessionId": session_id})
    assert (reply.status, reply.code) == (404, "Recording.LocalCopyPruned")
    assert url in reply.body["Message"] and "LocalRetentionDays" in reply.body["Message"]


async def _sealed_recording(server) -> str:
    state = server.state
    session_id = new_id("s")
    now = datetime.now(UTC)
    await state.sessions.create(
        session_id=session_id, instance_id="mi-0123456789abcdef0", principal="acs:ram::1:root", kind="shell",
        username="u", command=None, node=state.node_id, client_ip="127.0.0.1", client_token_hash="x",
        client_token_expires_at=now, agent_token_hash="y", now=now,
    )
    recorder = await state.recordings.begin(session_id, instance_id="mi-0123456789abcdef0", login_user="u",
                                            command=None)
    recorder.output(b"hi\r\n")
    await state.sessions.finish(session_id, state=SessionState.TERMINATED, reason="exit", exit_status=0, now=now)
    await state.recordings.finish(recorder, 0)
    return session_id

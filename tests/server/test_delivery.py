"""The delivery API over a real server: SessionManagerDeliveryConfig in and out (the secret never out, encrypted at
rest), validation, DescribeDeliveryStatus and its policy action, and GetSessionRecording of a pruned recording,
read back from a real S3 server (moto, tests/support/s3server.py)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from support.s3server import MotoServer
from support.wait import eventually

from tether.auth.signing import sign_request
from tether.auth.tokens import new_id
from tether.recording import delivery, s3
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


@pytest.fixture(autouse=True)
def one_s3_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """No botocore retries (back-off from 1 s) on top of tether's own handling: storage that is down, or answers
    an error, says so at once."""
    monkeypatch.setattr(s3, "MAX_ATTEMPTS", 1)


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

    async def failing() -> dict:
        status = await api.ok("DescribeDeliveryStatus", {})
        assert status["Failures"], status
        return status

    status = await eventually(failing, what="the failed delivery to be reported", timeout=30)
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


async def test_a_pruned_recording_without_delivery_settings_says_where_it_went(api, server) -> None:
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
    assert "delivery is no longer configured (Bucket is not set)" in reply.body["Message"]


# --- a pruned recording read back from the bucket -------------------------------------------------------------------

BUCKET = "tether-fetch"


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path)
    server.start()
    server.create_bucket(BUCKET, versioning=False)
    try:
        yield server
    finally:
        server.stop()


async def download(api, session_id: str) -> tuple[int, dict[str, str], bytes]:
    """GetSessionRecording as the CLI calls it: status, headers and the raw body."""
    path = "/api/v1/GetSessionRecording"
    data = json.dumps({"SessionId": session_id}).encode()
    headers = {"Content-Type": "application/json", **sign_request("POST", path, data, api.key_id, api.secret)}
    async with api.http.post(api.server.url + path, data=io.BytesIO(data), headers=headers, ssl=api.ssl) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def delivered_and_pruned(api, server, moto: MotoServer, output: bytes = b"hi\r\n", **config: Any) -> str:
    """A recording delivered to moto with LocalRetentionDays 0, once its local copy is gone (housekeeping's sweep
    is run here rather than waited for: a copy is kept until it is indexed, which can be after the delivery)."""
    await api.ok("ModifyCloudAssistantSettings", _modify({
        **GOOD, "Endpoint": moto.endpoint, "Bucket": BUCKET, "Prefix": "rec", "Region": "us-east-1",
        "AccessKeyId": moto.key_id, "SecretAccessKey": moto.secret, "DeliverAuditEvents": False,
        "LocalRetentionDays": 0, **config,
    }))
    session_id = await _sealed_recording(server, output)
    row = await server.state.recordings.repo.get(session_id)
    path = server.state.recordings.file_path(row.path)
    state = server.state

    async def pruned() -> bool:
        row = await state.recordings.repo.get(session_id)
        if not row.delivered_url:
            return False
        await delivery.sweep(state.db, state.settings, state.recordings, state.node_id, datetime.now(UTC))
        return not path.exists()

    try:
        await eventually(pruned, what="the recording to be delivered and its local copy pruned", timeout=60)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {await api.ok('DescribeDeliveryStatus', {})}") from None
    return session_id


async def test_a_pruned_recording_is_streamed_from_the_bucket(api, server, moto) -> None:
    output = b"".join(b"line %06d \xe2\x94\x80 \x1b[1mbold\x1b[0m\r\n" % n for n in range(60_000))  # ~2 MiB
    session_id = await delivered_and_pruned(api, server, moto, output)
    row = await server.state.recordings.repo.get(session_id)
    bucket, _, key = row.delivered_url.removeprefix("s3://").partition("/")
    stored, _ = moto.get(bucket, key)
    assert hashlib.sha256(stored).hexdigest() == row.sha256 and len(stored) == row.size > 1 << 20

    status, headers, body = await download(api, session_id)
    assert status == 200, body[:500]
    assert body == stored
    assert headers["Content-Type"] == "application/x-asciicast"
    assert headers["Content-Length"] == str(row.size)

    # the prefix and the bucket changed since: the object is still read where the URL says, with today's endpoint
    await api.ok("ModifyCloudAssistantSettings", _modify({"Bucket": "another-bucket", "Prefix": "elsewhere"}))
    status, _, body = await download(api, session_id)
    assert status == 200 and body == stored
    # turned off, the settings are still there to read with
    await api.ok("ModifyCloudAssistantSettings", _modify({"Enabled": False}))
    status, _, body = await download(api, session_id)
    assert status == 200 and body == stored


async def test_storage_down_is_503_naming_the_endpoint(api, server, moto) -> None:
    session_id = await delivered_and_pruned(api, server, moto)
    moto.stop()
    reply = await api.call("GetSessionRecording", {"SessionId": session_id})
    assert (reply.status, reply.code) == (503, "Recording.StorageUnavailable"), reply
    message = reply.body["Message"]
    assert f"the storage at {moto.endpoint} cannot be reached" in message
    assert "local copy" in message and "was removed" in message and "s3://tether-fetch/rec/" in message


async def test_an_object_deleted_from_the_bucket_is_404(api, server, moto) -> None:
    session_id = await delivered_and_pruned(api, server, moto)
    row = await server.state.recordings.repo.get(session_id)
    moto.client().delete_object(Bucket=BUCKET, Key=row.delivered_url.removeprefix(f"s3://{BUCKET}/"))
    reply = await api.call("GetSessionRecording", {"SessionId": session_id})
    assert (reply.status, reply.code) == (404, "Recording.NotFound"), reply
    assert row.delivered_url in reply.body["Message"] and "no object" in reply.body["Message"]


async def test_a_replaced_object_is_refused(api, server, moto) -> None:
    session_id = await delivered_and_pruned(api, server, moto)
    row = await server.state.recordings.repo.get(session_id)
    key = row.delivered_url.removeprefix(f"s3://{BUCKET}/")
    moto.client().put_object(Bucket=BUCKET, Key=key, Body=b"forged", Metadata={"sha256": "0" * 64})
    reply = await api.call("GetSessionRecording", {"SessionId": session_id})
    assert (reply.status, reply.code) == (409, "Recording.ObjectReplaced"), reply
    assert "sha256 " + "0" * 64 in reply.body["Message"] and row.sha256 in reply.body["Message"]


async def test_other_bytes_under_the_right_metadata_are_logged(api, server, moto, caplog) -> None:
    """Headers are sent before the body is hashed: a digest that differs at the end can only be logged."""
    session_id = await delivered_and_pruned(api, server, moto)
    row = await server.state.recordings.repo.get(session_id)
    key = row.delivered_url.removeprefix(f"s3://{BUCKET}/")
    stored, _ = moto.get(BUCKET, key)
    forged = stored.replace(b"hi", b"HI")
    assert forged != stored and len(forged) == len(stored)
    moto.client().put_object(Bucket=BUCKET, Key=key, Body=forged, Metadata={"sha256": row.sha256})
    status, _, body = await download(api, session_id)
    assert status == 200 and body == forged

    def logged() -> bool:
        assert any(
            row.delivered_url in r.getMessage() and f"not {row.sha256} as sealed" in r.getMessage()
            for r in caplog.records
            if r.levelname == "ERROR"
        ), caplog.text
        return True

    # the client has the whole body (Content-Length) a moment before the handler finishes its hash and logs
    await eventually(logged, what="the digest mismatch to be logged", timeout=2, interval=0.02)


async def test_wrong_credentials_are_502_with_the_s3_message(api, server, moto) -> None:
    moto.with_user()
    session_id = await delivered_and_pruned(api, server, moto)
    await api.ok("ModifyCloudAssistantSettings", _modify({"AccessKeyId": moto.key_id, "SecretAccessKey": "wrong-1"}))
    reply = await api.call("GetSessionRecording", {"SessionId": session_id})
    assert (reply.status, reply.code) == (502, "Recording.StorageError"), reply
    assert "SignatureDoesNotMatch" in reply.body["Message"] and "wrong-1" not in reply.body["Message"]


async def _sealed_recording(server, output: bytes = b"hi\r\n") -> str:
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
    for start in range(0, len(output), 65536):
        recorder.output(output[start : start + 65536])
        if recorder.congested:
            await recorder.drained()
    await state.sessions.finish(session_id, state=SessionState.TERMINATED, reason="exit", exit_status=0, now=now)
    await state.recordings.finish(recorder, 0)
    return session_id

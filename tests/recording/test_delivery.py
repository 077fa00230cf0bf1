"""Delivery to S3-compatible storage against a real moto server: keys and metadata, multipart, storage down and
back, wrong credentials, restarts and crashes mid-upload, exactly one write per key, retention, audit JSON Lines.

"Exactly once" is counted, not assumed: buckets are versioned, so every PUT to a key leaves a version.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from support.s3server import MotoServer
from support.wait import eventually

from tether.auth.tokens import new_id
from tether.recording import delivery
from tether.recording.delivery import (
    DeliveryConfig,
    audit_key,
    backoff,
    check_bucket,
    check_endpoint,
    check_prefix,
    load_config,
    recording_key,
    save_config,
    with_changes,
)
from tether.server import RunningServer
from tether.store import DeliveryItem, SessionState

BUCKET = "tether-rec"
INSTANCE = "mi-0123456789abcdef0"
PRINCIPAL = "acs:ram::1234567890:user/alice"
WAIT = 60.0  # seconds a delivery (moto, retries and back-off included) may take


async def configure(server: RunningServer, moto: MotoServer, **changes: Any) -> None:
    """What ModifyCloudAssistantSettings does: save the settings, make waiting rows due, (the poll) wakes the worker."""
    state = server.state
    values: dict[str, Any] = {
        "enabled": True,
        "endpoint": moto.endpoint,
        "bucket": BUCKET,
        "prefix": "rec",
        "access_key_id": moto.key_id,
        "secret": moto.secret,
    }
    values.update(changes)
    await save_config(state.settings, with_changes(await load_config(state.settings), state.secretbox, values))
    assert server.delivery is not None
    await server.delivery.repo.retry_now(datetime.now(UTC))
    server.delivery.wake()


async def make_recording(server: RunningServer, data: bytes = b"hello\r\n", exit_status: int | None = 0) -> str:
    """A shell session's recording made and sealed the way the relay does it (sealed listeners included)."""
    state = server.state
    session_id = new_id("s")
    now = datetime.now(UTC)
    await state.sessions.create(
        session_id=session_id, instance_id=INSTANCE, principal=PRINCIPAL, kind="shell", username="alice",
        command=None, node=state.node_id, client_ip="127.0.0.1", client_token_hash="x",
        client_token_expires_at=now, agent_token_hash="y", now=now,
    )
    recorder = await state.recordings.begin(session_id, instance_id=INSTANCE, login_user="alice", command=None)
    for start in range(0, len(data), 65536):
        recorder.output(data[start : start + 65536])
        if recorder.congested:
            await recorder.drained()
    await state.sessions.finish(
        session_id, state=SessionState.TERMINATED, reason="exit", exit_status=exit_status, now=datetime.now(UTC)
    )
    await state.recordings.finish(recorder, exit_status)
    return session_id


async def item(server: RunningServer, session_id: str) -> DeliveryItem | None:
    assert server.delivery is not None
    return await server.delivery.repo.find("recording", session_id)


async def delivered(server: RunningServer, *session_ids: str) -> bool:
    for session_id in session_ids:
        row = await server.state.recordings.repo.get(session_id)
        if row is None or row.delivered_at is None:
            return False
    return True


async def sweep(server: RunningServer, *, days: float) -> None:
    """Housekeeping's delivery sweep as if it ran `days` from now."""
    state = server.state
    later = datetime.now(UTC) + timedelta(days=days)
    await delivery.sweep(state.db, state.settings, state.recordings, state.node_id, later)


def expected_key(started_at: datetime, session_id: str, prefix: str = "rec") -> str:
    return f"{prefix}/{started_at:%Y}/{started_at:%m}/{started_at:%d}/{INSTANCE}/{session_id}.cast"


# --- pure parts ---------------------------------------------------------------------------------------------------


def test_keys() -> None:
    moment = datetime(2026, 3, 4, 23, 59, 58, tzinfo=UTC)
    assert recording_key("a/b", moment, "mi-1", "s-2") == "a/b/2026/03/04/mi-1/s-2.cast"
    assert recording_key("", moment, "mi-1", "s-2") == "2026/03/04/mi-1/s-2.cast"
    assert audit_key("p", "node-1", moment, 42) == "p/audit/2026/03/04/node-1-20260304T235958Z-42.jsonl"


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert backoff(30) == 600.0


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (check_endpoint, "ftp://host", "not an http:// or https:// URL"),
        (check_endpoint, "http://user:pw@host", "must not carry credentials"),
        (check_endpoint, "http://host/bucket", "only scheme, host and port"),
        (check_bucket, "Upper", "not a valid bucket name"),
        (check_bucket, "ab", "not a valid bucket name"),
        (check_bucket, "192.168.1.1", "IP address"),
        (check_bucket, "a..b", "two dots"),
        (check_prefix, "a//b", "empty, '.' or '..'"),
        (check_prefix, "a/../b", "empty, '.' or '..'"),
    ],
)
def test_validation_names_the_problem(check: Callable[[str], Any], value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check(value)


def test_validation_normalises() -> None:
    assert check_endpoint("https://s3.example.com:9000/") == "https://s3.example.com:9000"
    assert check_endpoint("") is None
    assert check_prefix("/a/b/") == "a/b"
    assert check_bucket("my-bucket.logs") == "my-bucket.logs"


def test_config_keeps_the_secret_encrypted_and_out_of_the_view(tmp_path) -> None:
    from tether.auth.secretbox import SecretBox

    box = SecretBox.load_or_create(tmp_path / "k")
    config = with_changes(DeliveryConfig(), box, {"bucket": "b-1", "access_key_id": "AK", "secret": "s3cr3t-value"})
    assert "s3cr3t-value" not in config.to_json() and "s3cr3t-value" not in repr(config)
    assert config.target(box).secret_access_key == "s3cr3t-value"
    view = config.view()
    assert view["SecretAccessKeySet"] is True and "s3cr3t-value" not in json.dumps(view)
    assert DeliveryConfig.from_json(config.to_json()) == config


# --- against moto ---------------------------------------------------------------------------------------------------


async def test_delivers_with_metadata_under_the_dated_key(moto: MotoServer, tether) -> None:
    moto.start()
    moto.create_bucket(BUCKET)
    server = await tether()
    await configure(server, moto)
    session_id = await make_recording(server, b"hello \xff\r\n", exit_status=3)
    await eventually(lambda: delivered(server, session_id), what="the delivery", timeout=WAIT)

    row = await server.state.recordings.repo.get(session_id)
    assert row is not None and row.started_at is not None
    key = expected_key(row.started_at, session_id)
    assert row.delivered_url == f"s3://{BUCKET}/{key}"
    local = server.state.recordings.file_path(row.path).read_bytes()
    body, reply = moto.get(BUCKET, key)
    assert body == local and hashlib.sha256(body).hexdigest() == row.sha256
    assert reply["ContentType"] == "application/x-asciicast"
    assert reply["Metadata"] == {
        "user": PRINCIPAL,
        "instance": INSTANCE,
        "session": session_id,
        "start": row.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": row.ended_at.strftime("%Y-%m-%dT%H:%M:%SZ") if row.ended_at else "",
        "exit-status": "3",
        "sha256": row.sha256,
    }
    assert moto.versions(BUCKET) == {key: 1}
    status = await server.delivery.repo.status()  # type: ignore[union-attr]
    assert status.counts["delivered"] == 1 and status.last_delivered_at is not None
    assert server.state.recordings.file_path(row.path).exists()  # kept: retention is 7 days by default


async def test_large_recording_goes_up_in_parts(moto: MotoServer, tether) -> None:
    moto.start()
    moto.create_bucket(BUCKET)
    server = await tether()
    await configure(server, moto)
    session_id = await make_recording(server, b"0123456789abcdef" * (600 * 1024))  # 9.6 MiB of output
    await eventually(lambda: delivered(server, session_id), what="the delivery", timeout=2 * WAIT)
    row = await server.state.recordings.repo.get(session_id)
    assert row is not None and row.size is not None
    assert row.size > 8 * 1024 * 1024
    key = expected_key(row.started_at, session_id)
    body, reply = moto.get(BUCKET, key)
    assert re.search(r"-2\"?$", reply["ETag"]), reply["ETag"]  # a multipart object of two parts
    assert len(body) == row.size and hashlib.sha256(body).hexdigest() == row.sha256
    assert moto.versions(BUCKET) == {key: 1}


async def test_storage_down_then_up_every_recording_arrives_once(moto: MotoServer, tether) -> None:
    server = await tether()
    await configure(server, moto)  # nothing listens on the endpoint yet
    ids = [await make_recording(server, f"rec {n}\r\n".encode()) for n in range(3)]

    async def all_failing() -> bool:
        rows = [await item(server, i) for i in ids]
        return all(r is not None and r.state == "failed-retrying" and r.attempts >= 1 for r in rows)

    await eventually(all_failing, what="every delivery to fail", timeout=WAIT)
    status = await server.delivery.repo.status()  # type: ignore[union-attr]
    assert status.counts["failed-retrying"] == 3 and status.oldest_open is not None
    down = f"could not connect to {moto.endpoint}"
    assert all(f.last_error and f.last_error.startswith(down) for f in status.failures)

    moto.start()
    moto.create_bucket(BUCKET)
    await eventually(lambda: delivered(server, *ids), what="every delivery", timeout=WAIT)
    await asyncio.sleep(1.0)  # a sleep on purpose: a few more worker cycles, and nothing is sent again
    versions = moto.versions(BUCKET)
    assert len(versions) == 3 and set(versions.values()) == {1}
    status = await server.delivery.repo.status()  # type: ignore[union-attr]
    assert status.counts["delivered"] == 3 and status.counts["failed-retrying"] == 0 and not status.failures


async def test_wrong_credentials_are_reported_clearly_and_retried_after_the_fix(moto: MotoServer, tether) -> None:
    moto.start()
    moto.create_bucket(BUCKET)
    key_id, secret = moto.with_user()  # from now on moto checks signatures
    server = await tether()
    await configure(server, moto, secret="not-the-secret")
    session_id = await make_recording(server)

    async def failed_twice() -> DeliveryItem | None:
        row = await item(server, session_id)
        return row if row is not None and row.attempts >= 2 else None

    row = await eventually(failed_twice, what="two failed attempts", timeout=WAIT)
    assert row.state == "failed-retrying" and row.last_error is not None
    assert row.last_error.startswith(f"SignatureDoesNotMatch: the secret access key does not belong to access key "
                                     f"{key_id} at endpoint {moto.endpoint}")
    assert "tether settings delivery" in row.last_error and "not-the-secret" not in row.last_error

    await configure(server, moto, access_key_id="AKIANOSUCHKEY0000000", secret=secret)

    async def invalid_key() -> str | None:
        row = await item(server, session_id)
        error = row.last_error if row is not None else None
        return error if error and error.startswith("InvalidAccessKeyId") else None

    error = await eventually(invalid_key, what="the invalid key to be reported", timeout=WAIT)
    assert f"the access key AKIANOSUCHKEY0000000 is not valid for endpoint {moto.endpoint}" in error

    await configure(server, moto, access_key_id=key_id, secret=secret)
    await eventually(lambda: delivered(server, session_id), what="the delivery after the fix", timeout=WAIT)
    assert sum(moto.versions(BUCKET).values()) == 1


async def test_a_missing_bucket_is_named(moto: MotoServer, tether) -> None:
    moto.start()
    server = await tether()
    await configure(server, moto)
    session_id = await make_recording(server)

    async def error() -> str | None:
        row = await item(server, session_id)
        return row.last_error if row is not None else None

    message = await eventually(error, what="the failure", timeout=WAIT)
    assert message.startswith(f"NoSuchBucket: the bucket {BUCKET!r} does not exist at {moto.endpoint}")
    moto.create_bucket(BUCKET)
    await eventually(lambda: delivered(server, session_id), what="the delivery once the bucket exists", timeout=WAIT)


async def test_restart_and_crashes_lose_nothing(moto: MotoServer, tether) -> None:
    first = await tether()
    await configure(first, moto)
    queued = [await make_recording(first) for _ in range(2)]
    # a crash between sealing and queueing: a sealed recording without a queue row
    unqueued = await make_recording(first)
    async with first.state.db.transaction() as s:
        await s.execute(delete(DeliveryItem).where(DeliveryItem.ref == unqueued))
    # a crash in the middle of an upload: the row is still claimed by a process that is gone
    async with first.state.db.transaction() as s:
        await s.execute(
            update(DeliveryItem)
            .where(DeliveryItem.ref == queued[0])
            .values(claimed_by=f"{first.state.node_id}/deadprocess", lease_until=datetime.now(UTC) + timedelta(hours=1))
        )
    await first.stop()

    moto.start()
    moto.create_bucket(BUCKET)
    second = await tether()
    await eventually(lambda: delivered(second, *queued, unqueued), what="every delivery after the restart",
                     timeout=WAIT)
    versions = moto.versions(BUCKET)
    assert len(versions) == 3 and set(versions.values()) == {1}


async def test_an_object_already_there_is_not_uploaded_again(moto: MotoServer, tether) -> None:
    """A previous run uploaded it and stopped before noting it: the HEAD sees the same sha256 and stops there."""
    moto.start()
    moto.create_bucket(BUCKET)
    server = await tether()
    session_id = await make_recording(server)  # delivery is off: nothing is queued
    assert await item(server, session_id) is None
    row = await server.state.recordings.repo.get(session_id)
    assert row is not None
    key = expected_key(row.started_at, session_id)
    data = server.state.recordings.file_path(row.path).read_bytes()
    moto.client().put_object(Bucket=BUCKET, Key=key, Body=data, Metadata={"sha256": row.sha256 or ""})

    await configure(server, moto)  # turning delivery on queues what was sealed meanwhile
    await eventually(lambda: delivered(server, session_id), what="the delivery", timeout=WAIT)
    assert moto.versions(BUCKET) == {key: 1}


async def test_a_different_object_is_not_overwritten(moto: MotoServer, tether) -> None:
    moto.start()
    moto.create_bucket(BUCKET)
    server = await tether()
    session_id = await make_recording(server)
    row = await server.state.recordings.repo.get(session_id)
    assert row is not None
    key = expected_key(row.started_at, session_id)
    moto.client().put_object(Bucket=BUCKET, Key=key, Body=b"other", Metadata={"sha256": "0" * 64})
    await configure(server, moto)

    async def failed() -> DeliveryItem | None:
        found = await item(server, session_id)
        return found if found is not None and found.state == "failed" else None

    found = await eventually(failed, what="a final failure", timeout=WAIT)
    assert f"s3://{BUCKET}/{key} already holds a different object" in (found.last_error or "")
    assert moto.versions(BUCKET) == {key: 1}


async def test_an_altered_local_copy_is_not_delivered(moto: MotoServer, tether) -> None:
    moto.start()
    moto.create_bucket(BUCKET)
    server = await tether()
    session_id = await make_recording(server)
    row = await server.state.recordings.repo.get(session_id)
    assert row is not None
    with server.state.recordings.file_path(row.path).open("ab") as f:
        f.write(b'[9.0, "o", "forged"]\n')
    await configure(server, moto)

    async def failed() -> DeliveryItem | None:
        found = await item(server, session_id)
        return found if found is not None and found.state == "failed" else None

    found = await eventually(failed, what="a final failure", timeout=WAIT)
    assert "no longer matches its seal" in (found.last_error or "")
    assert moto.versions(BUCKET) == {}


async def test_local_copies_are_pruned_only_after_a_verified_delivery(moto: MotoServer, tether) -> None:
    server = await tether()
    state = server.state
    await configure(server, moto)
    waiting = await make_recording(server)  # storage is down: it cannot be delivered
    waiting_row = await state.recordings.repo.get(waiting)
    assert waiting_row is not None
    waiting_path = state.recordings.file_path(waiting_row.path)
    await sweep(server, days=30)
    assert waiting_path.exists()

    moto.start()
    moto.create_bucket(BUCKET)
    await eventually(lambda: delivered(server, waiting), what="the delivery", timeout=WAIT)
    await sweep(server, days=6)
    assert waiting_path.exists()  # 7 days by default
    await sweep(server, days=8)
    assert not waiting_path.exists()
    found = await item(server, waiting)
    assert found is not None and found.local_pruned_at is not None

    await configure(server, moto, retention_days=0)
    at_once = await make_recording(server)
    row = await state.recordings.repo.get(at_once)
    assert row is not None
    path = state.recordings.file_path(row.path)
    await eventually(lambda: delivered(server, at_once), what="the delivery", timeout=WAIT)

    async def removed() -> bool:
        return not path.exists()

    await eventually(removed, what="the local copy to be removed", timeout=WAIT)
    body, _ = moto.get(BUCKET, expected_key(row.started_at, at_once))
    assert hashlib.sha256(body).hexdigest() == row.sha256


async def test_audit_events_are_delivered_as_json_lines_once(moto: MotoServer, tether, monkeypatch) -> None:
    monkeypatch.setattr(delivery, "AUDIT_BATCH", 3)
    moto.start()
    moto.create_bucket(BUCKET)
    server = await tether()
    state = server.state
    for n in range(7):
        await state.audit.add(
            event_time=datetime.now(UTC), event_type="ApiCall", event_name=f"Test{n}", source_ip="127.0.0.1",
            result_code="Success", principal_arn=PRINCIPAL,
        )
    async with state.db.transaction() as s:
        from tether.store import AuditEvent

        ids = list((await s.scalars(select(AuditEvent.id).order_by(AuditEvent.id))).all())
    await configure(server, moto, deliver_audit=True)

    async def cursor_at_end() -> bool:
        assert server.delivery is not None
        return await server.delivery.repo.audit_cursor() >= ids[-1]

    await eventually(cursor_at_end, what="the audit export", timeout=WAIT)
    versions = moto.versions(BUCKET, "rec/audit/")
    assert versions and set(versions.values()) == {1}
    seen: list[int] = []
    node = re.escape(state.node_id)
    pattern = re.compile(rf"^rec/audit/\d{{4}}/\d{{2}}/\d{{2}}/{node}-\d{{8}}T\d{{6}}Z-(\d+)\.jsonl$")
    for key in sorted(versions):
        match = pattern.match(key)
        assert match, key
        body, reply = moto.get(BUCKET, key)
        lines = [json.loads(line) for line in body.decode().splitlines()]
        assert int(lines[-1]["EventId"]) == int(match.group(1))
        assert reply["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
        seen += [int(line["EventId"]) for line in lines]
    assert sorted(seen) == sorted(set(seen))  # no event twice
    assert set(ids) <= set(seen)  # and none missing (API-call events of the test may follow)
    first = json.loads(moto.get(BUCKET, sorted(versions)[0])[0].decode().splitlines()[0])
    assert first["EventName"] == "Test0" and first["UserIdentity"]["PrincipalArn"] == PRINCIPAL


async def test_nothing_is_queued_while_delivery_is_off(tether) -> None:
    server = await tether()
    session_id = await make_recording(server)
    assert await item(server, session_id) is None
    assert server.delivery is not None
    status = await server.delivery.repo.status()
    assert sum(status.counts.values()) == 0

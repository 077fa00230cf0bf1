"""The delivery queue on SQLite and PostgreSQL: queued once, claimed by one worker, released after a crash, marked
delivered together with the recording or the audit cursor, and counted for the status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tether.store import Database, DeliveryRepo, RecordingRepo, SearchRepo, SessionRepo
from tether.store.delivery import AUDIT, RECORDING

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


async def _recording(db: Database, session_id: str, node: str = "n1") -> None:
    await SessionRepo(db).create(
        session_id=session_id, instance_id="mi-1", principal="p", kind="shell", username=None, command=None,
        node=node, client_ip="", client_token_hash="x", client_token_expires_at=NOW, agent_token_hash="y", now=NOW,
    )
    recordings = RecordingRepo(db)
    await recordings.create(session_id=session_id, path=f"r/{session_id}.cast", started_at=NOW, input_recorded=False)
    await recordings.seal(session_id, ended_at=NOW, duration=1.0, size=3, sha256="a" * 64, truncated=False,
                          failure=None, now=NOW)


async def test_queue_claim_release_and_deliver(db: Database) -> None:
    repo = DeliveryRepo(db)
    await _recording(db, "s-1")
    await _recording(db, "s-2")
    await _recording(db, "s-other", node="n2")
    assert await repo.unqueued_recordings("n1") == ["s-1", "s-2"]
    assert await repo.enqueue(kind=RECORDING, ref="s-1", node="n1", now=NOW)
    assert not await repo.enqueue(kind=RECORDING, ref="s-1", node="n1", now=NOW)  # queued once
    assert await repo.unqueued_recordings("n1") == ["s-2"]
    assert await repo.enqueue(kind=RECORDING, ref="s-other", node="n2", now=NOW)

    first = await repo.claim_due(node="n1", token="n1/a", now=NOW, lease=LEASE, limit=5)
    assert [i.ref for i in first] == ["s-1"]  # another node's recording is not ours to upload
    assert await repo.claim_due(node="n1", token="n1/b", now=NOW, lease=LEASE, limit=5) == []  # leased
    assert await repo.release_node("n1") == 1  # restart of n1: the dead process's claim goes
    (again,) = await repo.claim_due(node="n1", token="n1/b", now=NOW, lease=LEASE, limit=5)
    assert not await repo.mark_delivered(again, "n1/a", key="k", url="s3://b/k", size=3, now=NOW)  # stale token

    await repo.mark_retry(again.id, "n1/b", error="could not connect", next_at=NOW + timedelta(seconds=5), now=NOW)
    assert await repo.claim_due(node="n1", token="n1/b", now=NOW, lease=LEASE, limit=5) == []  # backing off
    status = await repo.status()
    assert status.counts == {"pending": 1, "failed-retrying": 1, "delivered": 0, "failed": 0}
    assert status.oldest_open == NOW and [f.last_error for f in status.failures] == ["could not connect"]

    (due,) = await repo.claim_due(node="n1", token="n1/c", now=NOW + timedelta(seconds=6), lease=LEASE, limit=5)
    assert due.attempts == 1
    assert await repo.mark_delivered(due, "n1/c", key="k", url="s3://b/k", size=3, now=NOW)
    recording = await RecordingRepo(db).get("s-1")
    assert recording is not None and (recording.delivered_url, recording.delivered_at) == ("s3://b/k", NOW)
    status = await repo.status()
    assert status.counts["delivered"] == 1 and status.last_delivered_at == NOW and not status.failures

    assert await repo.prunable("n1", NOW) == []  # sealed at NOW: not before the cutoff
    assert await repo.prunable("n1", NOW + timedelta(days=1)) == []  # not yet indexed for search: kept
    await SearchRepo(db).mark_indexed("s-1", NOW)
    (prunable,) = await repo.prunable("n1", NOW + timedelta(days=1))
    await repo.mark_pruned(prunable[0], NOW)
    assert await repo.prunable("n1", NOW + timedelta(days=1)) == []


async def test_audit_batches_advance_the_cursor_on_delivery(db: Database) -> None:
    from tether.store import AuditRepo

    repo = DeliveryRepo(db)
    audit = AuditRepo(db)
    for n in range(5):
        await audit.add(event_time=NOW + timedelta(seconds=n), event_type="ApiCall", event_name=f"E{n}",
                        source_ip="", result_code="Success")
    assert await repo.audit_cursor() == 0
    span = await repo.audit_span(0, NOW + timedelta(seconds=3), 10)
    assert span is not None
    first_id, last_id, first_time = span
    assert first_time == NOW and len(await repo.audit_events(first_id, last_id)) == 3
    assert await repo.enqueue(kind=AUDIT, ref="after-0", node="n2", now=NOW, first_id=first_id, last_id=last_id,
                              first_time=first_time)
    assert not await repo.enqueue(kind=AUDIT, ref="after-0", node="n1", now=NOW)  # another node made it first
    assert (await repo.open_audit_batch()) is not None
    (batch,) = await repo.claim_due(node="n1", token="n1/a", now=NOW, lease=LEASE, limit=5)  # any node may
    assert await repo.mark_delivered(batch, "n1/a", key="k", url="s3://b/k", size=1, now=NOW)
    assert await repo.audit_cursor() == last_id and await repo.open_audit_batch() is None
    assert await repo.forget_delivered(NOW + timedelta(days=1)) == 1

"""Keyset paging of instances (`InstanceRepo.page_after`): ties in registration time are broken by id, so paging
neither repeats nor skips, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tether.store import Database, InstanceRepo


async def test_keyset_pages_break_ties_by_id(db: Database) -> None:
    repo = InstanceRepo(db)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    made = []
    for i, (offset, suffix) in enumerate([(0, "c"), (0, "a"), (0, "b"), (1, "a"), (0, "d"), (2, "z"), (1, "b")]):
        iid = f"mi-{suffix}{i}"
        await repo.create(instance_id=iid, name="", public_key="k", hostname="", os_type="", os_name="",
                          agent_version="", activation_id="act", now=t0 + timedelta(seconds=offset))
        made.append((t0 + timedelta(seconds=offset), iid))
    expected = [iid for _at, iid in sorted(made)]
    seen: list[str] = []
    after = None
    while True:
        rows = await repo.page_after(instance_ids=None, name=None, after=after, limit=3)
        if not rows:
            break
        seen += [r.id for r in rows]
        after = (rows[-1].registered_at, rows[-1].id)
    assert seen == expected

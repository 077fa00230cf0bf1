"""Identity, tag, STS and audit repositories on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tether.store import (
    AlreadyExists,
    AuditRepo,
    Database,
    DeleteConflict,
    IamRepo,
    InstanceRepo,
    LimitExceeded,
    NotFound,
    Quotas,
    StsRepo,
    TagRepo,
)

NOW = datetime(2026, 11, 28, 11, 40, 24, tzinfo=UTC)
ARN = "acs:ram::1:user/{}"


async def _user(iam: IamRepo, name: str) -> None:
    await iam.create_user(name=name, user_id=f"id-{name}", display_name=name, comments="", now=NOW)


async def test_users_keys_and_delete_conflicts(db: Database) -> None:
    iam = IamRepo(db)
    await _user(iam, "alice")
    with pytest.raises(AlreadyExists):
        await _user(iam, "alice")
    for n in range(2):
        await iam.create_user_key("alice", ARN.format("alice"), key_id=f"K{n}", secret_encrypted="x", now=NOW)
    with pytest.raises(LimitExceeded) as limit:
        await iam.create_user_key("alice", ARN.format("alice"), key_id="K9", secret_encrypted="x", now=NOW)
    assert (limit.value.entity, limit.value.limit) == ("User.AccessKey", 2)
    with pytest.raises(DeleteConflict) as conflict:
        await iam.delete_user("alice", ARN.format("alice"))
    assert conflict.value.blocker == "AccessKey"
    with pytest.raises(NotFound):
        await iam.update_user_key("alice", ARN.format("alice"), "K9", "Inactive")
    for n in range(2):
        await iam.delete_user_key("alice", ARN.format("alice"), f"K{n}")
    await iam.set_login_profile("alice", password_hash="$argon2id$x", reset_required=False, create=True, now=NOW)
    await iam.delete_user("alice", ARN.format("alice"))  # the login profile goes with the user
    assert await iam.get_user("alice") is None
    with pytest.raises(NotFound):
        await iam.create_user_key("alice", ARN.format("alice"), key_id="K5", secret_encrypted="x", now=NOW)


async def test_concurrent_key_creation_respects_the_limit(db: Database) -> None:
    iam = IamRepo(db)
    await _user(iam, "bob")

    async def create(n: int) -> bool:
        try:
            await iam.create_user_key("bob", ARN.format("bob"), key_id=f"B{n}", secret_encrypted="x", now=NOW)
        except LimitExceeded:
            return False
        except Exception:  # SQLite may refuse a racing writer outright; it must never exceed the limit
            return False
        return True

    await asyncio.gather(*(create(n) for n in range(6)))
    assert len(await iam.list_user_keys("bob", ARN.format("bob"))) <= 2


async def test_groups_policies_and_effective_policies(db: Database) -> None:
    iam = IamRepo(db, Quotas(groups_per_user=1))
    await _user(iam, "carol")
    await iam.create_group(name="ops", group_id="g1", comments="", now=NOW)
    await iam.create_group(name="dev", group_id="g2", comments="", now=NOW)
    await iam.add_user_to_group("carol", "ops", NOW)
    with pytest.raises(LimitExceeded):
        await iam.add_user_to_group("carol", "dev", NOW)
    with pytest.raises(AlreadyExists):
        await iam.add_user_to_group("carol", "ops", NOW)
    for name in ("p-user", "p-group", "p-role", "p-unused"):
        await iam.create_policy(name=name, document="{}", description="", now=NOW)
    await iam.create_role(name="r", role_id="r1", trust_policy="{}", description="", max_session_duration=3600,
                          now=NOW)
    await iam.attach_policy("p-user", "User", "carol", NOW)
    await iam.attach_policy("p-group", "Group", "ops", NOW)
    await iam.attach_policy("p-role", "Role", "r", NOW)
    with pytest.raises(NotFound):
        await iam.attach_policy("p-user", "User", "nobody", NOW)
    with pytest.raises(NotFound):
        await iam.attach_policy("nope", "User", "carol", NOW)
    assert [p.name for p in await iam.effective_policies(user_name="carol")] == ["p-group", "p-user"]
    assert [p.name for p in await iam.effective_policies(role_name="r")] == ["p-role"]
    with pytest.raises(DeleteConflict):
        await iam.delete_group("ops")
    with pytest.raises(DeleteConflict):
        await iam.delete_policy("p-group")
    with pytest.raises(DeleteConflict):
        await iam.delete_role("r")
    assert await iam.attachment_counts(["p-user", "p-unused"]) == {"p-user": 1}
    await iam.remove_user_from_group("carol", "ops")
    assert [p.name for p in await iam.effective_policies(user_name="carol")] == ["p-user"]
    page = await iam.list_policies(after=None, limit=3)
    assert [p.name for p in page.items] == ["p-group", "p-role", "p-unused"] and page.next_after == "p-unused"
    assert [p.name for p in (await iam.list_policies(after=page.next_after, limit=3)).items] == ["p-user"]


async def test_role_deletion_revokes_temporary_credentials(db: Database) -> None:
    iam, sts = IamRepo(db), StsRepo(db)
    await iam.create_role(name="r", role_id="r1", trust_policy="{}", description="", max_session_duration=3600,
                          now=NOW)
    for n, expires in ((1, NOW + timedelta(hours=1)), (2, NOW - timedelta(hours=1))):
        await sts.create(key_id=f"STS.{n}", secret_encrypted="x", token_hash="h", role_name="r", role_id="r1",
                         session_name="s", session_policy=None, source_principal="p", now=NOW, expires_at=expires,
                         origin_principal="p", origin_id="", chain_depth=1)
    assert await sts.prune(NOW) == 1
    await iam.delete_role("r")
    assert await sts.get("STS.1") is None


async def test_tags_limit_filter_and_paging(db: Database) -> None:
    instances, tags = InstanceRepo(db), TagRepo(db)
    for iid in ("mi-a", "mi-b"):
        await instances.create(instance_id=iid, name="", public_key="k", hostname="", os_type="", os_name="",
                               agent_version="", activation_id="act", now=NOW)
    await tags.set_tags("mi-a", {"env": "prod", "team": "core"}, 20)
    await tags.set_tags("mi-b", {"env": "dev"}, 20)
    await tags.set_tags("mi-b", {"env": "prod"}, 20)  # overwrite
    with pytest.raises(LimitExceeded):
        await tags.set_tags("mi-a", {"x": "1"}, 2)
    with pytest.raises(NotFound):
        await tags.set_tags("mi-zz", {"x": "1"}, 20)
    assert await tags.tags_of_many(["mi-a", "mi-b"]) == {"mi-a": {"env": "prod", "team": "core"},
                                                          "mi-b": {"env": "prod"}}
    page = await tags.page(instance_ids=None, tag_filter=[("team", None)], limit=10, next_token=None)
    assert [(t.instance_id, t.key) for t in page.tags] == [("mi-a", "team")]
    first = await tags.page(instance_ids=None, tag_filter=[], limit=2, next_token=None)
    rest = await tags.page(instance_ids=None, tag_filter=[], limit=2, next_token=first.next_token)
    assert len(first.tags) == 2 and len(rest.tags) == 1 and rest.next_token is None
    assert await tags.remove_tags("mi-a", None) == 2


async def test_audit_lookup_and_prune(db: Database) -> None:
    audit = AuditRepo(db)
    for n in range(5):
        await audit.add(event_time=NOW + timedelta(seconds=n), event_type="ApiCall", event_name=f"A{n % 2}",
                        source_ip="127.0.0.1", result_code="Success" if n % 2 else "Forbidden.RAM",
                        principal_arn="p" * 400)
    page = await audit.lookup(limit=2)
    assert [e.event_name for e in page.events] == ["A0", "A1"] and page.next_token
    assert len(page.events[0].principal_arn or "") == 256  # cut to the column, not refused
    rest = await audit.lookup(limit=10, next_token=page.next_token)
    assert len(rest.events) == 3 and rest.next_token is None
    assert len((await audit.lookup(result="Failure", limit=10)).events) == 3
    assert len((await audit.lookup(start=NOW + timedelta(seconds=3), limit=10)).events) == 2
    with pytest.raises(ValueError):
        await audit.lookup(next_token="garbage")
    assert await audit.prune(NOW + timedelta(seconds=2)) == 2

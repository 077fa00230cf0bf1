"""Users, groups, roles, custom policies, their attachments and the users' access keys.

Every check that guards an invariant (a user with keys cannot be deleted, at most two keys per user, no duplicate
membership, ...) runs in the same transaction as the change it guards: on PostgreSQL with the rows involved locked
(`SELECT ... FOR UPDATE`), on SQLite under an in-process lock (see `_write`). Foreign keys back the memberships and
attachments up, so even a missed race cannot leave a membership pointing at a deleted user.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tether.store.db import Database
from tether.store.errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound
from tether.store.models import (
    AccessKey,
    RamGroup,
    RamGroupMember,
    RamPolicy,
    RamPolicyAttachment,
    RamRole,
    RamUser,
    StsCredential,
)

USER, GROUP, ROLE = "User", "Group", "Role"
PRINCIPAL_TYPES = (USER, GROUP, ROLE)

_MODELS: dict[str, type[RamUser] | type[RamGroup] | type[RamRole]] = {USER: RamUser, GROUP: RamGroup, ROLE: RamRole}

T = TypeVar("T")
_Named = TypeVar("_Named", RamUser, RamGroup, RamRole, RamPolicy)  # the rows `_create` inserts


@dataclass(frozen=True)
class Quotas:
    """Upper bounds that keep every table and every policy evaluation bounded (RAM's defaults or close)."""

    users: int = 1000
    groups: int = 300
    roles: int = 1000
    policies: int = 1500
    keys_per_user: int = 2
    groups_per_user: int = 5
    policies_per_principal: int = 20


@dataclass(frozen=True)
class Page:
    """One page of a name-ordered listing; `next_after` is the name to continue after, None at the end."""

    items: Sequence[Any]
    next_after: str | None


class IamRepo:
    def __init__(self, db: Database, quotas: Quotas | None = None) -> None:
        self._db = db
        self.quotas = quotas or Quotas()
        self._sqlite_writer = asyncio.Lock()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """A transaction for check-then-change work. On PostgreSQL the rows it reads are locked FOR UPDATE; SQLite
        (one server process by design) runs its first SELECTs outside any write lock, so the checks and the change
        are serialised by an in-process lock instead."""
        if self._db.is_sqlite:
            async with self._sqlite_writer, self._db.transaction() as s:
                yield s
        else:
            async with self._db.transaction() as s:
                yield s

    async def _lock(self, s: AsyncSession, model: type[T], key: str) -> T | None:
        """Fetch a row by primary key, locking it for the rest of the transaction on PostgreSQL."""
        return await s.get(model, key, with_for_update=not self._db.is_sqlite)

    async def _require(self, s: AsyncSession, entity: str, name: str) -> Any:
        row = await self._lock(s, _MODELS[entity], name)
        if row is None:
            raise NotFound(entity, name)
        return row

    @staticmethod
    async def _count(s: AsyncSession, query: Any) -> int:
        return int(await s.scalar(query) or 0)

    async def _page(self, model: Any, after: str | None, limit: int) -> Page:
        query = select(model).order_by(model.name).limit(limit + 1)
        if after is not None:
            query = query.where(model.name > after)
        async with self._db.transaction() as s:
            rows = list((await s.scalars(query)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, rows[-1].name if more and rows else None)

    async def _create(self, row: _Named, entity: str, limit: int) -> _Named:
        model = type(row)
        try:
            async with self._write() as s:
                if await s.get(model, row.name) is not None:
                    raise AlreadyExists(entity, row.name)
                if await self._count(s, select(func.count()).select_from(model)) >= limit:
                    raise LimitExceeded(entity, row.name, limit)
                s.add(row)
        except IntegrityError:
            raise AlreadyExists(entity, row.name) from None
        return row

    # --- users ---------------------------------------------------------------------------------------------

    async def create_user(self, *, name: str, user_id: str, display_name: str, comments: str, now: datetime) -> RamUser:
        row = RamUser(
            name=name,
            id=user_id,
            display_name=display_name,
            comments=comments,
            created_at=now,
            updated_at=now,
            password_reset_required=False,
        )
        return await self._create(row, USER, self.quotas.users)

    async def get_user(self, name: str) -> RamUser | None:
        async with self._db.transaction() as s:
            return await s.get(RamUser, name)

    async def list_users(self, *, after: str | None, limit: int) -> Page:
        return await self._page(RamUser, after, limit)

    async def update_user(self, name: str, *, display_name: str | None, comments: str | None, now: datetime) -> RamUser:
        async with self._write() as s:
            row: RamUser = await self._require(s, USER, name)
            if display_name is not None:
                row.display_name = display_name
            if comments is not None:
                row.comments = comments
            row.updated_at = now
            return row

    async def delete_user(self, name: str, user_arn: str) -> None:
        """Delete a user and its login profile; refused while it has access keys, groups or policies."""
        async with self._write() as s:
            row = await self._require(s, USER, name)
            blockers = (
                ("AccessKey", select(func.count()).select_from(AccessKey).where(AccessKey.principal == user_arn)),
                ("Group", select(func.count()).select_from(RamGroupMember).where(RamGroupMember.user_name == name)),
                ("Policy", self._attachment_count(USER, name)),
            )
            for blocker, query in blockers:
                if await self._count(s, query):
                    raise DeleteConflict(USER, name, blocker)
            await s.delete(row)

    # --- login profiles --------------------------------------------------------------------------------------

    async def set_login_profile(
        self, name: str, *, password_hash: str | None, reset_required: bool | None, create: bool, now: datetime
    ) -> RamUser:
        """Create (`create=True`) or change a user's console login profile."""
        async with self._write() as s:
            row: RamUser = await self._require(s, USER, name)
            exists = row.password_hash is not None
            if create and exists:
                raise AlreadyExists("User.LoginProfile", name)
            if not create and not exists:
                raise NotFound("User.LoginProfile", name)
            if password_hash is not None:
                row.password_hash = password_hash
            if reset_required is not None:
                row.password_reset_required = reset_required
            if create:
                row.login_profile_created_at = now
            row.updated_at = now
            return row

    async def delete_login_profile(self, name: str, now: datetime) -> None:
        async with self._write() as s:
            row: RamUser = await self._require(s, USER, name)
            if row.password_hash is None:
                raise NotFound("User.LoginProfile", name)
            row.password_hash = None
            row.password_reset_required = False
            row.login_profile_created_at = None
            row.updated_at = now

    async def record_login(self, name: str, now: datetime, new_hash: str | None = None) -> None:
        """Note a successful console sign-in (and store a re-hashed password when the parameters changed)."""
        values: dict[str, Any] = {"last_login_at": now}
        if new_hash is not None:
            values["password_hash"] = new_hash
        async with self._db.transaction() as s:
            await s.execute(
                update(RamUser).where(RamUser.name == name, RamUser.password_hash.is_not(None)).values(**values)
            )

    # --- access keys of users ------------------------------------------------------------------------------

    async def create_user_key(
        self, user_name: str, user_arn: str, *, key_id: str, secret_encrypted: str, now: datetime
    ) -> AccessKey:
        limit = self.quotas.keys_per_user
        async with self._write() as s:
            await self._require(s, USER, user_name)
            count = await self._count(
                s, select(func.count()).select_from(AccessKey).where(AccessKey.principal == user_arn)
            )
            if count >= limit:
                raise LimitExceeded("User.AccessKey", user_name, limit)
            row = AccessKey(
                id=key_id, principal=user_arn, secret_encrypted=secret_encrypted, status="Active", created_at=now
            )
            s.add(row)
        return row

    async def list_user_keys(self, user_name: str, user_arn: str) -> Sequence[AccessKey]:
        async with self._db.transaction() as s:
            if await s.get(RamUser, user_name) is None:
                raise NotFound(USER, user_name)
            query = select(AccessKey).where(AccessKey.principal == user_arn).order_by(AccessKey.created_at)
            return (await s.scalars(query)).all()

    async def update_user_key(self, user_name: str, user_arn: str, key_id: str, status: str) -> None:
        async with self._write() as s:
            if await s.get(RamUser, user_name) is None:
                raise NotFound(USER, user_name)
            result = await s.execute(
                update(AccessKey).where(AccessKey.id == key_id, AccessKey.principal == user_arn).values(status=status)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFound("User.AccessKey", key_id)

    async def delete_user_key(self, user_name: str, user_arn: str, key_id: str) -> None:
        async with self._write() as s:
            if await s.get(RamUser, user_name) is None:
                raise NotFound(USER, user_name)
            result = await s.execute(delete(AccessKey).where(AccessKey.id == key_id, AccessKey.principal == user_arn))
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFound("User.AccessKey", key_id)

    # --- groups --------------------------------------------------------------------------------------------

    async def create_group(self, *, name: str, group_id: str, comments: str, now: datetime) -> RamGroup:
        row = RamGroup(name=name, id=group_id, comments=comments, created_at=now, updated_at=now)
        return await self._create(row, GROUP, self.quotas.groups)

    async def get_group(self, name: str) -> RamGroup | None:
        async with self._db.transaction() as s:
            return await s.get(RamGroup, name)

    async def list_groups(self, *, after: str | None, limit: int) -> Page:
        return await self._page(RamGroup, after, limit)

    async def update_group(self, name: str, *, comments: str, now: datetime) -> RamGroup:
        async with self._write() as s:
            row: RamGroup = await self._require(s, GROUP, name)
            row.comments = comments
            row.updated_at = now
            return row

    async def delete_group(self, name: str) -> None:
        async with self._write() as s:
            row = await self._require(s, GROUP, name)
            members = select(func.count()).select_from(RamGroupMember).where(RamGroupMember.group_name == name)
            if await self._count(s, members):
                raise DeleteConflict(GROUP, name, "User")
            if await self._count(s, self._attachment_count(GROUP, name)):
                raise DeleteConflict(GROUP, name, "Policy")
            await s.delete(row)

    async def add_user_to_group(self, user_name: str, group_name: str, now: datetime) -> None:
        limit = self.quotas.groups_per_user
        try:
            async with self._write() as s:
                await self._require(s, USER, user_name)
                await self._require(s, GROUP, group_name)
                if await s.get(RamGroupMember, (group_name, user_name)) is not None:
                    raise AlreadyExists("User.Group", f"{user_name}/{group_name}")
                count = select(func.count()).select_from(RamGroupMember).where(RamGroupMember.user_name == user_name)
                if await self._count(s, count) >= limit:
                    raise LimitExceeded("User.Group", user_name, limit)
                s.add(RamGroupMember(group_name=group_name, user_name=user_name, joined_at=now))
        except IntegrityError:
            raise AlreadyExists("User.Group", f"{user_name}/{group_name}") from None

    async def remove_user_from_group(self, user_name: str, group_name: str) -> None:
        async with self._write() as s:
            await self._require(s, USER, user_name)
            await self._require(s, GROUP, group_name)
            result = await s.execute(
                delete(RamGroupMember).where(
                    RamGroupMember.group_name == group_name, RamGroupMember.user_name == user_name
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFound("User.Group", f"{user_name}/{group_name}")

    async def groups_for_user(self, user_name: str) -> list[tuple[RamGroup, datetime]]:
        query = (
            select(RamGroup, RamGroupMember.joined_at)
            .join(RamGroupMember, RamGroupMember.group_name == RamGroup.name)
            .where(RamGroupMember.user_name == user_name)
            .order_by(RamGroup.name)
        )
        async with self._db.transaction() as s:
            if await s.get(RamUser, user_name) is None:
                raise NotFound(USER, user_name)
            return [(g, joined) for g, joined in (await s.execute(query)).all()]

    async def users_for_group(self, group_name: str, *, after: str | None, limit: int) -> Page:
        """Members as (user, joined_at) pairs, by user name."""
        query = (
            select(RamUser, RamGroupMember.joined_at)
            .join(RamGroupMember, RamGroupMember.user_name == RamUser.name)
            .where(RamGroupMember.group_name == group_name)
            .order_by(RamUser.name)
            .limit(limit + 1)
        )
        if after is not None:
            query = query.where(RamUser.name > after)
        async with self._db.transaction() as s:
            if await s.get(RamGroup, group_name) is None:
                raise NotFound(GROUP, group_name)
            rows = [(u, joined) for u, joined in (await s.execute(query)).all()]
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, rows[-1][0].name if more and rows else None)

    # --- roles ---------------------------------------------------------------------------------------------

    async def create_role(
        self,
        *,
        name: str,
        role_id: str,
        trust_policy: str,
        description: str,
        max_session_duration: int,
        now: datetime,
    ) -> RamRole:
        row = RamRole(
            name=name,
            id=role_id,
            trust_policy=trust_policy,
            description=description,
            max_session_duration=max_session_duration,
            created_at=now,
            updated_at=now,
        )
        return await self._create(row, ROLE, self.quotas.roles)

    async def get_role(self, name: str) -> RamRole | None:
        async with self._db.transaction() as s:
            return await s.get(RamRole, name)

    async def list_roles(self, *, after: str | None, limit: int) -> Page:
        return await self._page(RamRole, after, limit)

    async def update_role(
        self,
        name: str,
        *,
        trust_policy: str | None,
        description: str | None,
        max_session_duration: int | None,
        now: datetime,
    ) -> RamRole:
        async with self._write() as s:
            row: RamRole = await self._require(s, ROLE, name)
            if trust_policy is not None:
                row.trust_policy = trust_policy
            if description is not None:
                row.description = description
            if max_session_duration is not None:
                row.max_session_duration = max_session_duration
            row.updated_at = now
            return row

    async def delete_role(self, name: str) -> None:
        """Delete a role (refused while policies are attached) and revoke its temporary credentials."""
        async with self._write() as s:
            row = await self._require(s, ROLE, name)
            if await self._count(s, self._attachment_count(ROLE, name)):
                raise DeleteConflict(ROLE, name, "Policy")
            await s.execute(delete(StsCredential).where(StsCredential.role_name == name))
            await s.delete(row)

    # --- policies ------------------------------------------------------------------------------------------

    @staticmethod
    def _attachment_count(principal_type: str, name: str) -> Any:
        return (
            select(func.count())
            .select_from(RamPolicyAttachment)
            .where(RamPolicyAttachment.principal_type == principal_type, RamPolicyAttachment.principal_name == name)
        )

    async def create_policy(self, *, name: str, document: str, description: str, now: datetime) -> RamPolicy:
        row = RamPolicy(
            name=name, document=document, description=description, version="v1", created_at=now, updated_at=now
        )
        return await self._create(row, "Policy", self.quotas.policies)

    async def get_policy(self, name: str) -> RamPolicy | None:
        async with self._db.transaction() as s:
            return await s.get(RamPolicy, name)

    async def list_policies(self, *, after: str | None, limit: int) -> Page:
        return await self._page(RamPolicy, after, limit)

    async def attachment_counts(self, names: Sequence[str]) -> dict[str, int]:
        if not names:
            return {}
        query = (
            select(RamPolicyAttachment.policy_name, func.count())
            .where(RamPolicyAttachment.policy_name.in_(list(names)))
            .group_by(RamPolicyAttachment.policy_name)
        )
        async with self._db.transaction() as s:
            return {name: int(n) for name, n in (await s.execute(query)).all()}

    async def delete_policy(self, name: str) -> None:
        async with self._write() as s:
            row = await self._lock(s, RamPolicy, name)
            if row is None:
                raise NotFound("Policy", name)
            attached = (
                select(func.count()).select_from(RamPolicyAttachment).where(RamPolicyAttachment.policy_name == name)
            )
            if await self._count(s, attached):
                raise DeleteConflict("Policy", name, "Attachment")
            await s.delete(row)

    async def attach_policy(self, policy_name: str, principal_type: str, principal_name: str, now: datetime) -> None:
        limit = self.quotas.policies_per_principal
        relation = f"{principal_type}.Policy"
        try:
            async with self._write() as s:
                await self._require(s, principal_type, principal_name)
                if await self._lock(s, RamPolicy, policy_name) is None:
                    raise NotFound("Policy", policy_name)
                key = (policy_name, principal_type, principal_name)
                if await s.get(RamPolicyAttachment, key) is not None:
                    raise AlreadyExists(relation, f"{principal_name}/{policy_name}")
                if await self._count(s, self._attachment_count(principal_type, principal_name)) >= limit:
                    raise LimitExceeded(relation, principal_name, limit)
                s.add(
                    RamPolicyAttachment(
                        policy_name=policy_name,
                        principal_type=principal_type,
                        principal_name=principal_name,
                        attached_at=now,
                    )
                )
        except IntegrityError:
            raise AlreadyExists(relation, f"{principal_name}/{policy_name}") from None

    async def detach_policy(self, policy_name: str, principal_type: str, principal_name: str) -> None:
        async with self._write() as s:
            await self._require(s, principal_type, principal_name)
            if await s.get(RamPolicy, policy_name) is None:
                raise NotFound("Policy", policy_name)
            result = await s.execute(
                delete(RamPolicyAttachment).where(
                    RamPolicyAttachment.policy_name == policy_name,
                    RamPolicyAttachment.principal_type == principal_type,
                    RamPolicyAttachment.principal_name == principal_name,
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFound(f"{principal_type}.Policy", f"{principal_name}/{policy_name}")

    async def policies_for(self, principal_type: str, name: str) -> list[tuple[RamPolicy, datetime]]:
        query = (
            select(RamPolicy, RamPolicyAttachment.attached_at)
            .join(RamPolicyAttachment, RamPolicyAttachment.policy_name == RamPolicy.name)
            .where(RamPolicyAttachment.principal_type == principal_type, RamPolicyAttachment.principal_name == name)
            .order_by(RamPolicy.name)
        )
        async with self._db.transaction() as s:
            if await s.get(_MODELS[principal_type], name) is None:
                raise NotFound(principal_type, name)
            return [(p, attached) for p, attached in (await s.execute(query)).all()]

    async def entities_for_policy(self, name: str) -> list[RamPolicyAttachment]:
        query = (
            select(RamPolicyAttachment)
            .where(RamPolicyAttachment.policy_name == name)
            .order_by(RamPolicyAttachment.principal_type, RamPolicyAttachment.principal_name)
        )
        async with self._db.transaction() as s:
            if await s.get(RamPolicy, name) is None:
                raise NotFound("Policy", name)
            return list((await s.scalars(query)).all())

    async def effective_policies(
        self, *, user_name: str | None = None, role_name: str | None = None
    ) -> Sequence[RamPolicy]:
        """The policies that apply to a user (its own and its groups') or to a role, in one query."""
        if (user_name is None) == (role_name is None):
            raise ValueError("give exactly one of user_name and role_name")
        attachment = RamPolicyAttachment
        if user_name is not None:
            groups = select(RamGroupMember.group_name).where(RamGroupMember.user_name == user_name)
            condition = or_(
                (attachment.principal_type == USER) & (attachment.principal_name == user_name),
                (attachment.principal_type == GROUP) & attachment.principal_name.in_(groups),
            )
        else:
            condition = (attachment.principal_type == ROLE) & (attachment.principal_name == role_name)
        query = (
            select(RamPolicy)
            .where(RamPolicy.name.in_(select(attachment.policy_name).where(condition)))
            .order_by(RamPolicy.name)
        )
        async with self._db.transaction() as s:
            return (await s.scalars(query)).all()

"""Errors repositories raise when a change would break an invariant of the identity tables.

They name the entity the way the RAM error codes do (`User`, `User.AccessKey`, `Group`, ...), so the API layer can
turn each into `EntityNotExist.User.AccessKey`, `DeleteConflict.User.Group`, ... without knowing the tables. The
checks happen inside the repository's transaction (with the affected rows locked on PostgreSQL), so a request that
races another on a second node still sees a consistent answer.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class: `entity` is a RAM-style entity path, `name` what the caller asked for."""

    def __init__(self, entity: str, name: str) -> None:
        super().__init__(f"{entity} {name}")
        self.entity = entity
        self.name = name


class NotFound(StoreError):
    """The entity (or the relation, e.g. `User.Group`) does not exist."""


class AlreadyExists(StoreError):
    """An entity or relation with that name exists already."""


class DeleteConflict(StoreError):
    """The entity cannot be deleted while `blocker` (e.g. `AccessKey`) still refers to it."""

    def __init__(self, entity: str, name: str, blocker: str) -> None:
        super().__init__(entity, name)
        self.blocker = blocker


class LimitExceeded(StoreError):
    """Creating one more would pass the quota `limit`."""

    def __init__(self, entity: str, name: str, limit: int) -> None:
        super().__init__(entity, name)
        self.limit = limit

"""Console passwords: argon2id at rest, the password rule, and verification off the event loop.

argon2id is deliberately slow and memory-hard (tens of milliseconds, 64 MiB per check with the library's RFC 9106
defaults), so hashing and verifying run in worker threads (`asyncio.to_thread`) behind a small semaphore: the
event loop keeps relaying sessions while passwords are checked, and a flood of sign-ins cannot take all memory.
An unknown user is checked against a dummy hash so the answer takes as long as for a real one.
"""

from __future__ import annotations

import asyncio
import functools
import weakref

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 128
MAX_PARALLEL_CHECKS = 4

_hasher = PasswordHasher()  # argon2id
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _slot() -> asyncio.Semaphore:
    """This event loop's semaphore (a semaphore belongs to one loop; tests run many)."""
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(MAX_PARALLEL_CHECKS)
    return slot


def password_problem(password: str) -> str | None:
    """Why `password` breaks the password rule (8 to 128 characters, not only spaces), or None."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"must be {MIN_LENGTH} to {MAX_LENGTH} characters long"
    if not password.strip():
        return "must not be only spaces"
    return None


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("tether: no such user, same cost")


def _verify(hashed: str | None, password: str) -> tuple[bool, bool]:
    try:
        _hasher.verify(hashed or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if hashed is None:
        return False, False
    return True, _hasher.check_needs_rehash(hashed)


async def hash_password(password: str) -> str:
    async with _slot():
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(hashed: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash); `hashed` None (no such user or no login profile) never matches."""
    async with _slot():
        return await asyncio.to_thread(_verify, hashed, password)

"""Random tokens and ids, and how tokens are kept at rest.

Tokens carry 256 bits of randomness, so a plain SHA-256 is a sound way to store them (no brute force is possible,
unlike passwords); comparisons are constant-time all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str = "") -> str:
    """A fresh URL-safe token with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The form a token is stored in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, hashed: str) -> bool:
    """Whether `token` is the one whose hash is `hashed`, in constant time."""
    return hmac.compare_digest(hash_token(token), hashed)


def new_id(prefix: str, nhex: int = 17) -> str:
    """A random identifier like `mi-0a1b2c3d4e5f60718` (prefix, dash, lowercase hex)."""
    return f"{prefix}-{secrets.token_hex((nhex + 1) // 2)[:nhex]}"

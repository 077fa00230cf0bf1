"""Encryption at rest for secrets the server must be able to use again (access-key secrets for HMAC checks).

A hash would not do: verifying an HMAC needs the secret itself. AES-256-GCM under a key that lives in a file
beside (not inside) the database means a stolen database alone reveals no secret. Nodes that share one database
share this key file.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"


class SecretBox:
    """Encrypts and decrypts short strings with AES-256-GCM."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("secret box key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def load_or_create(cls, path: Path) -> SecretBox:
        """Read the key file, creating it (mode 0600) on first use."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, base64.b64encode(AESGCM.generate_key(bit_length=256)) + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
        return cls(base64.b64decode(path.read_bytes().strip()))

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as `v1:` + base64(nonce + sealed)."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)
        return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """Inverse of `encrypt`; raises ValueError when the text was altered or the key is wrong."""
        if not ciphertext.startswith(_PREFIX):
            raise ValueError("unknown secret format")
        raw = base64.b64decode(ciphertext[len(_PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except InvalidTag:
            raise ValueError("secret cannot be decrypted: wrong key file or altered data") from None
